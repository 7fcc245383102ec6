"""Pacing to the spec's quotas, with an injected clock."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from datetime import UTC, datetime

import httpx
import pytest
import ymarket
from ymarket._ratelimit import LocalQuotaBucket, seconds_until, wait_after_refusal
from ymarket.spec import RateLimitTier, campaign_limits, operation

from tests.client.conftest import AsyncClientFactory, ClientFactory, FakeTime, ok_handler, run
from tests.pacing._concurrency import (
    holding,
    holding_async,
    most_inside_tasks,
    most_inside_threads,
)


def tier(limit: int, period: float, max_parallel: int | None = None) -> RateLimitTier:
    return RateLimitTier("test", limit, period, max_parallel, "test")


class QuotaServer:
    """A MockTransport handler enforcing the spec's deleteCampaignOffers quota (sliding window)."""

    def __init__(self, fake_time: FakeTime, tier_name: str | None = None) -> None:
        limits = operation("deleteCampaignOffers").rate_limit
        assert limits is not None
        self.tier = limits.tier(tier_name)
        self.fake_time = fake_time
        self.window: deque[tuple[float, int]] = deque()
        self.refused = 0
        self.accepted_items = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        cost = len(json.loads(request.content)["offerIds"])
        with self.lock:
            now = self.fake_time.now
            while self.window and self.window[0][0] <= now - self.tier.period_seconds:
                self.window.popleft()
            if sum(c for _, c in self.window) + cost > self.tier.limit:
                self.refused += 1
                return httpx.Response(420, json={"status": "ERROR", "errors": [{"code": "L"}]})
            self.window.append((now, cost))
            self.accepted_items += cost
        return ok_handler(request)


class TestBucket:
    def test_spends_until_the_limit_then_waits_for_the_window(self, fake_time: FakeTime) -> None:
        bucket = LocalQuotaBucket(tier(10, 60), fake_time.clock)
        assert bucket.reserve(6) == 0
        fake_time.now += 10
        assert bucket.reserve(4) == 0
        wait = bucket.reserve(1)
        assert wait == pytest.approx(50 + bucket.margin)
        fake_time.now += wait
        assert bucket.reserve(1) == 0
        assert bucket.used == 5

    def test_a_spend_in_flight_holds_the_window_until_answered(self, fake_time: FakeTime) -> None:
        """The server counts a request when it arrives, somewhere before the answer: the
        client's window must not free it before then, however long the request takes."""
        bucket = LocalQuotaBucket(tier(10, 60), fake_time.clock)
        spend = bucket.acquire(10, fake_time.sleep)
        fake_time.now += 120  # a request in flight longer than the window
        assert bucket.used == 10
        assert bucket.reserve(1) > 0
        bucket.leave(spend)  # answered now: it leaves the window 60 s from now
        assert bucket.used == 10
        fake_time.now += 60 + bucket.margin
        assert bucket.used == 0
        assert bucket.reserve(10) == 0

    def test_a_cost_above_the_limit_does_not_deadlock(self, fake_time: FakeTime) -> None:
        bucket = LocalQuotaBucket(tier(10, 60), fake_time.clock)
        assert bucket.reserve(50) == 0

    def test_parallel_slots_between_threads(self, fake_time: FakeTime) -> None:
        bucket = LocalQuotaBucket(tier(1000, 60, max_parallel=3), fake_time.clock)
        enter = holding(lambda n: bucket, fake_time.sleep)
        assert most_inside_threads(enter, workers=12, full_at=3) == 3

    def test_parallel_slots_between_tasks(self, fake_time: FakeTime) -> None:
        bucket = LocalQuotaBucket(tier(1000, 60, max_parallel=2), fake_time.clock)
        enter = holding_async(lambda n: bucket, fake_time.async_sleep)
        assert most_inside_tasks(enter, workers=10) == 2


class TestClientPacing:
    def test_bulk_of_20000_skus_uses_the_quota_without_a_420(
        self, make_client: ClientFactory, fake_time: FakeTime
    ) -> None:
        server = QuotaServer(fake_time)
        client, recorder = make_client(server)
        start = fake_time.now
        result = client.delete_campaign_offers(1001, [f"sku-{i}" for i in range(20_000)])
        assert server.refused == 0
        assert result.requested == 20_000
        assert len(recorder.requests) == 40
        elapsed = fake_time.now - start
        period = server.tier.period_seconds
        # 4 quotas' worth: 3 full waits, and not much more than that.
        assert 3 * period <= elapsed <= 3 * period + 5

    def test_extended_tier_paces_to_its_own_limit(
        self, make_client: ClientFactory, fake_time: FakeTime
    ) -> None:
        server = QuotaServer(fake_time, "extended")
        client, _ = make_client(server, rate_limit="extended")
        start = fake_time.now
        client.delete_campaign_offers(1001, [f"sku-{i}" for i in range(20_000)])
        assert server.refused == 0
        assert fake_time.now - start <= server.tier.period_seconds + 5

    def test_without_pacing_the_server_refuses_and_retries_recover(
        self, make_client: ClientFactory, fake_time: FakeTime
    ) -> None:
        server = QuotaServer(fake_time)
        client, _ = make_client(
            server, rate_limit=False, retry=ymarket.RetryPolicy(max_retries=6, jitter=False)
        )
        result = client.delete_campaign_offers(1001, [f"sku-{i}" for i in range(6000)])
        assert server.refused >= 1  # a quota shared with another program looks like this
        assert server.accepted_items == 6000
        assert result.requested == 6000

    def test_quotas_are_per_campaign(self, make_client: ClientFactory, fake_time: FakeTime) -> None:
        client, _ = make_client()
        client.delete_campaign_offers(1001, [f"a{i}" for i in range(500)] * 1)
        limiter = client.rate_limiter
        assert limiter is not None
        assert limiter.bucket("deleteCampaignOffers", 1001) is not limiter.bucket(
            "deleteCampaignOffers", 2002
        )
        bucket = limiter.bucket("deleteCampaignOffers", 1001)
        assert bucket is not None and bucket.used == 500

    def test_a_shared_limiter_paces_two_clients_together(
        self, make_client: ClientFactory, fake_time: FakeTime
    ) -> None:
        server = QuotaServer(fake_time)
        limiter = ymarket.RateLimiter(clock=fake_time.clock)
        first, _ = make_client(server, rate_limit=limiter)
        second, _ = make_client(server, rate_limit=limiter)
        first.delete_campaign_offers(1001, [f"a{i}" for i in range(4000)])
        second.delete_campaign_offers(1001, [f"b{i}" for i in range(4000)])
        assert server.refused == 0

    def test_threads_share_the_pacing(
        self, make_client: ClientFactory, fake_time: FakeTime
    ) -> None:
        server = QuotaServer(fake_time)
        client, _ = make_client(server)
        errors: list[BaseException] = []

        def job(n: int) -> None:
            try:
                client.delete_campaign_offers(1001, [f"t{n}-{i}" for i in range(2500)])
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=job, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert server.refused == 0
        assert server.accepted_items == 10_000

    def test_async_tasks_respect_max_parallel(
        self, make_async_client: AsyncClientFactory, fake_time: FakeTime
    ) -> None:
        limits = operation("updateOrderItems").rate_limit
        assert limits is not None
        max_parallel = limits.tier().max_parallel
        assert max_parallel is not None
        inside = 0
        most = 0

        async def handler(request: httpx.Request) -> httpx.Response:
            nonlocal inside, most
            inside += 1
            most = max(most, inside)
            for _ in range(5):
                await asyncio.sleep(0)
            inside -= 1
            return httpx.Response(200)

        client = ymarket.AsyncClient(
            api_key="k",
            transport=httpx.MockTransport(handler),
            clock=fake_time.clock,
            sleep=fake_time.async_sleep,
        )

        async def main() -> None:
            await asyncio.gather(
                *(client.update_order_items(1001, n, [{"id": 1, "count": 1}]) for n in range(20))
            )

        run(main())
        campaign = campaign_limits()
        assert campaign is not None
        assert most == min(max_parallel, campaign.max_parallel)

    def test_async_pacing_of_a_bulk_job(
        self, make_async_client: AsyncClientFactory, fake_time: FakeTime
    ) -> None:
        server = QuotaServer(fake_time)
        client, _ = make_async_client(server)
        run(client.delete_campaign_offers(1001, [f"s{i}" for i in range(12_000)]))
        assert server.refused == 0
        assert server.accepted_items == 12_000


OPERATIONS = (
    "deleteOutletLicenses",
    "updateOutletLicenses",
    "deleteCampaignOffers",
    "updateOrderItems",
)


def campaign_cap() -> int:
    limits = campaign_limits()
    assert limits is not None
    return limits.max_parallel


class TestCampaignCap:
    """The spec's campaign-wide in-flight cap holds across the operations of one limiter."""

    def test_threads_mixing_operations_on_one_campaign(self, fake_time: FakeTime) -> None:
        limiter = ymarket.RateLimiter(clock=fake_time.clock)
        enter = holding(lambda n: limiter.bucket(OPERATIONS[n % 4], 1001), fake_time.sleep)
        assert most_inside_threads(enter, workers=16, full_at=campaign_cap()) == campaign_cap()

    def test_tasks_mixing_operations_on_one_campaign(self, fake_time: FakeTime) -> None:
        limiter = ymarket.RateLimiter(clock=fake_time.clock)
        bucket_of = lambda n: limiter.bucket(OPERATIONS[n % 4], 1001)  # noqa: E731
        enter = holding_async(bucket_of, fake_time.async_sleep)
        assert most_inside_tasks(enter, workers=16) == campaign_cap()

    def test_other_campaigns_have_their_own_cap(self, fake_time: FakeTime) -> None:
        limiter = ymarket.RateLimiter(clock=fake_time.clock)
        held = []
        for _ in range(campaign_cap()):
            bucket = limiter.bucket("updateOrderItems", 1001)
            assert isinstance(bucket, LocalQuotaBucket)
            assert bucket.try_enter()
            held.append(bucket)
        full = limiter.bucket("deleteCampaignOffers", 1001)
        other = limiter.bucket("deleteCampaignOffers", 2002)
        assert isinstance(full, LocalQuotaBucket) and isinstance(other, LocalQuotaBucket)
        assert not full.try_enter()
        assert other.try_enter()
        held[0].leave()
        assert full.try_enter()


class TestQuotaHeaders:
    HEADERS = {  # noqa: RUF012 - read only
        "X-RateLimit-Resource-Limit": "5000",
        "X-RateLimit-Resource-Remaining": "4500",
        "X-RateLimit-Resource-Until": "Mon, 23 Nov 2026 05:00:30 GMT",
        "Date": "Mon, 23 Nov 2026 05:00:12 GMT",
    }

    def test_observe_records_the_last_answer_per_operation_and_campaign(
        self, fake_time: FakeTime
    ) -> None:
        limiter = ymarket.RateLimiter(clock=fake_time.clock)
        assert limiter.quota("deleteCampaignOffers", 1001) is None
        bucket = limiter.bucket("deleteCampaignOffers", 1001)
        assert bucket is not None
        bucket.observe(httpx.Headers(self.HEADERS))
        bucket.observe({"Content-Type": "application/json"})  # says nothing: kept
        seen = limiter.quota("deleteCampaignOffers", 1001)
        assert seen == ymarket.Quota(
            limit=5000, remaining=4500, until=datetime(2026, 11, 23, 5, 0, 30, tzinfo=UTC)
        )
        assert limiter.quota("deleteCampaignOffers", 2002) is None
        assert limiter.quota("updateOrderItems", 1001) is None

    def test_the_wait_after_a_420_is_measured_on_the_servers_clock(self) -> None:
        assert wait_after_refusal(self.HEADERS) == 18.0
        assert wait_after_refusal({"date": self.HEADERS["Date"]}) is None
        assert wait_after_refusal({"X-RateLimit-Resource-Until": "soon"}) is None

    def test_seconds_until_an_rfc_822_date(self) -> None:
        now = datetime(2026, 11, 23, 5, 0, 0, tzinfo=UTC)
        assert seconds_until("Mon, 23 Nov 2026 05:00:30 GMT", now=now) == 30.0
        assert seconds_until("Mon, 23 Nov 2026 04:59:00 GMT", now=now) == 0.0
        assert seconds_until("Mon, 23 Nov 2026 08:00:30 +0300", now=now) == 30.0
        assert seconds_until("not a date", now=now) is None
