"""Pacing wired into the request path: quota headers read, the wait after a 420, the campaign cap.

The quota headers are the documented ``X-RateLimit-Resource-*``; a 420 without
``Retry-After`` waits until ``X-RateLimit-Resource-Until`` (measured from the
answer's ``Date``), and every caller of the quota waits with it.
"""

from __future__ import annotations

import asyncio
import email.utils
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import ymarket
from ymarket.simulator import DEMO_API_KEY, FakeClock, Simulator

from tests.client.support import ClientFactory, FakeTime, error_body, ok_handler, run

DBS = 1001
SERVER_NOW = datetime(2026, 7, 17, 12, 0, 0, tzinfo=UTC)


def refused_until(seconds: float, *, remaining: str = "0", times: int = 1) -> object:
    """A handler answering 420 ``times`` times with the quota spent until ``seconds`` later."""
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        if count > times:
            return ok_handler(request)
        headers = {
            "Date": email.utils.format_datetime(SERVER_NOW, usegmt=True),
            "X-RateLimit-Resource-Limit": "5000",
            "X-RateLimit-Resource-Remaining": remaining,
            "X-RateLimit-Resource-Until": email.utils.format_datetime(
                SERVER_NOW + timedelta(seconds=seconds), usegmt=True
            ),
        }
        return httpx.Response(420, json=error_body("LIMIT_EXCEEDED", "limit"), headers=headers)

    return handler


def test_a_420_waits_until_the_until_header(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    client, recorder = make_each_client(refused_until(37))
    client.delete_campaign_offers(DBS, ["SKU-1"])
    assert len(recorder.requests) == 2
    assert fake_time.sleeps == [37.0]  # not the 5 s backoff: the server's window end


def test_the_wait_after_a_420_holds_every_caller_of_the_quota(
    make_each_client: ClientFactory, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = ymarket.RateLimiter(clock=fake_time.clock)
    bucket = limiter.bucket("deleteCampaignOffers", DBS)
    assert bucket is not None
    seen_by_others: list[float] = []
    sleep, async_sleep = fake_time.sleep, fake_time.async_sleep

    def looking_sleep(seconds: float) -> None:
        seen_by_others.append(bucket.reserve(1))  # another caller, during the wait
        sleep(seconds)

    async def looking_async_sleep(seconds: float) -> None:
        seen_by_others.append(bucket.reserve(1))
        await async_sleep(seconds)

    monkeypatch.setattr(fake_time, "sleep", looking_sleep)
    monkeypatch.setattr(fake_time, "async_sleep", looking_async_sleep)
    client, _ = make_each_client(refused_until(37), rate_limit=limiter)
    client.delete_campaign_offers(DBS, ["SKU-1"])
    assert seen_by_others == [37.0]  # paused for the whole wait


def test_an_until_beyond_max_retry_after_is_not_waited_for(
    make_each_client: ClientFactory,
) -> None:
    client, recorder = make_each_client(refused_until(3600))
    with pytest.raises(ymarket.RateLimitError) as caught:
        client.delete_campaign_offers(DBS, ["SKU-1"])
    assert len(recorder.requests) == 1
    assert caught.value.retry_after == 3600.0
    assert "max_retry_after" in (caught.value.retry_note or "")


def test_a_420_with_quota_remaining_backs_off_instead(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    # Refused for something else than the amount (too many in flight): the
    # window's end is not the time to come back.
    client, recorder = make_each_client(refused_until(3600, remaining="4000"))
    client.delete_campaign_offers(DBS, ["SKU-1"])
    assert len(recorder.requests) == 2
    assert len(fake_time.sleeps) == 1 and fake_time.sleeps[0] <= 5.0


def test_retry_after_wins_over_until() -> None:
    headers = {
        "Retry-After": "3",
        "Date": email.utils.format_datetime(SERVER_NOW, usegmt=True),
        "X-RateLimit-Resource-Remaining": "0",
        "X-RateLimit-Resource-Until": email.utils.format_datetime(
            SERVER_NOW + timedelta(seconds=50), usegmt=True
        ),
    }
    assert ymarket.RateLimitError(420, headers=headers).retry_after == 3.0
    del headers["Retry-After"]
    assert ymarket.RateLimitError(420, headers=headers).retry_after == 50.0


def test_the_quota_is_visible_after_a_call_against_the_simulator(
    make_each_client: ClientFactory,
) -> None:
    sim = Simulator(clock=FakeClock())
    transport = sim.sync_transport()
    client, _ = make_each_client(transport.handle_request, api_key=DEMO_API_KEY)
    assert client.quota("deleteCampaignOffers", DBS) is None
    client.delete_campaign_offers(DBS, ["SKU-00001", "SKU-00002", "NO-SUCH-SKU"])
    quota = client.quota("deleteCampaignOffers", DBS)
    limits = ymarket.spec.operation("deleteCampaignOffers").rate_limit
    assert limits is not None and quota is not None
    assert quota.limit == limits.tier().limit
    assert quota.remaining == limits.tier().limit - 3  # counted in SKUs
    assert quota.until is not None and quota.until > datetime.now(UTC)
    assert client.quota("updateOrderItems", DBS) is None  # another quota: nothing said yet
    transport.close()


def test_no_quota_without_pacing(make_each_client: ClientFactory) -> None:
    client, _ = make_each_client(rate_limit=False)
    client.delete_campaign_offers(DBS, ["SKU-1"])
    assert client.quota("deleteCampaignOffers", DBS) is None


# The campaign-wide cap: at most 4 requests in flight per campaign across all
# operations. The simulator (real clock, injected latency so requests overlap)
# answers 420 beyond it; a client that holds the cap is never refused.
LATENCY = 0.05
CALLS_PER_WORKER = 3
WORKERS = 10


def _mixed_call(client: ymarket.Client, worker: int) -> None:
    if worker % 2:
        client.update_order_items(DBS, 70004, [{"id": 1, "count": 4}])
    else:
        client.delete_campaign_offers(DBS, [f"NO-SUCH-{worker}"])


def _cap() -> int:
    limits = ymarket.spec.campaign_limits()
    assert limits is not None
    return limits.max_parallel


def test_the_campaign_cap_holds_under_threads() -> None:
    sim = Simulator()
    sim.faults.configure(latency_seconds=LATENCY)
    errors: list[BaseException] = []
    with ymarket.Client(api_key=DEMO_API_KEY, transport=sim.sync_transport()) as client:

        def work(worker: int) -> None:
            try:
                for _ in range(CALLS_PER_WORKER):
                    _mixed_call(client, worker)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    statuses = [r.status for r in sim.requests]
    assert len(statuses) == WORKERS * CALLS_PER_WORKER
    assert set(statuses) == {200}, f"{statuses.count(420)} refused over {_cap()} in flight"


def test_the_campaign_cap_holds_under_tasks() -> None:
    sim = Simulator()
    sim.faults.configure(latency_seconds=LATENCY)

    async def worker(client: ymarket.AsyncClient, number: int) -> None:
        for _ in range(CALLS_PER_WORKER):
            if number % 2:
                await client.update_order_items(DBS, 70004, [{"id": 1, "count": 4}])
            else:
                await client.delete_campaign_offers(DBS, [f"NO-SUCH-{number}"])

    async def main() -> None:
        async with ymarket.AsyncClient(
            api_key=DEMO_API_KEY, transport=sim.async_transport()
        ) as client:
            await asyncio.gather(*(worker(client, n) for n in range(WORKERS)))

    run(main())
    statuses = [r.status for r in sim.requests]
    assert len(statuses) == WORKERS * CALLS_PER_WORKER
    assert set(statuses) == {200}, f"{statuses.count(420)} refused over {_cap()} in flight"


def test_without_the_cap_the_simulator_refuses() -> None:
    # The check above can fail: the same load unpaced is refused beyond the cap.
    sim = Simulator()
    sim.faults.configure(latency_seconds=LATENCY)

    async def main() -> None:
        async with ymarket.AsyncClient(
            api_key=DEMO_API_KEY, transport=sim.async_transport(), rate_limit=False, max_retries=0
        ) as client:
            calls = [client.delete_campaign_offers(DBS, [f"NO-SUCH-{n}"]) for n in range(WORKERS)]
            await asyncio.gather(*calls, return_exceptions=True)

    run(main())
    assert 420 in [r.status for r in sim.requests]


@pytest.mark.parametrize("kind", ["Client", "AsyncClient"])
def test_a_420_of_a_simulator_on_a_fake_clock_is_waited_for_on_that_clock(kind: str) -> None:
    # Unpaced, the client meets the simulator's quota; its Until is a date of the
    # simulated time, long after the fake clock moved away from the real one.
    clock = FakeClock()
    sim = Simulator(clock=clock)
    clock.advance(10_000)  # simulated time far ahead of the wall clock it started from
    skus = [f"SKU-{n:05d}" for n in range(1, 6_001)]
    common: dict[str, Any] = {"api_key": DEMO_API_KEY, "rate_limit": False, "clock": clock}
    if kind == "Client":
        with ymarket.Client(transport=sim.sync_transport(), sleep=clock.advance, **common) as c:
            result = c.delete_campaign_offers(DBS, skus)
    else:

        async def sleep(seconds: float) -> None:
            clock.advance(seconds)

        async def main() -> ymarket.DeleteOffersResult:
            async with ymarket.AsyncClient(
                transport=sim.async_transport(), sleep=sleep, **common
            ) as client:
                return await client.delete_campaign_offers(DBS, skus)

        result = run(main())
    assert result.requested == 6_000
    assert 420 in [r.status for r in sim.requests]
    assert 10_000 + 55 <= clock() <= 10_000 + 61  # one window's wait, simulated
