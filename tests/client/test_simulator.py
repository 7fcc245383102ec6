"""Both clients against the in-process simulator: every method, every error, faults, pacing."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import ymarket
from ymarket.simulator import (
    DEMO_API_KEY,
    DEMO_OAUTH_TOKEN,
    DEMO_OFFERS_ONLY_API_KEY,
    FakeClock,
    Simulator,
)

from tests.client.support import run

BASE_URL = "https://simulator.local"
DBS, FBS, LOCKED = 1001, 2002, 3003
ORDER = 70001
# SKU-00100 is stored in a Market warehouse: it stays.
SKUS = ["SKU-00001", "SKU-00002", "SKU-00100", "NO-SUCH-SKU"]
NOT_DELETED = ("SKU-00100", "NO-SUCH-SKU")
NEW_LICENSE = {
    "outletId": 502,
    "licenseType": "ALCOHOL",
    "number": "77RPA0100000",
    "dateOfIssue": datetime.date(2024, 2, 1),
    "dateOfExpiry": datetime.date(2029, 1, 31),
}
# Order 70001: item 3 came with a special offer and must stay.
KEEP_ITEMS = [
    {
        "id": 1,
        "count": 3,
        "instances": [{"cis": f"010460123456789021SERIAL{n:07d}"} for n in (1, 2, 3)],
    },
    {"id": 2, "count": 1},
    {"id": 3, "count": 1},
]


class StripCredentials(httpx.BaseTransport):
    """A transport in front of the simulator that loses the credential headers (a bad proxy)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for name in ("Api-Key", "Authorization"):
            request.headers.pop(name, None)
        return self.inner.handle_request(request)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(clock=clock)


def sync_client(sim: Simulator, clock: FakeClock, **kwargs: Any) -> ymarket.Client:
    kwargs.setdefault("api_key", DEMO_API_KEY)
    kwargs.setdefault("transport", sim.sync_transport())
    return ymarket.Client(base_url=BASE_URL, clock=clock, sleep=clock.advance, **kwargs)


def async_client(sim: Simulator, clock: FakeClock, **kwargs: Any) -> ymarket.AsyncClient:
    kwargs.setdefault("api_key", DEMO_API_KEY)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    return ymarket.AsyncClient(
        base_url=BASE_URL,
        transport=sim.async_transport(),
        clock=clock,
        sleep=sleep,
        **kwargs,
    )


Method = Callable[[Any], Any]

METHODS: dict[str, tuple[Method, Callable[[Any], None]]] = {}


def _check_offers(result: ymarket.DeleteOffersResult) -> None:
    assert result.not_deleted_offer_ids == NOT_DELETED
    assert result.deleted_count == 2


def _check_licenses(result: ymarket.LicensesResult) -> None:
    assert result.count >= 1


def _check_order(result: ymarket.OrderItemsResult) -> None:
    assert result.status_code == 200 and result.order_id == ORDER


METHODS = {
    "delete_campaign_offers": (lambda c: c.delete_campaign_offers(DBS, SKUS), _check_offers),
    "delete_outlet_licenses": (
        lambda c: c.delete_outlet_licenses(DBS, [9001, 9002]),
        _check_licenses,
    ),
    "update_outlet_licenses": (
        lambda c: c.update_outlet_licenses(DBS, [NEW_LICENSE], tz="Europe/Moscow"),
        _check_licenses,
    ),
    "update_order_items": (
        lambda c: c.update_order_items(DBS, ORDER, KEEP_ITEMS, reason="PARTNER_REQUESTED_REMOVE"),
        _check_order,
    ),
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_sync(sim: Simulator, clock: FakeClock, name: str) -> None:
    call, check = METHODS[name]
    with sync_client(sim, clock) as client:
        check(call(client))
    assert [r.status for r in sim.requests] == [200]


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_async(sim: Simulator, clock: FakeClock, name: str) -> None:
    call, check = METHODS[name]

    async def main() -> Any:
        async with async_client(sim, clock) as client:
            return await call(client)

    check(run(main()))
    assert [r.status for r in sim.requests] == [200]


def test_effects_are_visible_in_the_simulator(sim: Simulator, clock: FakeClock) -> None:
    with sync_client(sim, clock) as client:
        client.delete_campaign_offers(DBS, SKUS)
        again = client.delete_campaign_offers(DBS, SKUS)
        assert set(again.not_deleted_offer_ids) == set(SKUS)  # now none are found
        client.update_outlet_licenses(DBS, [NEW_LICENSE], tz="Europe/Moscow")
    sent = sim.requests_for("updateOutletLicenses")[0].body
    assert sent["licenses"][0]["dateOfIssue"] == "2024-02-01T00:00:00+03:00"


def test_oauth_token(sim: Simulator, clock: FakeClock) -> None:
    with sync_client(sim, clock, api_key=None, oauth_token=DEMO_OAUTH_TOKEN) as client:
        assert client.delete_outlet_licenses(DBS, [9003]).count == 1


ERROR_CASES: list[tuple[type[ymarket.ApiError], dict[str, Any], Method]] = [
    (ymarket.BadRequestError, {}, lambda c: c.update_order_items(DBS, ORDER, KEEP_ITEMS[:2])),
    (ymarket.UnauthorizedError, {"strip": True}, lambda c: c.delete_outlet_licenses(DBS, [9001])),
    (
        ymarket.ForbiddenError,
        {"api_key": "wrong-key"},
        lambda c: c.delete_outlet_licenses(DBS, [9001]),
    ),
    (
        ymarket.ForbiddenError,
        {"api_key": DEMO_OFFERS_ONLY_API_KEY},
        lambda c: c.delete_outlet_licenses(DBS, [9001]),
    ),
    (ymarket.ForbiddenError, {}, lambda c: c.delete_outlet_licenses(FBS, [9001])),
    (ymarket.NotFoundError, {}, lambda c: c.delete_campaign_offers(9999, ["a"])),
    (ymarket.NotFoundError, {}, lambda c: c.update_order_items(DBS, 1, [{"id": 1, "count": 1}])),
    (
        ymarket.RateLimitError,
        {"faults": {"rate_limit_burst": 5}},
        lambda c: c.delete_campaign_offers(DBS, ["a"]),
    ),
    (ymarket.LockedError, {}, lambda c: c.delete_campaign_offers(LOCKED, ["LOCKED-001"])),
    (
        ymarket.ServerError,
        {"faults": {"error_rate": 1.0, "seed": 3}},
        lambda c: c.delete_campaign_offers(DBS, ["a"]),
    ),
]


def _error_client_kwargs(sim: Simulator, options: dict[str, Any]) -> dict[str, Any]:
    if "faults" in options:
        sim.faults.configure(**options["faults"])
    kwargs: dict[str, Any] = {"max_retries": 0}
    if options.get("strip"):
        kwargs["transport"] = StripCredentials(sim.sync_transport())
    if "api_key" in options:
        kwargs["api_key"] = options["api_key"]
    return kwargs


@pytest.mark.parametrize(("error_class", "options", "call"), ERROR_CASES)
def test_every_error_class_from_real_answers(
    sim: Simulator,
    clock: FakeClock,
    error_class: type[ymarket.ApiError],
    options: dict[str, Any],
    call: Method,
) -> None:
    client = sync_client(sim, clock, **_error_client_kwargs(sim, options))
    with client, pytest.raises(ymarket.ApiError) as caught:
        call(client)
    assert type(caught.value) is error_class
    assert caught.value.errors and caught.value.errors[0].code
    assert caught.value.status_code == sim.requests[-1].status


@pytest.mark.parametrize(
    ("error_class", "options", "call"), [c for c in ERROR_CASES if "strip" not in c[1]]
)
def test_every_error_class_async(
    sim: Simulator,
    clock: FakeClock,
    error_class: type[ymarket.ApiError],
    options: dict[str, Any],
    call: Method,
) -> None:
    kwargs = _error_client_kwargs(sim, options)

    async def main() -> None:
        async with async_client(sim, clock, **kwargs) as client:
            await call(client)

    with pytest.raises(ymarket.ApiError) as caught:
        run(main())
    assert type(caught.value) is error_class


def test_transport_error_from_a_dropped_connection(sim: Simulator, clock: FakeClock) -> None:
    sim.faults.configure(drop_rate=1.0, seed=1)
    client = sync_client(sim, clock, max_retries=0)
    with client, pytest.raises(ymarket.TransportError) as caught:
        client.delete_campaign_offers(DBS, ["a"])
    assert caught.value.maybe_sent


def test_malformed_success_body(sim: Simulator, clock: FakeClock) -> None:
    sim.faults.configure(malformed_rate=1.0, seed=1)
    with sync_client(sim, clock, max_retries=0) as client:
        with pytest.raises(ymarket.UnexpectedResponseError) as caught:
            client.delete_campaign_offers(DBS, ["SKU-00003"])
        assert caught.value.raw_text
        assert client.delete_outlet_licenses(DBS, [9001]).count == 1  # nothing to read there


class TestRetriesUnderFaults:
    def test_420_burst(self, sim: Simulator, clock: FakeClock) -> None:
        sim.faults.configure(rate_limit_burst=3)
        with sync_client(sim, clock) as client:
            result = client.delete_campaign_offers(DBS, SKUS)
        assert result.not_deleted_offer_ids == NOT_DELETED
        assert [r.status for r in sim.requests] == [420, 420, 420, 200]

    def test_500_burst_and_drops_on_a_bulk_job(self, sim: Simulator, clock: FakeClock) -> None:
        sim.faults.configure(error_rate=0.2, drop_rate=0.2, seed=7)
        skus = [f"SKU-{n:05d}" for n in range(1, 1601)]
        with sync_client(sim, clock, max_retries=8) as client:
            result = client.delete_campaign_offers(DBS, skus)
        statuses = [r.status for r in sim.requests]
        assert 500 in statuses  # faults did happen
        assert result.requested == 1600
        # SKUs in a Market warehouse stay; a retried chunk may also list SKUs its
        # first (dropped) attempt deleted: all must be gone from the store now.
        sim.faults.clear()
        with sync_client(sim, clock) as client:
            again = client.delete_campaign_offers(DBS, skus)
        warehouse = {f"SKU-{n:05d}" for n in range(100, 1601, 100)}
        assert warehouse <= set(again.not_deleted_offer_ids)
        assert len(again.not_deleted_offer_ids) == 1600  # nothing left to delete

    def test_timeouts_are_retried(self, sim: Simulator, clock: FakeClock) -> None:
        attempts = 0
        inner = sim.sync_transport()

        class TimeoutOnce(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                nonlocal attempts
                attempts += 1
                if attempts == 1:
                    raise httpx.ReadTimeout("read timeout", request=request)
                return inner.handle_request(request)

        with sync_client(sim, clock, transport=TimeoutOnce()) as client:
            client.delete_outlet_licenses(DBS, [9001])
        assert attempts == 2

    @pytest.mark.parametrize("fault", [{"error_rate": 1.0}, {"drop_rate": 1.0}])
    def test_no_retry_of_license_creation_after_an_ambiguous_failure(
        self, sim: Simulator, clock: FakeClock, fault: dict[str, float]
    ) -> None:
        sim.faults.configure(after_processing=True, seed=1, **fault)
        client = sync_client(sim, clock)
        with client, pytest.raises(ymarket.YMarketError) as caught:
            client.update_outlet_licenses(DBS, [NEW_LICENSE], tz="Europe/Moscow")
        assert len(sim.requests) == 1
        assert "created a second time" in str(caught.value)

    def test_async_retries(self, sim: Simulator, clock: FakeClock) -> None:
        sim.faults.configure(rate_limit_burst=2)

        async def main() -> ymarket.DeleteOffersResult:
            async with async_client(sim, clock) as client:
                return await client.delete_campaign_offers(DBS, SKUS)

        assert run(main()).not_deleted_offer_ids == NOT_DELETED
        assert [r.status for r in sim.requests] == [420, 420, 200]


class TestPacing:
    def test_bulk_of_20000_skus_uses_the_quota_without_a_420(
        self, sim: Simulator, clock: FakeClock
    ) -> None:
        skus = [f"SKU-{n:05d}" for n in range(1, 20_001)]
        chunks: list[ymarket.ChunkResult] = []
        with sync_client(sim, clock) as client:
            result = client.delete_campaign_offers(DBS, skus, on_chunk=chunks.append)
        statuses = [r.status for r in sim.requests]
        assert statuses == [200] * 40
        assert len(chunks) == 40 and result.requested == 20_000
        limits = ymarket.spec.operation("deleteCampaignOffers").rate_limit
        assert limits is not None
        period = limits.tier().period_seconds
        assert 3 * period <= clock() <= 3 * period + 5  # 4 windows: the quota, fully used

    def test_async_bulk_paces_too(self, sim: Simulator, clock: FakeClock) -> None:
        async def main() -> None:
            async with async_client(sim, clock) as client:
                await client.delete_campaign_offers(DBS, [f"S{n}" for n in range(12_000)])

        run(main())
        assert {r.status for r in sim.requests} == {200}

    def test_parallel_tasks_stay_within_max_parallel(
        self, sim: Simulator, clock: FakeClock
    ) -> None:
        sim.faults.configure(latency_seconds=0.5)

        async def main() -> None:
            async with async_client(sim, clock) as client:
                calls: list[Awaitable[Any]] = [
                    client.update_order_items(DBS, 70004, [{"id": 1, "count": 4}])
                    for _ in range(15)
                ]
                await asyncio.gather(*calls)

        run(main())
        assert {r.status for r in sim.requests} == {200}
