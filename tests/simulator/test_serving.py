"""Running the simulator beside others (issue 13): real port, busy port, control token
beyond loopback, a redacted and compact request log, a body size limit, malformed
JSON of any kind answered 400, the current state over HTTP, ``dump_demo``.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest
from ymarket.simulator import BASE_URL, DEMO_API_KEY, FakeClock, Simulator, demo_dataset
from ymarket.simulator.dataset import dump_demo
from ymarket.simulator.server import CoalescingTransport
from ymarket.spec import operations

OFFERS = "/v2/campaigns/1001/offers/delete"
ERROR_400 = operations()["deleteCampaignOffers"].responses["400"]["schema"]

DEEP = b'{"offerIds": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
LONE_SURROGATE = b'{"offerIds": ["\\ud800"]}'


def start(*args: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """``python -m ymarket.simulator ARGS``; its URL once it says it serves, and its lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ymarket.simulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        found = re.search(r"Serving on (http://\S+)", line)
        if found:
            url = found.group(1).replace("0.0.0.0", "127.0.0.1")
            return process, url, lines
    process.wait(10)
    raise AssertionError(f"exited {process.returncode}: {''.join(lines)}")


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.terminate()
    out, err = process.communicate(timeout=10)
    return out, err


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def assert_spec_400(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    jsonschema_rs.validate(ERROR_400, response.json())


# -- the served simulator (subprocess) ---------------------------------------------


def test_port_0_prints_the_real_port_and_serves_there() -> None:
    process, url, _ = start("--port", "0")
    try:
        port = int(url.rsplit(":", 1)[1])
        assert port != 0
        response = httpx.post(
            url + OFFERS, json={"offerIds": ["SKU-00011"]}, headers={"Api-Key": DEMO_API_KEY}
        )
        assert response.status_code == 200
        # Loopback keeps the control API open.
        assert httpx.get(url + "/__simulator__/faults").status_code == 200
        # Malformed JSON of any kind gets the spec's 400 body over uvicorn too.
        for content in (DEEP, LONE_SURROGATE):
            assert_spec_400(
                httpx.post(
                    url + OFFERS,
                    content=content,
                    headers={"Api-Key": DEMO_API_KEY, "Content-Type": "application/json"},
                )
            )
    finally:
        stop(process)


def test_a_busy_port_is_one_line_and_exit_2(busy_port: int) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ymarket.simulator", "--port", str(busy_port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{busy_port}: ")


def test_beyond_loopback_it_warns_and_the_control_api_needs_the_printed_token() -> None:
    process, url, lines = start("--host", "0.0.0.0", "--port", "0")
    try:
        (token_line,) = [line for line in lines if line.startswith("Control API token: ")]
        header, token = token_line.split(": ", 1)[1].strip().split(": ")
        refused = httpx.get(url + "/__simulator__/requests")
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["code"] == "UNAUTHORIZED"
        wrong = httpx.get(url + "/__simulator__/requests", headers={header: token + "x"})
        assert wrong.status_code == 401
        allowed = httpx.get(url + "/__simulator__/requests", headers={header: token})
        assert allowed.status_code == 200
        api = httpx.post(
            url + OFFERS, json={"offerIds": ["SKU-00011"]}, headers={"Api-Key": DEMO_API_KEY}
        )
        assert api.status_code == 200
    finally:
        _, err = stop(process)
    assert err.startswith("warning: serving beyond loopback (0.0.0.0)")


# -- the request log ------------------------------------------------------------------


def _client(simulator: Simulator, **headers: str) -> httpx.Client:
    return httpx.Client(transport=simulator.sync_transport(), base_url=BASE_URL, headers=headers)


def test_the_request_log_redacts_credentials_and_keeps_bodies_as_bytes() -> None:
    simulator = Simulator(clock=FakeClock())
    with _client(simulator, **{"Api-Key": DEMO_API_KEY}) as c:
        c.post(OFFERS, json={"offerIds": ["SKU-00011"]})
        c.post(OFFERS, json={"offerIds": ["x"]}, headers={"Authorization": "Bearer secret"})
        log = c.get("/__simulator__/requests").json()
    first, second = simulator.requests
    assert first.headers["api-key"] == "<redacted>"
    assert second.headers["authorization"] == "<redacted>"
    assert isinstance(first.raw_body, bytes)
    assert first.body == {"offerIds": ["SKU-00011"]}
    text = json.dumps(log)
    assert DEMO_API_KEY not in text and "secret" not in text
    assert log[0]["body"] == {"offerIds": ["SKU-00011"]}


def test_the_request_log_drops_the_oldest_beyond_its_size() -> None:
    simulator = Simulator(clock=FakeClock(), max_recorded_requests=5)
    with _client(simulator) as c:
        for n in range(50):
            c.get(f"/nothing/{n}")
    paths = [r.path for r in simulator.requests]
    assert len(paths) <= 10
    assert paths == [f"/nothing/{n}" for n in range(50 - len(paths), 50)]


# -- bodies -----------------------------------------------------------------------------


def test_a_body_over_the_size_limit_is_the_spec_400() -> None:
    simulator = Simulator(clock=FakeClock(), max_body_bytes=100)
    body = json.dumps({"offerIds": ["SKU-00011"] * 20}).encode()
    with _client(simulator, **{"Api-Key": DEMO_API_KEY}) as c:
        refused = c.post(OFFERS, content=body, headers={"Content-Type": "application/json"})
        small = c.post(OFFERS, json={"offerIds": ["SKU-00011"]})
    assert_spec_400(refused)
    assert "larger than 100 bytes" in refused.json()["errors"][0]["message"]
    assert small.status_code == 200
    assert simulator.requests[0].raw_body == b""


@pytest.mark.parametrize(
    "content",
    [DEEP, LONE_SURROGATE, b'{"offerIds": ["\\udc00"]}', b'{"offerIds": [1e999999]}', b"\xff"],
    ids=["deep", "high-surrogate", "low-surrogate", "huge-number", "not-utf-8"],
)
def test_malformed_json_of_any_kind_is_the_spec_400(content: bytes) -> None:
    simulator = Simulator(clock=FakeClock())
    with _client(simulator, **{"Api-Key": DEMO_API_KEY}) as c:
        response = c.post(OFFERS, content=content, headers={"Content-Type": "application/json"})
        control = c.put("/__simulator__/faults", content=content)
        log = c.get("/__simulator__/requests")
    assert_spec_400(response)
    assert_spec_400(control)
    assert log.status_code == 200


# -- state and demo ------------------------------------------------------------------------


def test_the_state_endpoint_shows_what_a_program_changed() -> None:
    simulator = Simulator(clock=FakeClock())
    with _client(simulator, **{"Api-Key": DEMO_API_KEY}) as c:
        c.post(OFFERS, json={"offerIds": ["SKU-00011"]})
        c.delete("/v2/campaigns/1001/outlets/licenses", params={"ids": "9001"})
        state: dict[str, Any] = c.get("/__simulator__/state").json()
    offers = {(o["campaignId"], o["offerId"]) for o in state["offers"]}
    assert (1001, "SKU-00011") not in offers and (1001, "SKU-00012") in offers
    assert {lic["id"] for lic in state["licenses"]} == {9002, 9003}
    assert {o["id"] for o in state["orders"]} >= {70001, 80001}
    # The same format as a dataset: it loads as one.
    assert state.keys() >= {"offers", "licenses", "orders"}


def test_dump_demo_prints_the_demo_dataset() -> None:
    out = io.StringIO()
    dump_demo(out)
    assert json.loads(out.getvalue()) == json.loads(demo_dataset().to_json())


class _RecordingTransport:
    """Just enough of an asyncio transport to see what is written and when."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> Any:
        return f"extra {name}"


def test_the_served_transport_sends_an_answers_head_and_body_in_one_write() -> None:
    async def scenario() -> tuple[_RecordingTransport, list[list[bytes]]]:
        inner = _RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
        seen: list[list[bytes]] = []
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        seen.append(list(inner.writes))  # held
        assert transport.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"{}")
        seen.append(list(inner.writes))  # head and body at once
        transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await asyncio.sleep(0)  # nothing after it: sent on the loop's next step
        seen.append(list(inner.writes))
        transport.write(b"last")
        transport.close()  # sends what is held first
        seen.append(list(inner.writes))
        assert transport.get_extra_info("peername") == "extra peername"
        return inner, seen

    inner, seen = asyncio.run(scenario())
    assert seen == [
        [],
        [b"HTTP/1.1 200 OK\r\n\r\n{}"],
        [b"HTTP/1.1 200 OK\r\n\r\n{}", b"HTTP/1.1 100 Continue\r\n\r\n"],
        [b"HTTP/1.1 200 OK\r\n\r\n{}", b"HTTP/1.1 100 Continue\r\n\r\n", b"last"],
    ]
    assert inner.closed


def test_a_dropped_connection_drops_what_the_transport_held() -> None:
    async def scenario() -> _RecordingTransport:
        inner = _RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.abort()
        await asyncio.sleep(0)
        return inner

    inner = asyncio.run(scenario())
    assert inner.aborted and inner.writes == []
