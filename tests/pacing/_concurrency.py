"""How many holders are inside at once, counted under threads and under asyncio tasks."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

from ymarket._ratelimit import QuotaBucket

Release = Callable[[], None]


def most_inside_threads(enter: Callable[[int], Release], *, workers: int, full_at: int) -> int:
    """Thread ``n`` calls ``enter(n)`` (returns once inside, with what lets it out), stays
    until ``full_at`` are inside at once (or 5 s), then leaves: the most seen inside."""
    inside = 0
    most = 0
    lock = threading.Lock()
    full = threading.Event()

    def work(n: int) -> None:
        nonlocal inside, most
        release = enter(n)
        with lock:
            inside += 1
            most = max(most, inside)
            if inside == full_at:
                full.set()
        full.wait(timeout=5)
        time.sleep(0.01)  # others may try to come in meanwhile
        with lock:
            inside -= 1
        release()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert full.is_set()
    return most


def most_inside_tasks(
    enter: Callable[[int], Awaitable[Release]],
    *,
    workers: int,
    before_end: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Like :func:`most_inside_threads` with asyncio tasks; ``before_end`` runs in the loop last."""
    inside = 0
    most = 0

    async def work(n: int) -> None:
        nonlocal inside, most
        release = await enter(n)
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1
        release()

    async def main() -> None:
        await asyncio.gather(*(work(n) for n in range(workers)))
        if before_end is not None:
            await before_end()

    asyncio.run(main())
    return most


def holding(
    bucket_of: Callable[[int], QuotaBucket | None], sleep: Callable[[float], None]
) -> Callable[[int], Release]:
    """An ``enter`` that acquires one unit of ``bucket_of(n)``; its release leaves."""

    def enter(n: int) -> Release:
        bucket = bucket_of(n)
        assert bucket is not None
        spend = bucket.acquire(1, sleep)
        return lambda: bucket.leave(spend)

    return enter


def holding_async(
    bucket_of: Callable[[int], QuotaBucket | None], sleep: Callable[[float], Awaitable[None]]
) -> Callable[[int], Awaitable[Release]]:
    """Like :func:`holding` for tasks."""

    async def enter(n: int) -> Release:
        bucket = bucket_of(n)
        assert bucket is not None
        spend = await bucket.acquire_async(1, sleep)
        return lambda: bucket.leave(spend)

    return enter
