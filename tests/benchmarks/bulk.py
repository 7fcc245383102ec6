"""2. Bulk against the quota: 100,000 SKUs through Client and AsyncClient on the simulator.

Limits off (the simulator's clock jumps a window per reading; client pacing off):
items per second vs a raw httpx loop sending the same 500-SKU requests, in-process
(the simulator's httpx transports) and on loopback (the simulator served by uvicorn in
another process). Quota on: client and simulator on one clock running ``SCALE`` times
faster than real time, so a 60 s window lasts a fraction of a second: the share of the
quota used and the 420s the simulator answered; then two clients with separate pacing
competing for the same quota, and two sharing one RateLimiter.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import ymarket
from ymarket.simulator import Simulator
from ymarket.spec import operation

from tests.benchmarks._common import (
    JumpClock,
    ScaledClock,
    Section,
    free_port,
    serve_subprocess,
    simulator_command,
    verdict,
)
from tests.soak._sim import API_KEY, CAMPAIGN, bench_dataset, in_warehouse, sku

PATH = f"/v2/campaigns/{CAMPAIGN}/offers/delete"
# The in-process transports answer any host; a loopback one needs no allow_insecure_http.
BASE_URL = "http://127.0.0.1"
SCALE = 100.0
QUOTA_SHARE_TARGET = 0.97


def chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """``items`` in requests of ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def _check_outcome(simulator: Simulator, skus: list[str], not_deleted: list[str]) -> int:
    """How many SKUs are lost: neither deleted nor reported as not deleted (or both)."""
    reported = set(not_deleted)
    lost = 0
    for name in skus:
        still_there = (CAMPAIGN, name) in simulator.state.offers
        if still_there != (name in reported):
            lost += 1
    return lost + len(not_deleted) - len(reported)  # a SKU reported twice counts too


# -- limits off -----------------------------------------------------------------


def _sync_runs(transport: Callable[[], httpx.BaseTransport], base: str, skus: list[str]) -> Any:
    def ours() -> int:
        with ymarket.Client(
            api_key=API_KEY, base_url=base, transport=transport(), rate_limit=False
        ) as client:
            return len(client.delete_campaign_offers(CAMPAIGN, skus).not_deleted_offer_ids)

    def raw() -> int:
        kept = 0
        with httpx.Client(
            base_url=base, headers={"Api-Key": API_KEY}, transport=transport(), timeout=30
        ) as client:
            for chunk in chunks(skus):
                response = client.post(PATH, json={"offerIds": chunk})
                response.raise_for_status()
                kept += len(response.json().get("result", {}).get("notDeletedOfferIds", []))
        return kept

    return ours, raw


def _async_runs(
    transport: Callable[[], httpx.AsyncBaseTransport], base: str, skus: list[str]
) -> Any:
    async def ours() -> int:
        async with ymarket.AsyncClient(
            api_key=API_KEY, base_url=base, transport=transport(), rate_limit=False
        ) as client:
            result = await client.delete_campaign_offers(CAMPAIGN, skus)
            return len(result.not_deleted_offer_ids)

    async def raw() -> int:
        kept = 0
        async with httpx.AsyncClient(
            base_url=base, headers={"Api-Key": API_KEY}, transport=transport(), timeout=30
        ) as client:
            for chunk in chunks(skus):
                response = await client.post(PATH, json={"offerIds": chunk})
                response.raise_for_status()
                kept += len(response.json().get("result", {}).get("notDeletedOfferIds", []))
        return kept

    return (lambda: asyncio.run(ours())), (lambda: asyncio.run(raw()))


def _throughput(
    section: Section,
    where: str,
    runs: dict[str, tuple[Callable[[], int], Callable[[], int]]],
    reset: Callable[[], None],
    count: int,
    rounds: int,
) -> None:
    expected_kept = sum(1 for n in range(count) if in_warehouse(n))
    for kind, (ours, raw) in runs.items():
        for fn in (ours, raw):  # warm up: imports, compiled validators, connections
            reset()
            fn()
        samples: dict[str, list[float]] = {"ours": [], "raw": []}
        for _ in range(rounds):
            for name, fn in (("ours", ours), ("raw", raw)):
                reset()
                started = time.perf_counter()
                kept = fn()
                samples[name].append(count / (time.perf_counter() - started))
                if kept != expected_kept:
                    raise AssertionError(f"{kind} {name}: {kept} kept, expected {expected_kept}")
        ours_rate = statistics.median(samples["ours"])
        raw_rate = statistics.median(samples["raw"])
        section.add(
            f"limits off, {where}: {'ymarket.' + kind} vs raw httpx loop",
            f"{ours_rate:,.0f} SKUs/s",
            f"raw: {raw_rate:,.0f} SKUs/s ({ours_rate / raw_rate:.0%} of raw)",
        )


def limits_off(section: Section, count: int, rounds: int) -> None:
    """Items per second with limits off, in-process and on loopback."""
    skus = [sku(n) for n in range(count)]
    simulator = Simulator(bench_dataset(count), clock=JumpClock())
    _throughput(
        section,
        "in-process",
        {
            "Client": _sync_runs(simulator.sync_transport, BASE_URL, skus),
            "AsyncClient": _async_runs(simulator.async_transport, BASE_URL, skus),
        },
        simulator.reset,
        count,
        rounds,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve_subprocess(*simulator_command(port, count), port=port):

        def reset() -> None:
            httpx.post(f"{base}/__simulator__/reset", timeout=120).raise_for_status()

        _throughput(
            section,
            "loopback",
            {
                "Client": _sync_runs(httpx.HTTPTransport, base, skus),
                "AsyncClient": _async_runs(httpx.AsyncHTTPTransport, base, skus),
            },
            reset,
            count,
            rounds,
        )


# -- quota on -----------------------------------------------------------------


class _Timed(httpx.BaseTransport):
    """Records the clock's reading as each request leaves."""

    def __init__(self, inner: httpx.BaseTransport, clock: ScaledClock, log: list[float]) -> None:
        self._inner, self._clock, self._log = inner, clock, log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._log.append(self._clock())
        return self._inner.handle_request(request)


class _TimedAsync(httpx.AsyncBaseTransport):
    def __init__(
        self, inner: httpx.AsyncBaseTransport, clock: ScaledClock, log: list[float]
    ) -> None:
        self._inner, self._clock, self._log = inner, clock, log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._log.append(self._clock())
        return await self._inner.handle_async_request(request)


def _share(count: int, sent_at: list[float]) -> float:
    """Share of the quota used: the best possible span of the job over the measured one.

    With ``limit`` SKUs per ``period``, the last of ``count`` SKUs can leave at best
    ``(ceil(count / limit) - 1) * period`` after the first.
    """
    tier = operation("deleteCampaignOffers").rate_limit
    assert tier is not None
    base = tier.tier()
    best = (math.ceil(count / base.limit) - 1) * base.period_seconds
    return best / (max(sent_at) - min(sent_at))


def _statuses(simulator: Simulator) -> dict[int | None, int]:
    counts: dict[int | None, int] = {}
    for record in simulator.requests:
        counts[record.status] = counts.get(record.status, 0) + 1
    return counts


def _single(kind: str, count: int) -> tuple[float, int, int, int, float]:
    """One client alone: (share, 420s, requests, SKUs lost, real seconds)."""
    skus = [sku(n) for n in range(count)]
    clock = ScaledClock(SCALE)
    simulator = Simulator(bench_dataset(count), clock=clock)
    sent_at: list[float] = []
    started = time.perf_counter()
    if kind == "Client":
        with ymarket.Client(
            api_key=API_KEY,
            base_url=BASE_URL,
            transport=_Timed(simulator.sync_transport(), clock, sent_at),
            clock=clock,
            sleep=clock.sleep_sync,
        ) as client:
            result = client.delete_campaign_offers(CAMPAIGN, skus)
    else:

        async def job() -> ymarket.DeleteOffersResult:
            async with ymarket.AsyncClient(
                api_key=API_KEY,
                base_url=BASE_URL,
                transport=_TimedAsync(simulator.async_transport(), clock, sent_at),
                clock=clock,
                sleep=clock.sleep,
            ) as client:
                return await client.delete_campaign_offers(CAMPAIGN, skus)

        result = asyncio.run(job())
    real = time.perf_counter() - started
    lost = _check_outcome(simulator, skus, list(result.not_deleted_offer_ids))
    return _share(count, sent_at), _statuses(simulator).get(420, 0), len(sent_at), lost, real


def _competing(sharing: bool, count: int) -> tuple[int, int, int, int, float]:
    """Two clients, half the SKUs each, at once: (lost, 420s, retries, resumes, seconds).

    A client whose retries run out raises with ``progress``; it is resumed with
    ``progress.not_done``, as the README tells users to (at most 100 times).
    """
    skus = [sku(n) for n in range(count)]
    clock = ScaledClock(SCALE)
    simulator = Simulator(bench_dataset(count), clock=clock)
    halves = [skus[: count // 2], skus[count // 2 :]]
    not_deleted: list[str] = []
    counters = {"retries": 0, "resumes": 0, "unfinished": 0}
    limiter = ymarket.RateLimiter(clock=clock) if sharing else None

    def work(index: int) -> None:
        pending = halves[index]
        with ymarket.Client(
            api_key=API_KEY,
            base_url=BASE_URL,
            transport=simulator.sync_transport(),
            rate_limit=limiter if limiter is not None else True,
            clock=clock,
            sleep=clock.sleep_sync,
        ) as client:
            for _ in range(100):
                try:
                    result = client.delete_campaign_offers(CAMPAIGN, pending)
                except ymarket.YMarketError as error:
                    progress = error.progress
                    chunks = progress.chunks
                    pending = list(progress.not_done)
                    counters["resumes"] += 1
                else:
                    chunks, pending = result.chunks, []
                not_deleted.extend(s for chunk in chunks for s in chunk.not_deleted)
                counters["retries"] += sum(chunk.attempts - 1 for chunk in chunks)
                if not pending:
                    return
        counters["unfinished"] += len(pending)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    real = time.perf_counter() - started
    lost = _check_outcome(simulator, skus, not_deleted)
    return lost, _statuses(simulator).get(420, 0), counters["retries"], counters["resumes"], real


def quota_on(section: Section, count: int) -> None:
    """Share of the quota used and 420s, one client at a time, then two at once."""
    tier = operation("deleteCampaignOffers").rate_limit
    assert tier is not None
    base = tier.tier()
    quota = f"{base.limit} SKUs per {base.period_seconds:g} s"
    for kind in ("Client", "AsyncClient"):
        share, refused, requests, lost, real = _single(kind, count)
        section.add(
            f"quota on ({quota}), ymarket.{kind}: share of the quota used",
            f"{share:.1%}",
            f"target >= {QUOTA_SHARE_TARGET:.0%}",
            verdict(share >= QUOTA_SHARE_TARGET),
        )
        section.add(
            f"quota on, ymarket.{kind}: 420 answers",
            str(refused),
            f"target 0; {requests} requests, {lost} SKUs lost, {real:.1f} s real",
            verdict(refused == 0 and lost == 0),
        )
    for sharing in (False, True):
        lost, refused, retried, resumes, real = _competing(sharing, count)
        how = "one shared RateLimiter" if sharing else "separate pacing"
        section.add(
            f"two clients competing for one quota ({how}): SKUs lost",
            str(lost),
            f"target 0; {refused} answers 420, {retried} retries, {resumes} resumes from "
            f"error.progress after retries ran out, {real:.1f} s real",
            verdict(lost == 0),
        )


def run(section: Section, *, quick: bool = False) -> None:
    """Measure and add the rows of section 2."""
    count = 20_000 if quick else 100_000
    limits_off(section, count, rounds=1 if quick else 3)
    quota_on(section, count)
    section.note(
        f"{count:,} SKUs per job in requests of 500. Limits off: medians of "
        f"{1 if quick else 3} interleaved runs, each on a freshly reset simulator. "
        f"Quota on: the simulator and the client share a clock running {SCALE:g}x real time; "
        "share = best possible span of the job under the quota / measured span (first to "
        "last request). The client keeps a margin of 1% of the window (0.6 s); at 100x, "
        "a thread held back by the GIL's 5 ms switch interval is 0.5 s late, so two "
        "threads sharing a limiter can still meet an occasional 420 that real time "
        "would not show (it is retried)."
    )


if __name__ == "__main__":
    run(Section(2, "Bulk against the quota", "python -m tests.benchmarks --only 2"), quick=True)
