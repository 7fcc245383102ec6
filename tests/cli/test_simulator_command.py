"""``ymarket simulator`` end to end in a subprocess (issue 13): the real port with
``--port 0``, a busy port, a control token beyond loopback, ``--dump-demo``, and
the request-log and body limits."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from ymarket.simulator import DEMO_API_KEY, demo_dataset
from ymarket.simulator.app import CONTROL_TOKEN_HEADER

from tests.cli.support import YMARKET, run_ymarket, ymarket_env

OFFERS = "/v2/campaigns/1001/offers/delete"


class Served:
    """``ymarket simulator ARGS`` (the demo data) once it has said where it serves and
    what to try there; its printed lines."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [YMARKET, "simulator", *args],
            env=ymarket_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.lines: list[str] = []
        for line in self.process.stdout:
            self.lines.append(line)
            found = re.search(r"Serving on http://(\S+):(\d+)", line)
            if found:
                self.port = int(found.group(2))
                self.url = f"http://127.0.0.1:{self.port}"
            if line.startswith("Try: "):
                return
        self.process.wait(10)
        raise AssertionError(f"exited {self.process.returncode}: {''.join(self.lines)}")

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C: the exit status, the rest of stdout, stderr."""
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, out, err


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    started = Served(*request.param)
    try:
        yield started
    finally:
        if started.process.poll() is None:
            started.process.kill()
            started.process.communicate()


@pytest.mark.parametrize("served", [("--port", "0")], indirect=True)
def test_port_0_prints_the_real_port_serves_there_and_ctrl_c_exits_0(served: Served) -> None:
    assert served.port != 0
    answer = httpx.post(
        served.url + OFFERS, json={"offerIds": ["SKU-00011"]}, headers={"Api-Key": DEMO_API_KEY}
    )
    assert answer.status_code == 200
    # On loopback the control API stays open.
    assert httpx.get(f"{served.url}/__simulator__/faults").status_code == 200
    assert f"YANDEX_MARKET_BASE_URL={served.url} " in served.lines[-1]  # the demo's example
    status, _, err = served.stop()
    assert status == 0, err


def test_a_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = run_ymarket("simulator", "--port", str(port), timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Serving on" not in result.stdout


@pytest.mark.parametrize("served", [("--host", "0.0.0.0", "--port", "0")], indirect=True)
def test_beyond_loopback_it_prints_a_token_the_control_api_requires(served: Served) -> None:
    printed = "".join(served.lines)
    found = re.search(rf"{CONTROL_TOKEN_HEADER}: (\S+)", printed)
    assert found, printed
    token = found.group(1)
    faults = f"{served.url}/__simulator__/faults"
    assert httpx.get(faults).status_code in (401, 403)
    assert httpx.get(faults, headers={CONTROL_TOKEN_HEADER: "wrong"}).status_code in (401, 403)
    assert httpx.get(faults, headers={CONTROL_TOKEN_HEADER: token}).status_code == 200
    # The example to try goes to loopback, which the client accepts over plain HTTP.
    assert f"YANDEX_MARKET_BASE_URL={served.url} " in served.lines[-1]
    _, _, err = served.stop()
    assert "beyond loopback" in err


def test_dump_demo_prints_the_demo_dataset_and_serves_nothing(tmp_path: object) -> None:
    result = run_ymarket("simulator", "--dump-demo", timeout=30)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(demo_dataset().to_json())
    assert "Serving on" not in result.stdout


@pytest.mark.parametrize(
    "served", [("--port", "0", "--max-requests", "2", "--max-body-bytes", "300")], indirect=True
)
def test_request_log_and_body_limits_are_options(served: Served) -> None:
    headers = {"Api-Key": DEMO_API_KEY}
    for n in range(1, 6):
        httpx.post(served.url + OFFERS, json={"offerIds": [f"SKU-0001{n}"]}, headers=headers)
    logged = httpx.get(f"{served.url}/__simulator__/requests").json()
    assert 2 <= len(logged) < 5  # the oldest are dropped (at least the newest 2 kept)
    big = {"offerIds": [f"SKU-{n:05d}" for n in range(100)]}
    answer = httpx.post(served.url + OFFERS, json=big, headers=headers)
    assert answer.status_code == 400
    assert "300 bytes" in answer.text
