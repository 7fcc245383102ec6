"""Client-side pacing to the spec's quotas (``x-ymarket-rate-limit``).

One :class:`RateLimiter` keeps a quota per (operation, campaign), read from the
compiled spec: at most ``limit`` units in any ``period_seconds`` (a sliding
window, so it also satisfies a server that counts fixed windows), at most
``max_parallel`` requests in flight where the tier sets one, and at most the
spec's campaign-wide ``maxParallel`` (``x-ymarket-campaign-limits``) in flight
per campaign across all operations paced by that limiter. Its state sits behind
locks that are never held while waiting, so a limiter is shared by threads
(sync client) and asyncio tasks (async client) alike; waiting is done by the
caller with the sleep it was given, so tests inject a fake clock and sleep.

Why not pyrate-limiter or aiolimiter: aiolimiter is asyncio-only; pyrate-limiter
sleeps with the real ``time.sleep``/``asyncio.sleep`` inside (no injectable
sleep) and has no in-flight limit. What is needed here is small: a window log
plus counters.

A spend is stamped when it is reserved and stamped again when its request has
been answered (``leave(spend)``), and it does not leave the window while its
request is in flight: the server counted it somewhere in between, so the
client's window never frees earlier than the server's, whatever the latency.

:meth:`RateLimiter.from_url` gives the same semantics to many processes and
hosts through one Redis (``ymarket._redis_pacing``).
"""

from __future__ import annotations

import abc
import email.utils
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import attrs

from ymarket.spec import RateLimitTier, campaign_limits, operation

if TYPE_CHECKING:  # asyncio is imported where a task waits: a sync program never loads it
    import asyncio

__all__ = [
    "RATE_LIMIT_URL_ENV",
    "Clock",
    "LocalQuotaBucket",
    "Quota",
    "QuotaBucket",
    "RateLimiter",
    "Spend",
    "seconds_until",
    "wait_after_refusal",
]

Clock = Callable[[], float]

# The environment variable naming a shared pacing store (RateLimiter.from_env).
RATE_LIMIT_URL_ENV = "YANDEX_MARKET_RATE_LIMIT_URL"

# How often a caller looks again when the window waits only for requests in flight.
_IN_FLIGHT_POLL = 0.05

# The documented quota headers of every API answer.
_LIMIT_HEADER = "x-ratelimit-resource-limit"
_REMAINING_HEADER = "x-ratelimit-resource-remaining"
_UNTIL_HEADER = "x-ratelimit-resource-until"


@attrs.define
class Spend:
    """Units taken from a quota for one request: give it back to ``leave`` when answered.

    ``stamp`` is when it counts (moved to the answer's time by ``leave``),
    ``lease`` names it in a shared store.
    """

    stamp: float
    cost: int
    in_flight: bool = True
    lease: str | None = None


@attrs.frozen
class Quota:
    """What the API last said about a quota (``X-RateLimit-Resource-*`` headers).

    ``until`` is when the server's window ends (None when the header was absent
    or unreadable).
    """

    limit: int | None
    remaining: int | None
    until: datetime | None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def quota_from_headers(headers: Mapping[str, str]) -> Quota | None:
    """The quota an answer's headers describe (None when it carries none of them)."""
    found = _lower(headers)
    if _LIMIT_HEADER not in found and _REMAINING_HEADER not in found and _UNTIL_HEADER not in found:
        return None
    return Quota(
        limit=_int_or_none(found.get(_LIMIT_HEADER)),
        remaining=_int_or_none(found.get(_REMAINING_HEADER)),
        until=_parse_date(found.get(_UNTIL_HEADER)),
    )


def seconds_until(until: str, *, now: datetime | None = None) -> float | None:
    """Seconds from ``now`` (default: this host's clock) to the RFC 822 date ``until``.

    None when ``until`` is not a date; never negative.
    """
    moment = _parse_date(until)
    if moment is None:
        return None
    reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (moment - reference).total_seconds())


def wait_after_refusal(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait after a 420 by its ``X-RateLimit-Resource-Until`` header.

    Measured from the answer's own ``Date`` when it has one (the server's clock,
    so a host whose clock is off still waits the right time), else from this
    host's clock. None when the header is absent or unreadable.
    """
    found = _lower(headers)
    until = found.get(_UNTIL_HEADER)
    if until is None:
        return None
    return seconds_until(until, now=_parse_date(found.get("date")))


class QuotaBucket(abc.ABC):
    """The quota of one operation in one campaign, as the client uses it.

    The client calls ``acquire``/``acquire_async`` before a request, ``leave``
    with the returned spend when it is answered, ``pause`` after a 420 and
    ``observe`` with the answer's headers.
    """

    tier: RateLimitTier
    limit: int
    period: float
    margin: float
    max_parallel: int | None

    def _set_tier(self, tier: RateLimitTier) -> None:
        self.tier = tier
        self.limit = tier.limit
        self.period = tier.period_seconds
        # Server and client clocks differ by the request's latency; a little
        # slack at the window's edge keeps a paced job clear of 420s.
        self.margin = min(1.0, self.period * 0.01)
        self.max_parallel = tier.max_parallel
        self._quota: Quota | None = None

    @property
    @abc.abstractmethod
    def used(self) -> int:
        """Units spent within the current window."""

    @abc.abstractmethod
    def reserve(self, cost: int) -> float:
        """Spend ``cost`` units now (no slot, nothing in flight) and return 0, or the wait."""

    @abc.abstractmethod
    def acquire(self, cost: int, sleep: Callable[[float], None]) -> Spend:
        """Block (with ``sleep``) until ``cost`` units are spent and slots are held."""

    @abc.abstractmethod
    async def acquire_async(self, cost: int, sleep: Callable[[float], Awaitable[None]]) -> Spend:
        """Like :meth:`acquire` for asyncio tasks."""

    @abc.abstractmethod
    def leave(self, spend: Spend | None = None) -> None:
        """Give the slots back; ``spend`` is stamped again now that it is answered."""

    @abc.abstractmethod
    def pause(self, seconds: float) -> None:
        """Hold every caller of this quota for ``seconds`` (after a 420)."""

    def observe(self, headers: Mapping[str, str]) -> Quota | None:
        """Record the quota an answer's ``X-RateLimit-Resource-*`` headers state."""
        seen = quota_from_headers(headers)
        if seen is not None:
            self._quota = seen
        return seen

    @property
    def quota(self) -> Quota | None:
        """What the API last said about this quota (None before any answer said it)."""
        return self._quota


class _Slots:
    """A counting semaphore both threads and asyncio tasks wait on."""

    def __init__(self, capacity: int | None) -> None:
        self.capacity = capacity
        self.active = 0
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        # Threads waiting on _freed: release() notifies only when there are any
        # (Condition.notify costs a microsecond even with nobody to wake).
        self._sync_waiting = 0
        self._async_waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    def _take(self) -> bool:
        if self.capacity is None or self.active < self.capacity:
            self.active += 1
            return True
        return False

    def try_take(self) -> bool:
        with self._lock:
            # _take, inlined: this runs twice per request.
            if self.capacity is None or self.active < self.capacity:
                self.active += 1
                return True
            return False

    def take(self) -> None:
        if self.try_take():
            return
        with self._freed:
            while not self._take():
                self._sync_waiting += 1
                try:
                    self._freed.wait()
                finally:
                    self._sync_waiting -= 1

    async def take_async(self) -> None:
        while True:
            import asyncio

            loop = asyncio.get_running_loop()
            with self._lock:
                if self._take():
                    return
                future: asyncio.Future[None] = loop.create_future()
                self._async_waiters.append((loop, future))
            await future

    def release(self) -> None:
        with self._lock:
            self.active -= 1
            if self._sync_waiting:
                self._freed.notify()
            if self._async_waiters:
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


class LocalQuotaBucket(QuotaBucket):
    """A quota paced within this process.

    ``campaign_slots`` is the in-flight cap shared by every operation of the
    campaign; it is taken after the operation's own slot (always in that
    order, so two callers never wait on each other crosswise).
    """

    def __init__(
        self, tier: RateLimitTier, clock: Clock, campaign_slots: _Slots | None = None
    ) -> None:
        self._set_tier(tier)
        self._clock = clock
        self._lock = threading.Lock()
        # Spends, oldest first; a stamp only moves later, by at most one
        # request's duration (see leave()).
        self._log: deque[Spend] = deque()
        self._used = 0
        self._blocked_until = 0.0
        self._slots = _Slots(tier.max_parallel)
        self._campaign_slots = campaign_slots

    @property
    def used(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return self._used

    def _expire(self, now: float) -> None:
        while self._log and not self._log[0].in_flight and self._log[0].stamp + self.period <= now:
            self._used -= self._log.popleft().cost

    def reserve(self, cost: int) -> float:
        return self._reserve(cost, in_flight=False)[0]

    def _reserve(self, cost: int, *, in_flight: bool) -> tuple[float, Spend | None]:
        cost = min(max(cost, 1), self.limit)
        with self._lock:
            now = self._clock()
            self._expire(now)
            if now < self._blocked_until:
                return self._blocked_until - now, None
            if self._used + cost <= self.limit:
                spend = Spend(now, cost, in_flight)
                self._log.append(spend)
                self._used += cost
                return 0.0, spend
            excess = self._used + cost - self.limit
            freed = 0
            latest = now - self.period  # spends leave oldest first: wait for the latest
            for spend in self._log:
                freed += spend.cost
                latest = max(latest, spend.stamp)
                if freed >= excess:
                    # A spend still in flight holds the window a little longer.
                    return max(latest + self.period - now + self.margin, _IN_FLIGHT_POLL), None
            return self.period, None  # unreachable: the log holds more than the excess

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    # In-flight slots (the operation's maxParallel, then the campaign's).
    def try_enter(self) -> bool:
        """Take the in-flight slots if they are free."""
        if not self._slots.try_take():
            return False
        if self._campaign_slots is not None and not self._campaign_slots.try_take():
            self._slots.release()
            return False
        return True

    def enter(self) -> None:
        """Take the in-flight slots, blocking the thread until they are free."""
        self._slots.take()
        if self._campaign_slots is not None:
            try:
                self._campaign_slots.take()
            except BaseException:
                self._slots.release()
                raise

    async def enter_async(self) -> None:
        """Take the in-flight slots, suspending the task until they are free."""
        await self._slots.take_async()
        if self._campaign_slots is not None:
            try:
                await self._campaign_slots.take_async()
            except BaseException:
                self._slots.release()
                raise

    def leave(self, spend: Spend | None = None) -> None:
        if spend is not None:
            with self._lock:
                spend.stamp = max(spend.stamp, self._clock())
                spend.in_flight = False
        if self._campaign_slots is not None:
            self._campaign_slots.release()
        self._slots.release()

    def acquire(self, cost: int, sleep: Callable[[float], None]) -> Spend:
        self.enter()
        try:
            while True:
                wait, spend = self._reserve(cost, in_flight=True)
                if spend is not None:
                    return spend
                sleep(wait)
        except BaseException:
            self.leave()
            raise

    async def acquire_async(self, cost: int, sleep: Callable[[float], Awaitable[None]]) -> Spend:
        if not self.try_enter():  # free slots are taken without creating a coroutine
            await self.enter_async()
        try:
            while True:
                wait, spend = self._reserve(cost, in_flight=True)
                if spend is not None:
                    return spend
                await sleep(wait)
        except BaseException:
            self.leave()
            raise


class RateLimiter:
    """Quotas of every (operation, campaign), paced to one tier of the spec.

    ``tier`` names the tier (``"base"``, ``"extended"``); an operation without
    that tier uses its default tier, as the spec says. Share one instance
    between clients (``Client(rate_limit=limiter)``) to pace them together;
    :meth:`from_url` shares one between processes and hosts.
    """

    def __init__(self, tier: str | None = None, *, clock: Clock = time.monotonic) -> None:
        self.tier = tier
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, object], QuotaBucket] = {}
        self._campaign_slots: dict[object, _Slots] = {}

    def __repr__(self) -> str:
        return f"RateLimiter(tier={self.tier!r})"

    @staticmethod
    def from_url(
        url: str,
        tier: str | None = None,
        *,
        prefix: str = "ymarket",
        lease_seconds: float = 120.0,
        cluster: bool = False,
    ) -> RateLimiter:
        """A limiter whose state lives in the Redis at ``url``, shared by every process using it.

        ``url`` is ``redis://host:port/db`` (``rediss://`` for TLS). Options:
        ``prefix`` (key namespace, default ``"ymarket"``), ``lease_seconds``
        (how long a dead holder's slots stay taken; longer than a request's
        timeout), ``cluster`` (a Redis Cluster; ``url`` names any node).
        Raises :class:`~ymarket._redis_pacing.PacingStoreError` when the store
        does not answer. Needs the ``redis`` extra.
        """
        from ymarket._redis_pacing import RedisRateLimiter

        return RedisRateLimiter(
            url, tier, prefix=prefix, lease_seconds=lease_seconds, cluster=cluster
        )

    @staticmethod
    def from_env(tier: str | None = None, *, url: str | None = None) -> RateLimiter:
        """The shared limiter at ``url`` or ``$YANDEX_MARKET_RATE_LIMIT_URL``, else a local one."""
        found = url or os.environ.get(RATE_LIMIT_URL_ENV)
        return RateLimiter.from_url(found, tier) if found else RateLimiter(tier)

    def bucket(self, operation_id: str, campaign_id: object) -> QuotaBucket | None:
        """The quota for ``operation_id`` in ``campaign_id`` (None if the spec sets none)."""
        limits = operation(operation_id).rate_limit
        if limits is None:
            return None
        key = (operation_id, campaign_id if limits.scope == "campaign" else None)
        found = self._buckets.get(key)  # a dict read is atomic: the lock only to add one
        if found is not None:
            return found
        campaign = key[1]
        with self._lock:
            found = self._buckets.get(key)
            if found is None:
                found = self._buckets[key] = self._new_bucket(
                    operation_id, campaign, limits.tier(self.tier)
                )
            return found

    def _new_bucket(self, operation_id: str, campaign: object, tier: RateLimitTier) -> QuotaBucket:
        """A bucket for one quota (called under the limiter's lock)."""
        del operation_id
        cap = campaign_limits()
        slots = None
        if cap is not None and campaign is not None:
            slots = self._campaign_slots.get(campaign)
            if slots is None:
                slots = self._campaign_slots[campaign] = _Slots(cap.max_parallel)
        return LocalQuotaBucket(tier, self.clock, slots)

    def quota(self, operation_id: str, campaign_id: object) -> Quota | None:
        """What the API last said about this quota (``X-RateLimit-Resource-*``), if anything."""
        found = self.bucket(operation_id, campaign_id)
        return found.quota if found is not None else None
