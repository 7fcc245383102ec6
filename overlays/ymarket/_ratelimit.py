"""Client-side pacing to the spec's quotas (``x-ymarket-rate-limit``).

One :class:`RateLimiter` keeps a quota per (operation, campaign), read from the
compiled spec: at most ``limit`` units in any ``period_seconds`` (a sliding
window, so it also satisfies a server that counts fixed windows), and at most
``max_parallel`` requests in flight where the tier sets one. Its state sits
behind one ``threading.Lock`` and never blocks while holding it, so a limiter
is shared by threads (sync client) and asyncio tasks (async client) alike;
waiting is done by the caller with the sleep it was given, so tests inject a
fake clock and sleep.

Why not pyrate-limiter or aiolimiter: aiolimiter is asyncio-only; pyrate-limiter
sleeps with the real ``time.sleep``/``asyncio.sleep`` inside (no injectable
sleep) and has no in-flight limit. What is needed here is small: a window log
plus a counter.

A spend is stamped when it is reserved and stamped again when its request has
been answered (``leave(entry)``), and it does not leave the window while its
request is in flight: the server counted it somewhere in between, so the
client's window never frees earlier than the server's, whatever the latency.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from ymarket.spec import RateLimitTier, operation

__all__ = ["Clock", "QuotaBucket", "RateLimiter"]

Clock = Callable[[], float]

# How often a caller looks again when the window waits only for requests in flight.
_IN_FLIGHT_POLL = 0.05


class QuotaBucket:
    """The quota of one operation in one campaign."""

    def __init__(self, tier: RateLimitTier, clock: Clock) -> None:
        self.tier = tier
        self.limit = tier.limit
        self.period = tier.period_seconds
        # Server and client clocks differ by the request's latency; a little
        # slack at the window's edge keeps a paced job clear of 420s.
        self.margin = min(1.0, self.period * 0.01)
        self.max_parallel = tier.max_parallel
        self._clock = clock
        self._lock = threading.Lock()
        # [stamp, cost, in_flight] entries, oldest first; a stamp only moves later,
        # by at most one request's duration (see leave()).
        self._log: deque[list[float]] = deque()
        self._used = 0
        self._blocked_until = 0.0
        self._active = 0
        self._slot_freed = threading.Condition(self._lock)
        self._async_waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def used(self) -> int:
        """Units spent within the current window."""
        with self._lock:
            self._expire(self._clock())
            return self._used

    def _expire(self, now: float) -> None:
        while self._log and not self._log[0][2] and self._log[0][0] + self.period <= now:
            self._used -= int(self._log.popleft()[1])

    def reserve(self, cost: int) -> float:
        """Spend ``cost`` units now and return 0, or return the seconds to wait first."""
        return self._reserve(cost, in_flight=False)[0]

    def _reserve(self, cost: int, *, in_flight: bool) -> tuple[float, list[float] | None]:
        cost = min(max(cost, 1), self.limit)
        with self._lock:
            now = self._clock()
            self._expire(now)
            if now < self._blocked_until:
                return self._blocked_until - now, None
            if self._used + cost <= self.limit:
                entry = [now, cost, 1.0 if in_flight else 0.0]
                self._log.append(entry)
                self._used += cost
                return 0.0, entry
            excess = self._used + cost - self.limit
            freed = 0.0
            latest = now - self.period  # entries leave oldest first: wait for the latest
            for stamp, spent, _ in self._log:
                freed += spent
                latest = max(latest, stamp)
                if freed >= excess:
                    # A spend still in flight holds the window a little longer.
                    return max(latest + self.period - now + self.margin, _IN_FLIGHT_POLL), None
            return self.period, None  # unreachable: the log holds more than the excess

    def pause(self, seconds: float) -> None:
        """Hold every caller of this quota for ``seconds`` (after a 420)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    # In-flight slots (maxParallel).
    def try_enter(self) -> bool:
        """Take an in-flight slot if one is free."""
        with self._lock:
            return self._take_slot()

    def _take_slot(self) -> bool:
        if self.max_parallel is None or self._active < self.max_parallel:
            self._active += 1
            return True
        return False

    def enter(self) -> None:
        """Take an in-flight slot, blocking the thread until one is free."""
        with self._slot_freed:
            while not self._take_slot():
                self._slot_freed.wait()

    async def enter_async(self) -> None:
        """Take an in-flight slot, suspending the task until one is free."""
        while True:
            loop = asyncio.get_running_loop()
            with self._lock:
                if self._take_slot():
                    return
                future: asyncio.Future[None] = loop.create_future()
                self._async_waiters.append((loop, future))
            await future

    def leave(self, entry: list[float] | None = None) -> None:
        """Give an in-flight slot back and wake one waiter.

        ``entry`` (what :meth:`acquire` returned) is stamped again now that the
        request is answered.
        """
        with self._lock:
            if entry is not None:
                entry[0] = max(entry[0], self._clock())
                entry[2] = 0.0
            self._active -= 1
            self._slot_freed.notify()
            self._wake_one_async()

    def _wake_one_async(self) -> None:
        while self._async_waiters:
            loop, future = self._async_waiters.popleft()
            if future.done() or loop.is_closed():
                continue
            loop.call_soon_threadsafe(self._resolve, future)
            return

    def _resolve(self, future: asyncio.Future[None]) -> None:
        if future.done():  # cancelled meanwhile: pass the wake-up on
            with self._lock:
                self._wake_one_async()
        else:
            future.set_result(None)

    def acquire(self, cost: int, sleep: Callable[[float], None]) -> list[float]:
        """Block (with ``sleep``) until ``cost`` units are spent and hold a slot.

        Returns the spend's entry, to give to :meth:`leave`.
        """
        self.enter()
        try:
            while True:
                wait, entry = self._reserve(cost, in_flight=True)
                if entry is not None:
                    return entry
                sleep(wait)
        except BaseException:
            self.leave()
            raise

    async def acquire_async(
        self, cost: int, sleep: Callable[[float], Awaitable[None]]
    ) -> list[float]:
        """Like :meth:`acquire` for asyncio tasks."""
        await self.enter_async()
        try:
            while True:
                wait, entry = self._reserve(cost, in_flight=True)
                if entry is not None:
                    return entry
                await sleep(wait)
        except BaseException:
            self.leave()
            raise


class RateLimiter:
    """Quotas of every (operation, campaign), paced to one tier of the spec.

    ``tier`` names the tier (``"base"``, ``"extended"``); an operation without
    that tier uses its default tier, as the spec says. Share one instance
    between clients (``Client(rate_limit=limiter)``) to pace them together.
    """

    def __init__(self, tier: str | None = None, *, clock: Clock = time.monotonic) -> None:
        self.tier = tier
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, object], QuotaBucket] = {}

    def __repr__(self) -> str:
        return f"RateLimiter(tier={self.tier!r})"

    def bucket(self, operation_id: str, campaign_id: object) -> QuotaBucket | None:
        """The quota for ``operation_id`` in ``campaign_id`` (None if the spec sets none)."""
        limits = operation(operation_id).rate_limit
        if limits is None:
            return None
        key = (operation_id, campaign_id if limits.scope == "campaign" else None)
        with self._lock:
            found = self._buckets.get(key)
            if found is None:
                found = self._buckets[key] = QuotaBucket(limits.tier(self.tier), self.clock)
            return found
