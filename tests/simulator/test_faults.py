"""Fault injection from Python and over the control API, in-process and over uvicorn."""

from __future__ import annotations

import socket
import time
from collections import Counter

import httpx
import pytest
from ymarket.simulator import BASE_URL, DEMO_API_KEY, FakeClock, Simulator

from tests.simulator.support import LiveServer

OFFERS = "/v2/campaigns/1001/offers/delete"


def test_error_rate_gives_500_with_the_error_body_and_no_effect(
    ymarket_simulator: Simulator, ymarket_httpx_client: httpx.Client
) -> None:
    ymarket_simulator.faults.configure(error_rate=1.0)
    response = ymarket_httpx_client.post(OFFERS, json={"offerIds": ["SKU-00011"]})
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "INTERNAL_ERROR"
    assert (1001, "SKU-00011") in ymarket_simulator.state.offers


def test_after_processing_500_still_applies_the_change(
    ymarket_simulator: Simulator, ymarket_httpx_client: httpx.Client
) -> None:
    ymarket_simulator.faults.configure(error_rate=1.0, after_processing=True)
    response = ymarket_httpx_client.post(OFFERS, json={"offerIds": ["SKU-00011"]})
    assert response.status_code == 500
    assert (1001, "SKU-00011") not in ymarket_simulator.state.offers


def test_shares_are_seeded_and_roughly_right(ymarket_simulator: Simulator) -> None:
    def run() -> Counter[str]:
        ymarket_simulator.faults.configure(error_rate=0.3, malformed_rate=0.2, seed=7)
        return Counter(ymarket_simulator.faults.decide() for _ in range(2000))

    first, second = run(), run()
    assert first == second
    assert 500 < first["error"] < 700
    # malformed is drawn among the requests not already failed: 0.7 * 0.2.
    assert 200 < first["malformed"] < 360


def test_drop_raises_an_httpx_transport_error_after_the_request_was_sent(
    ymarket_simulator: Simulator, ymarket_httpx_client: httpx.Client
) -> None:
    ymarket_simulator.faults.configure(drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        ymarket_httpx_client.post(OFFERS, json={"offerIds": ["SKU-00011"]})
    (record,) = ymarket_simulator.requests
    assert record.operation_id == "deleteCampaignOffers"
    assert record.body == {"offerIds": ["SKU-00011"]}
    assert record.status is None


@pytest.mark.anyio
async def test_drop_with_the_async_client(
    ymarket_simulator: Simulator, ymarket_async_httpx_client: httpx.AsyncClient
) -> None:
    ymarket_simulator.faults.configure(drop_rate=1.0)
    async with ymarket_async_httpx_client as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(OFFERS, json={"offerIds": ["SKU-00011"]})
        ymarket_simulator.faults.clear()
        ok = await client.post(OFFERS, json={"offerIds": ["SKU-00011"]})
    assert ok.status_code == 200


def test_malformed_bodies_are_not_json_and_the_change_happened(
    ymarket_simulator: Simulator, ymarket_httpx_client: httpx.Client
) -> None:
    ymarket_simulator.faults.configure(malformed_rate=1.0, seed=1)
    bodies = set()
    for n in range(11, 21):
        response = ymarket_httpx_client.post(OFFERS, json={"offerIds": [f"SKU-000{n}"]})
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()
        bodies.add(response.content)
    assert len(bodies) == 2  # truncated JSON and an HTML page
    assert (1001, "SKU-00011") not in ymarket_simulator.state.offers


def test_rate_limit_burst_answers_420_n_times(
    ymarket_simulator: Simulator, ymarket_httpx_client: httpx.Client
) -> None:
    ymarket_simulator.faults.configure(rate_limit_burst=2)
    statuses = [
        ymarket_httpx_client.post(OFFERS, json={"offerIds": ["x"]}).status_code for _ in range(3)
    ]
    assert statuses == [420, 420, 200]


def test_latency_runs_on_the_fake_clock(
    ymarket_simulator: Simulator, ymarket_clock: FakeClock, ymarket_httpx_client: httpx.Client
) -> None:
    ymarket_simulator.faults.configure(latency_seconds=2.5)
    before = ymarket_clock()
    ymarket_httpx_client.post(OFFERS, json={"offerIds": ["x"]})
    assert ymarket_clock() - before == 2.5


def test_latency_sleeps_on_a_real_clock() -> None:
    sim = Simulator()
    sim.faults.configure(latency_seconds=0.05)
    with httpx.Client(
        transport=sim.sync_transport(), base_url=BASE_URL, headers={"Api-Key": DEMO_API_KEY}
    ) as c:
        t0 = time.monotonic()
        c.post(OFFERS, json={"offerIds": ["x"]})
        assert time.monotonic() - t0 >= 0.05


def test_bad_settings_are_refused(ymarket_simulator: Simulator) -> None:
    with pytest.raises(ValueError, match="error_rate"):
        ymarket_simulator.faults.configure(error_rate=1.5)
    with pytest.raises(ValueError, match="unknown fault setting"):
        ymarket_simulator.faults.configure(eror_rate=0.1)


def test_control_api(ymarket_simulator: Simulator, ymarket_httpx_client: httpx.Client) -> None:
    c = ymarket_httpx_client
    put = c.put("/__simulator__/faults", json={"error_rate": 1, "seed": 3})
    assert put.status_code == 200
    assert put.json()["error_rate"] == 1
    assert c.post(OFFERS, json={"offerIds": ["SKU-00011"]}).status_code == 500
    assert c.put("/__simulator__/faults", json={"error_rate": "lots"}).status_code == 400
    assert c.put("/__simulator__/faults", json={"nope": 1}).status_code == 400
    assert c.delete("/__simulator__/faults").json()["error_rate"] == 0
    assert c.post(OFFERS, json={"offerIds": ["SKU-00011"]}).status_code == 200
    log = c.get("/__simulator__/requests").json()
    assert [r["status"] for r in log] == [500, 200]
    assert log[0]["operation_id"] == "deleteCampaignOffers"
    assert c.post("/__simulator__/clock/advance", json={"seconds": 5}).json() == {"now": 5.0}
    assert (1001, "SKU-00011") not in ymarket_simulator.state.offers
    assert c.post("/__simulator__/reset").status_code == 200
    assert (1001, "SKU-00011") in ymarket_simulator.state.offers
    assert ymarket_simulator.requests == []
    assert c.get("/__simulator__/dataset").json()["campaigns"][0]["id"] == 1001


def test_drop_over_uvicorn_closes_without_an_answer(live_server: LiveServer) -> None:
    live_server.simulator.faults.configure(drop_rate=1.0)
    request = (
        f"POST {OFFERS} HTTP/1.1\r\nHost: x\r\nApi-Key: {DEMO_API_KEY}\r\n"
        "Content-Type: application/json\r\nContent-Length: 18\r\n\r\n"
        '{"offerIds":["a"]}'
    ).encode()
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as raw:
        raw.sendall(request)
        assert raw.recv(1024) == b""
    with httpx.Client(base_url=live_server.url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(OFFERS, json={"offerIds": ["a"]}, headers={"Api-Key": DEMO_API_KEY})
        live_server.simulator.faults.clear()
        ok = client.post(OFFERS, json={"offerIds": ["a"]}, headers={"Api-Key": DEMO_API_KEY})
    assert ok.status_code == 200


def test_request_log_is_bounded() -> None:
    sim = Simulator(clock=FakeClock(), max_recorded_requests=3)
    with httpx.Client(transport=sim.sync_transport(), base_url=BASE_URL) as c:
        for n in range(10):
            c.get(f"/nothing/{n}")
    assert 3 <= len(sim.requests) <= 6
    assert sim.requests[-1].path == "/nothing/9"
