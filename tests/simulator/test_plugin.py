"""The pytest plugin: fixtures work, and the module is safe without the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from ymarket.simulator import DEMO_API_KEY, FakeClock, Simulator
from ymarket_api import AuthenticatedClient
from ymarket_api.api.assortment import delete_campaign_offers
from ymarket_api.api.outlets import delete_outlet_licenses
from ymarket_api.models import DeleteCampaignOffersRequest

REPO = Path(__file__).resolve().parents[2]


def test_fixtures_share_one_simulator_and_clock(
    ymarket_simulator: Simulator, ymarket_clock: FakeClock, ymarket_httpx_client: httpx.Client
) -> None:
    assert ymarket_simulator.clock is ymarket_clock
    assert ymarket_httpx_client.headers["Api-Key"] == DEMO_API_KEY
    ymarket_httpx_client.delete("/v2/campaigns/1001/outlets/licenses?ids=9001")
    assert [r.operation_id for r in ymarket_simulator.requests] == ["deleteOutletLicenses"]


def test_generated_client_sync(
    ymarket_api_client: AuthenticatedClient, ymarket_simulator: Simulator
) -> None:
    response = delete_campaign_offers.sync_detailed(
        1001,
        client=ymarket_api_client,
        body=DeleteCampaignOffersRequest(offer_ids=["SKU-00011", "SKU-00100"]),
    )
    assert response.status_code == 200
    assert response.parsed is not None
    assert response.parsed.result.not_deleted_offer_ids == ["SKU-00100"]  # type: ignore[union-attr]
    # The key was sent; the request log keeps credentials redacted.
    assert ymarket_simulator.requests[0].headers["api-key"] == "<redacted>"
    assert (1001, "SKU-00011") not in ymarket_simulator.state.offers


@pytest.mark.anyio
async def test_generated_client_async(
    ymarket_api_client: AuthenticatedClient, ymarket_simulator: Simulator
) -> None:
    response = await delete_outlet_licenses.asyncio_detailed(
        1001, client=ymarket_api_client, ids=[9001, 9002]
    )
    assert response.status_code == 200
    assert ymarket_simulator.requests[0].query == [("ids", "9001,9002")]
    assert set(ymarket_simulator.state.licenses) == {9003}


def test_sync_client_inside_a_running_loop(ymarket_simulator: Simulator) -> None:
    import asyncio

    async def main() -> int:
        with httpx.Client(
            transport=ymarket_simulator.sync_transport(),
            base_url="http://x",
            headers={"Api-Key": DEMO_API_KEY},
        ) as c:
            return c.post("/v2/campaigns/1001/offers/delete", json={"offerIds": ["a"]}).status_code

    assert asyncio.run(main()) == 200


def test_sync_transport_reuses_one_loop_thread_and_stops_it_on_close(
    ymarket_simulator: Simulator,
) -> None:
    import threading

    def loop_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "ymarket-simulator-loop"]

    before = len(loop_threads())
    with httpx.Client(
        transport=ymarket_simulator.sync_transport(),
        base_url="http://x",
        headers={"Api-Key": DEMO_API_KEY},
    ) as c:
        for sku in ("a", "b", "c"):
            assert c.post("/v2/campaigns/1001/offers/delete", json={"offerIds": [sku]}).is_success
        assert len(loop_threads()) == before + 1
    assert len(loop_threads()) == before


def test_plugin_imports_without_the_extra() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["starlette"] = None  # as if the simulator extra were not installed
        sys.modules["uvicorn"] = None
        import ymarket.simulator.pytest_plugin
        assert "ymarket.simulator.app" not in sys.modules
        try:
            from ymarket.simulator import Simulator
        except ImportError as error:
            assert "simulator" in str(error) and "extra" in str(error), error
        else:
            raise SystemExit("import should have failed")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_users_get_the_fixtures_through_the_entry_point(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            def test_delete(ymarket_httpx_client, ymarket_simulator):
                r = ymarket_httpx_client.post(
                    "/v2/campaigns/1001/offers/delete", json={"offerIds": ["SKU-00011"]}
                )
                assert r.status_code == 200
                assert (1001, "SKU-00011") not in ymarket_simulator.state.offers
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_a_dropped_sync_transport_stops_its_loop_thread(ymarket_simulator: Simulator) -> None:
    import gc
    import threading

    def loop_threads() -> int:
        return sum(t.name == "ymarket-simulator-loop" for t in threading.enumerate())

    before = loop_threads()
    client = httpx.Client(
        transport=ymarket_simulator.sync_transport(),
        base_url="http://x",
        headers={"Api-Key": DEMO_API_KEY},
    )
    assert client.post("/v2/campaigns/1001/offers/delete", json={"offerIds": ["a"]}).is_success
    assert loop_threads() == before + 1
    del client  # never closed
    gc.collect()
    assert loop_threads() == before
