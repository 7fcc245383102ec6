"""Testing one's own code: the ``ymarket_client`` fixtures and ``YANDEX_MARKET_BASE_URL``.

A user's test drives ``ymarket.Client`` through the plugin's fixture past the
5,000-SKU quota: the quota waits happen on the simulator's fake clock, so the
run takes far less real time than the minutes it simulates.
"""

from __future__ import annotations

import pytest
import ymarket
from ymarket.simulator import FakeClock, Simulator
from ymarket.simulator.pytest_plugin import CLIENT_BASE_URL

pytest_plugins = ["pytester"]

USERS_TESTS = """
import asyncio
import time

import ymarket

SKUS = [f"SKU-{n:05d}" for n in range(1, 12_001)]


def test_cleanup_past_the_quota(ymarket_client, ymarket_clock, ymarket_simulator):
    started_wall, started_simulated = time.monotonic(), ymarket_clock()
    result = ymarket_client.delete_campaign_offers(1001, SKUS)
    assert isinstance(ymarket_client, ymarket.Client)
    assert result.requested == 12_000
    assert {r.status for r in ymarket_simulator.requests} == {200}
    assert ymarket_clock() - started_simulated > 60  # waited for the quota, simulated
    assert time.monotonic() - started_wall < 5


def test_cleanup_past_the_quota_async(ymarket_async_client, ymarket_clock, ymarket_simulator):
    async def main():
        async with ymarket_async_client as client:
            return await client.delete_campaign_offers(1001, SKUS)

    started_wall, started_simulated = time.monotonic(), ymarket_clock()
    result = asyncio.run(main())
    assert isinstance(ymarket_async_client, ymarket.AsyncClient)
    assert result.requested == 12_000
    assert {r.status for r in ymarket_simulator.requests} == {200}
    assert ymarket_clock() - started_simulated > 60
    assert time.monotonic() - started_wall < 5
"""


def test_a_users_test_runs_past_the_quota_on_the_fake_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users_cleanup=USERS_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_client_fixtures_share_the_simulator_and_its_clock(
    ymarket_client: ymarket.Client,
    ymarket_async_client: ymarket.AsyncClient,
    ymarket_simulator: Simulator,
    ymarket_clock: FakeClock,
) -> None:
    assert repr(ymarket_client).startswith(f"Client(base_url={CLIENT_BASE_URL!r}")
    ymarket_client.delete_outlet_licenses(1001, [9001])
    assert ymarket_client.rate_limiter is not None
    assert ymarket_client.rate_limiter.clock is ymarket_clock
    assert [r.operation_id for r in ymarket_simulator.requests] == ["deleteOutletLicenses"]
    assert ymarket_async_client.rate_limiter is not None
    assert ymarket_async_client.rate_limiter.clock is ymarket_clock


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YANDEX_MARKET_BASE_URL", "http://127.0.0.1:8080")
    assert "'http://127.0.0.1:8080'" in repr(ymarket.Client(api_key="k"))
    assert "'http://127.0.0.1:8080'" in repr(ymarket.AsyncClient(api_key="k"))
    explicit = ymarket.Client(api_key="k", base_url="https://api.example.test")
    assert "'https://api.example.test'" in repr(explicit)  # an explicit argument wins


def test_the_environment_base_url_is_guarded_like_any(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YANDEX_MARKET_BASE_URL", "http://simulator.example")
    with pytest.raises(ymarket.InsecureTransportError):
        ymarket.Client(api_key="k")


def test_no_environment_base_url_means_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YANDEX_MARKET_BASE_URL", raising=False)
    assert "'https://api.partner.market.yandex.ru'" in repr(ymarket.Client(api_key="k"))


@pytest.mark.anyio
async def test_the_async_client_fixture_under_anyio(
    ymarket_async_client: ymarket.AsyncClient, ymarket_clock: FakeClock
) -> None:
    result = await ymarket_async_client.delete_campaign_offers(
        1001, [f"SKU-{n:05d}" for n in range(1, 6_001)]
    )
    assert result.requested == 6_000
    assert ymarket_clock() >= 60  # the quota waited for, on the fake clock
