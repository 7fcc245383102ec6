"""The Redis-backed limiter against a real server: window, leases, caps, pauses, store failures.

Quota windows are shortened (``ScaledRedisRateLimiter``); waits are real but short.
Two limiter instances stand for two processes: they share nothing but the server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
import redis
import ymarket
from redis.crc import key_slot
from ymarket._ratelimit import Spend
from ymarket._redis_pacing import RedisRateLimiter
from ymarket.simulator import Simulator
from ymarket.spec import campaign_limits

from tests.pacing._concurrency import (
    holding,
    holding_async,
    most_inside_tasks,
    most_inside_threads,
)
from tests.pacing._redis import (
    RedisServer,
    assert_granted_when_a_lease_ran_out,
    free_port,
    server_seconds,
)
from tests.pacing._scaled import ScaledRedisRateLimiter
from tests.soak._sim import API_KEY, CAMPAIGN, bench_dataset, sku

OFFERS = "deleteCampaignOffers"
ORDERS = "updateOrderItems"
OPERATIONS = ("deleteOutletLicenses", "updateOutletLicenses", OFFERS, ORDERS)


def campaign_cap() -> int:
    limits = campaign_limits()
    assert limits is not None
    return limits.max_parallel


def short(server: RedisServer, prefix: str) -> ScaledRedisRateLimiter:
    """deleteCampaignOffers: 10 units per second (the spec's minute scaled by 60)."""
    return ScaledRedisRateLimiter(server.url, scale=60, limit=10, prefix=prefix)


class TestWindow:
    def test_spends_until_the_limit_then_waits_for_the_window(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        first, second = short(redis_server, prefix), short(redis_server, prefix)
        one, two = first.bucket(OFFERS, 1001), second.bucket(OFFERS, 1001)
        assert one is not None and two is not None
        assert one.reserve(6) == 0
        assert two.reserve(4) == 0
        wait = one.reserve(1)
        assert 0 < wait <= one.period + one.margin
        assert two.used == 10
        time.sleep(wait)
        assert two.reserve(1) == 0

    def test_the_wait_is_for_the_spend_that_frees_enough(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        limiter = short(redis_server, prefix)
        bucket = limiter.bucket(OFFERS, 1001)
        assert bucket is not None
        assert bucket.reserve(5) == 0
        time.sleep(0.4)
        assert bucket.reserve(5) == 0
        # 6 units need both spends gone: the later one leaves ~0.6 s after the first.
        assert bucket.reserve(6) > bucket.reserve(1) + 0.3

    def test_quotas_are_per_operation_and_campaign(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        limiter = short(redis_server, prefix)
        for operation_id, campaign in ((OFFERS, 1001), (OFFERS, 2002), (ORDERS, 1001)):
            bucket = limiter.bucket(operation_id, campaign)
            assert bucket is not None
            assert bucket.reserve(10) == 0
            assert bucket.reserve(1) > 0

    def test_a_spend_in_flight_holds_the_window_until_answered(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        first, second = short(redis_server, prefix), short(redis_server, prefix)
        holder, other = first.bucket(OFFERS, 1001), second.bucket(OFFERS, 1001)
        assert holder is not None and other is not None
        spend = holder.acquire(10, time.sleep)
        time.sleep(holder.period * 1.5)  # in flight longer than the window
        assert other.used == 10
        assert other.reserve(1) > 0
        holder.leave(spend)  # answered now: it leaves one period from now
        assert not spend.in_flight
        assert other.used == 10
        time.sleep(holder.period + holder.margin)
        assert other.used == 0

    def test_a_window_lost_by_eviction_resets_its_count(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        limiter = RedisRateLimiter(redis_server.url, prefix=prefix)
        bucket = limiter.bucket(OFFERS, 1001)
        assert bucket is not None
        assert bucket.reserve(bucket.limit) == 0
        assert bucket.reserve(1) > 0
        redis.Redis.from_url(redis_server.url).delete(f"{{{prefix}:campaign:1001}}:{OFFERS}:window")
        assert bucket.used == 0
        assert bucket.reserve(bucket.limit) == 0


class TestSlots:
    def test_the_campaign_cap_across_processes_threads_and_operations(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        limiters = [RedisRateLimiter(redis_server.url, prefix=prefix) for _ in range(2)]
        enter = holding(lambda n: limiters[n % 2].bucket(OPERATIONS[n % 4], 1001), time.sleep)
        assert most_inside_threads(enter, workers=16, full_at=campaign_cap()) == campaign_cap()

    def test_the_campaign_cap_between_asyncio_tasks(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        limiters = [RedisRateLimiter(redis_server.url, prefix=prefix) for _ in range(2)]
        bucket_of = lambda n: limiters[n % 2].bucket(OPERATIONS[n % 4], 1001)  # noqa: E731
        enter = holding_async(bucket_of, asyncio.sleep)

        async def close() -> None:
            for limiter in limiters:
                await limiter.aclose()

        assert most_inside_tasks(enter, workers=16, before_end=close) == campaign_cap()

    def test_an_operations_own_max_parallel(self, redis_server: RedisServer, prefix: str) -> None:
        limiter = ScaledRedisRateLimiter(redis_server.url, scale=1, max_parallel=2, prefix=prefix)
        bucket = limiter.bucket(OFFERS, 1001)
        assert bucket is not None and bucket.max_parallel == 2 < campaign_cap()
        held = [bucket.acquire(1, time.sleep) for _ in range(2)]
        other = limiter.bucket(ORDERS, 1001)
        assert other is not None
        sleeps: list[float] = []

        def refuse_to_wait(seconds: float) -> None:
            sleeps.append(seconds)
            raise TimeoutError

        with pytest.raises(TimeoutError):
            bucket.acquire(1, refuse_to_wait)
        other.leave(other.acquire(1, refuse_to_wait))  # the campaign still has room
        bucket.leave(held[0])
        bucket.leave(bucket.acquire(1, refuse_to_wait))
        assert sleeps == [pytest.approx(limiter.poll_seconds)]

    def test_a_dead_holder_frees_its_slots_when_its_lease_runs_out(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        lease = 0.5
        dead = RedisRateLimiter(redis_server.url, prefix=prefix, lease_seconds=lease)
        held = []
        for n in range(campaign_cap()):
            bucket = dead.bucket(OPERATIONS[n % len(OPERATIONS)], 1001)
            assert bucket is not None
            held.append(bucket.acquire(1, time.sleep))  # and never answered
        alive = RedisRateLimiter(redis_server.url, prefix=prefix)
        bucket = alive.bucket(ORDERS, 1001)
        assert bucket is not None
        asked = server_seconds(redis_server.url)
        spend = bucket.acquire(1, time.sleep)
        assert_granted_when_a_lease_ran_out([s.stamp for s in held], lease, asked, spend.stamp)

    def test_an_ask_interrupted_after_the_grant_gives_its_slots_back(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        limiter = RedisRateLimiter(redis_server.url, prefix=prefix)
        store = limiter.store()
        grant = store.acquire

        def granted_then_interrupted(**arguments: Any) -> Any:
            grant(**arguments)
            raise KeyboardInterrupt

        store.acquire = granted_then_interrupted
        bucket = limiter.bucket(ORDERS, 1001)
        assert bucket is not None
        for _ in range(campaign_cap()):
            with pytest.raises(KeyboardInterrupt):
                bucket.acquire(1, time.sleep)
        store.acquire = grant

        def refuse_to_wait(seconds: float) -> None:
            raise AssertionError(f"asked to wait {seconds} s: a slot was not given back")

        held = [bucket.acquire(1, refuse_to_wait) for _ in range(campaign_cap())]
        assert all(spend.in_flight for spend in held)


class TestSharedState:
    def test_a_pause_holds_every_worker_of_that_quota(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        first, second = short(redis_server, prefix), short(redis_server, prefix)
        refused, other = first.bucket(OFFERS, 1001), second.bucket(OFFERS, 1001)
        elsewhere = second.bucket(OFFERS, 2002)
        assert refused is not None and other is not None and elsewhere is not None
        refused.pause(30)
        assert 29 < other.reserve(1) <= 30
        assert elsewhere.reserve(1) == 0

    def test_quota_headers_seen_by_one_worker_are_read_by_all(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        first, second = short(redis_server, prefix), short(redis_server, prefix)
        bucket = first.bucket(OFFERS, 1001)
        assert bucket is not None
        assert second.quota(OFFERS, 1001) is None
        bucket.observe(
            {
                "X-RateLimit-Resource-Limit": "5000",
                "X-RateLimit-Resource-Remaining": "0",
                "X-RateLimit-Resource-Until": "Mon, 23 Nov 2026 05:00:30 GMT",
            }
        )
        seen = second.quota(OFFERS, 1001)
        assert seen is not None
        assert (seen.limit, seen.remaining) == (5000, 0)
        assert seen.until is not None and seen.until.isoformat() == "2026-11-23T05:00:30+00:00"

    def test_one_campaigns_keys_share_a_cluster_slot(
        self, redis_server: RedisServer, prefix: str
    ) -> None:
        limiter = RedisRateLimiter(redis_server.url, prefix=prefix)
        for operation_id in OPERATIONS:
            bucket = limiter.bucket(operation_id, 1001)
            assert bucket is not None
            bucket.leave(bucket.acquire(1, time.sleep))
            bucket.pause(0.001)
        raw = redis.Redis.from_url(redis_server.url).keys(f"{{{prefix}:*")
        keys = [key if isinstance(key, bytes) else str(key).encode() for key in raw]
        assert len(keys) >= 2 * len(OPERATIONS)  # a window and a state each
        assert all(key.startswith(f"{{{prefix}:campaign:1001}}:".encode()) for key in keys)
        assert len({key_slot(key) for key in keys}) == 1


class TestStore:
    def test_unreachable_at_start_is_a_clear_error(self) -> None:
        url = f"redis://user:secret@127.0.0.1:{free_port()}/0"
        with pytest.raises(ymarket.PacingStoreError, match="does not answer") as caught:
            ymarket.RateLimiter.from_url(url)
        assert "secret" not in str(caught.value)

    def test_from_env_reads_the_url(
        self, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("YANDEX_MARKET_RATE_LIMIT_URL", redis_server.url)
        assert isinstance(ymarket.RateLimiter.from_env("extended"), RedisRateLimiter)
        monkeypatch.delenv("YANDEX_MARKET_RATE_LIMIT_URL")
        local = ymarket.RateLimiter.from_env("extended")
        assert type(local) is ymarket.RateLimiter and local.tier == "extended"

    @pytest.mark.parametrize("kind", ["sync", "async"])
    def test_lost_mid_job_the_callers_wait_for_it(
        self,
        kind: str,
        tmp_path_factory: pytest.TempPathFactory,
        prefix: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        server = RedisServer(tmp_path_factory.mktemp("lost"))
        limiter = RedisRateLimiter(server.url, prefix=prefix)
        bucket = limiter.bucket(OFFERS, 1001)
        assert bucket is not None
        bucket.leave(bucket.acquire(1, time.sleep))
        server.stop()
        sleeps: list[float] = []
        restarted: list[RedisServer] = []

        class Held(Exception):
            """Ends the test's wait: the caller asked to sleep after the store came back."""

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if len(sleeps) == 3:  # the store comes back on the same port
                restarted.append(RedisServer(tmp_path_factory.mktemp("back"), port=server.port))
            elif len(sleeps) > 3:
                raise Held

        async def sleep_async(seconds: float) -> None:
            sleep(seconds)

        async def acquire_async() -> Spend:
            assert bucket is not None
            try:
                return await bucket.acquire_async(1, sleep_async)
            finally:
                await limiter.aclose()

        try:
            with caplog.at_level(logging.WARNING, logger="ymarket.pacing"), pytest.raises(Held):
                bucket.acquire(1, sleep) if kind == "sync" else asyncio.run(acquire_async())
        finally:
            for again in restarted:
                again.stop()
        backoff, held = sleeps[:3], sleeps[3]
        assert backoff == sorted(backoff)  # backing off, never sent unpaced
        # Back, but maybe empty: the quota is held a whole period before anything is spent.
        assert held == pytest.approx(bucket.period, rel=0.05)
        messages = [record.getMessage() for record in caplog.records]
        assert any("unreachable" in m and "nothing is sent unpaced" in m for m in messages)
        assert any("answers again" in m for m in messages)


class TestClients:
    """The clients pace through the shared limiter with the costs the spec counts."""

    def test_client_and_async_client(self, redis_server: RedisServer, prefix: str) -> None:
        simulator = Simulator(bench_dataset(3000))
        limiter = RedisRateLimiter(redis_server.url, prefix=prefix)
        with ymarket.Client(
            api_key=API_KEY,
            base_url="http://127.0.0.1",
            transport=simulator.sync_transport(),
            rate_limit=limiter,
        ) as client:
            first = client.delete_campaign_offers(CAMPAIGN, [sku(n) for n in range(1500)])

        async def job() -> ymarket.DeleteOffersResult:
            async with ymarket.AsyncClient(
                api_key=API_KEY,
                base_url="http://127.0.0.1",
                transport=simulator.async_transport(),
                rate_limit=limiter,
            ) as client:
                result = await client.delete_campaign_offers(
                    CAMPAIGN, [sku(n) for n in range(1500, 3000)]
                )
            await limiter.aclose()
            return result

        second = asyncio.run(job())
        assert first.requested == second.requested == 1500
        bucket = limiter.bucket(OFFERS, CAMPAIGN)
        assert bucket is not None
        assert bucket.used == 3000  # both jobs' SKUs, in one window on the server
        assert not any(r.status == 420 for r in simulator.requests)


class TestCluster:
    def test_on_a_redis_cluster(
        self, tmp_path_factory: pytest.TempPathFactory, prefix: str
    ) -> None:
        server = RedisServer(tmp_path_factory.mktemp("cluster"), cluster=True)
        try:
            limiters = [
                ymarket.RateLimiter.from_url(server.url, prefix=prefix, cluster=True)
                for _ in range(2)
            ]
            enter = holding(lambda n: limiters[n % 2].bucket(OPERATIONS[n % 4], 1001), time.sleep)
            assert most_inside_threads(enter, workers=8, full_at=campaign_cap()) == campaign_cap()
            bucket_of = lambda n: limiters[n % 2].bucket(OPERATIONS[n % 4], 1001)  # noqa: E731

            async def close() -> None:
                for limiter in limiters:
                    assert isinstance(limiter, RedisRateLimiter)
                    await limiter.aclose()

            enter_async = holding_async(bucket_of, asyncio.sleep)
            assert most_inside_tasks(enter_async, workers=8, before_end=close) == campaign_cap()
            one, two = limiters[0].bucket(OFFERS, 1001), limiters[1].bucket(OFFERS, 1001)
            assert one is not None and two is not None
            assert 0 < one.used < one.limit  # the holders above of this operation spent 1 each
            assert one.reserve(one.limit - two.used) == 0
            assert two.reserve(1) > 0
        finally:
            server.stop()
