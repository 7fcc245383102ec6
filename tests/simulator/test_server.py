"""``python -m ymarket.simulator`` serves a dataset on loopback; datasets load from JSON."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ymarket.simulator import (
    DEMO_API_KEY,
    DEMO_OFFERS_ONLY_API_KEY,
    Dataset,
    DatasetError,
    demo_dataset,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read() if process.stdout else "exited")
        try:
            httpx.get(url + "/__simulator__/faults", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ymarket.simulator", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process)
    return process, url


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    out, _ = process.communicate(timeout=10)
    return out


def test_module_serves_the_demo_on_loopback_and_prints_it() -> None:
    process, url = serve()
    try:
        response = httpx.post(
            url + "/v2/campaigns/1001/offers/delete",
            json={"offerIds": ["SKU-00011", "SKU-00100"]},
            headers={"Api-Key": DEMO_API_KEY},
        )
        assert response.json() == {"status": "OK", "result": {"notDeletedOfferIds": ["SKU-00100"]}}
    finally:
        out = stop(process)
    assert "1001  DBS" in out and "2002  FBS" in out
    assert DEMO_API_KEY in out and DEMO_OFFERS_ONLY_API_KEY in out
    assert f"http://127.0.0.1:{url.rsplit(':', 1)[1]}" in out


def test_data_file_replaces_the_demo(tmp_path: Path) -> None:
    data = {
        "campaigns": [{"id": 7, "placementModel": "FBY"}],
        "credentials": [
            {"type": "api-key", "value": "k", "scopes": ["all-methods"], "campaignIds": [7]}
        ],
        "offers": [{"campaignId": 7, "offerId": "A"}],
    }
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    process, url = serve("--data", str(path))
    try:
        response = httpx.post(
            url + "/v2/campaigns/7/offers/delete",
            json={"offerIds": ["A", "B"]},
            headers={"Api-Key": "k"},
        )
        assert response.json()["result"] == {"notDeletedOfferIds": ["B"]}
        demo = httpx.post(
            url + "/v2/campaigns/1001/offers/delete",
            json={"offerIds": ["A"]},
            headers={"Api-Key": DEMO_API_KEY},
        )
        assert demo.status_code == 403
    finally:
        stop(process)


def test_bad_data_file_exits_2_with_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"campaigns": [{"id": 1}], "credentials": []}))
    result = subprocess.run(
        [sys.executable, "-m", "ymarket.simulator", "--data", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "placementModel" in result.stderr


def test_dump_demo_round_trips() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ymarket.simulator", "--dump-demo"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert Dataset(json.loads(result.stdout)).document == demo_dataset().document


def test_demo_dataset_has_what_the_readme_promises() -> None:
    state = demo_dataset().build_state()
    assert state.campaigns[1001].placement_model == "DBS"
    assert state.campaigns[2002].placement_model == "FBS"
    offers_1001 = [o for (c, _), o in state.offers.items() if c == 1001]
    assert len(offers_1001) >= 1500
    assert any(o.in_market_warehouse for o in offers_1001)
    assert state.credentials[("api-key", DEMO_API_KEY)].scopes == {"all-methods"}
    assert state.credentials[("api-key", DEMO_OFFERS_ONLY_API_KEY)].scopes == {
        "offers-and-cards-management"
    }
    started = [
        o for o in state.orders.values() if (o.status, o.substatus) == ("PROCESSING", "STARTED")
    ]
    three = [o for o in started if len(o.items) == 3]
    assert three
    assert any(i.labelled for i in three[0].items)
    assert any(i.from_special_offer for i in three[0].items)
    assert len({o.status for o in state.orders.values()}) >= 2
    assert state.licenses


def test_dataset_references_are_checked() -> None:
    with pytest.raises(DatasetError, match="unknown campaign 9"):
        Dataset(
            {
                "campaigns": [{"id": 1, "placementModel": "DBS"}],
                "credentials": [{"type": "oauth", "value": "t", "campaignIds": [9]}],
            }
        )


def test_states_are_independent() -> None:
    dataset = demo_dataset()
    first, second = dataset.build_state(), dataset.build_state()
    first.delete_campaign_offers(first.campaigns[1001], ["SKU-00011"])
    assert (1001, "SKU-00011") in second.offers
