"""Pacing shared by many processes and hosts through one Redis.

:class:`RedisRateLimiter` (made by ``RateLimiter.from_url``) keeps the state of
every quota in Redis and decides in Lua scripts, so each decision is atomic and
takes its time from the Redis server (``TIME``), never from a host: workers
whose clocks differ pace to one clock. The semantics are those of the
in-process limiter:

- an exact sliding window per operation and campaign, weighted by what the
  spec counts: a sorted set of spends scored by their stamp, with their cost
  in the member name;
- a spend in flight stays in the window until answered and is stamped again
  then; its holder also holds a lease (a sorted set scored by expiry) that
  frees its slots and counts its spend until the lease ran out if the holder
  dies;
- the operation's ``maxParallel`` and the spec's campaign-wide cap are those
  lease sets: a spend is granted only with both slots free, in one script;
- a 420 seen by any worker (``pause``) holds every worker of that quota.

Every key of one campaign carries the hash tag ``{<prefix>:campaign:<id>}``,
so a campaign's keys share a Redis Cluster slot and one script may touch them
all. Keys expire a while after their last use.

Why not a library: ``limits`` (moving window on Redis) stamps with the
client's clock and has no in-flight rule or concurrency cap; pyrate-limiter's
Redis bucket counts up to the caller's own ``now``; GCRA buckets (redis-cell)
over-admit a fixed window; redis-rate-limiters (and its fork steindamm) has a
leased semaphore and a token bucket, but as two separate decisions and a bucket
that over-admits a sliding window. None keeps spends in flight in the window
or grants window and slots in one atomic step.

When the store is lost mid-job the limiter fails closed: a caller waits and
asks the store again (logged once per outage) and never sends unpaced. A store
that answers again may have restarted empty, its window forgotten, so the
first caller to see it back pauses that quota for a whole period (shared by
every worker) before anything is spent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ymarket._ratelimit import (
    Quota,
    QuotaBucket,
    RateLimiter,
    Spend,
    _parse_date,
    quota_from_headers,
)
from ymarket.spec import RateLimitTier, campaign_limits

__all__ = ["PacingStoreError", "RedisQuotaBucket", "RedisRateLimiter"]

logger = logging.getLogger("ymarket.pacing")

_MICRO = 1_000_000

# KEYS: window, flight, state, campaign flight.
# ARGV: cost, limit, period, maxParallel (0: none), campaign cap (0: none),
# lease (0: a spend without slots), member, margin, poll, mode.
# Times in microseconds of the server's clock. Returns {1, stamp} when granted,
# {0, wait} when not, {2, used} in "used" mode.
_ACQUIRE = """
local W, F, S, CF = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local cost, limit, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local max_parallel, campaign_cap = tonumber(ARGV[4]), tonumber(ARGV[5])
local lease, member = tonumber(ARGV[6]), ARGV[7]
local margin, poll, mode = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function cost_of(m) return tonumber(string.match(m, ':(%d+)$')) end
-- A holder that died: its slots are free, its spend counts until its lease ran out.
local dead = redis.call('ZRANGEBYSCORE', F, '-inf', now, 'WITHSCORES')
for i = 1, #dead, 2 do
  redis.call('ZREM', F, dead[i])
  redis.call('ZADD', W, 'XX', dead[i + 1], dead[i])
end
redis.call('ZREMRANGEBYSCORE', CF, '-inf', now)
-- Answered spends older than a period leave the window.
for _, m in ipairs(redis.call('ZRANGEBYSCORE', W, '-inf', now - period)) do
  if not redis.call('ZSCORE', F, m) then
    redis.call('ZREM', W, m)
    redis.call('HINCRBY', S, 'used', -cost_of(m))
  end
end
local used = tonumber(redis.call('HGET', S, 'used') or '0')
if used ~= 0 and redis.call('EXISTS', W) == 0 then
  -- The window expired or was evicted without its count: nothing is in it.
  used = 0
  redis.call('HSET', S, 'used', 0)
end
if mode == 'used' then return {2, used} end
local paused = tonumber(redis.call('HGET', S, 'paused') or '0')
if now < paused then return {0, paused - now} end
if lease > 0 then
  if max_parallel > 0 and redis.call('ZCARD', F) >= max_parallel then return {0, poll} end
  if campaign_cap > 0 and redis.call('ZCARD', CF) >= campaign_cap then return {0, poll} end
end
if used + cost <= limit then
  redis.call('ZADD', W, now, member)
  redis.call('HINCRBY', S, 'used', cost)
  local ttl = math.floor((period + lease) / 1000) + 60000
  if lease > 0 then
    redis.call('ZADD', F, now + lease, member)
    redis.call('ZADD', CF, now + lease, member)
    redis.call('PEXPIRE', F, ttl)
    redis.call('PEXPIRE', CF, ttl)
  end
  redis.call('PEXPIRE', W, ttl)
  redis.call('PEXPIRE', S, ttl)
  return {1, now}
end
-- Spends leave oldest first: wait for the one that frees enough.
local excess, freed, latest = used + cost - limit, 0, now - period
local entries = redis.call('ZRANGE', W, 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  freed = freed + cost_of(entries[i])
  latest = math.max(latest, tonumber(entries[i + 1]))
  if freed >= excess then return {0, math.max(latest + period - now + margin, poll)} end
end
return {0, period}
"""

# KEYS: window, flight, campaign flight. ARGV: member.
# The spend is answered: stamped again now, its slots freed.
_LEAVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local stamp = redis.call('ZSCORE', KEYS[1], ARGV[1])
if stamp and redis.call('ZSCORE', KEYS[2], ARGV[1]) and tonumber(stamp) < now then
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return now
"""

# KEYS: state. ARGV: seconds to hold every caller (microseconds), period.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused') or '0')
if until_ > paused then redis.call('HSET', KEYS[1], 'paused', until_) end
local ttl = math.floor((tonumber(ARGV[1]) + tonumber(ARGV[2])) / 1000) + 60000
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return until_
"""

# KEYS: state. ARGV: limit, remaining, until (as the headers said), time to live (ms).
# The state key may be new here: it expires like the others.
_OBSERVE = """
redis.call('HSET', KEYS[1], 'seen_limit', ARGV[1], 'seen_remaining', ARGV[2],
  'seen_until', ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
"""

_STORE_RETRY_FIRST = 0.25
_STORE_RETRY_MOST = 5.0


class PacingStoreError(ConnectionError):
    """The shared pacing store (Redis) did not answer when the limiter was made."""


def _safe_url(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class _Store:
    """One Redis client (sync or asyncio) with the scripts registered on it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.acquire = client.register_script(_ACQUIRE)
        self.leave = client.register_script(_LEAVE)
        self.pause = client.register_script(_PAUSE)
        self.observe = client.register_script(_OBSERVE)


class RedisQuotaBucket(QuotaBucket):
    """One quota whose state lives in Redis (see the module's docstring)."""

    def __init__(
        self,
        limiter: RedisRateLimiter,
        tier: RateLimitTier,
        keys: Sequence[str],
        campaign_cap: int,
    ) -> None:
        self._set_tier(tier)
        self._limiter = limiter
        self._keys = list(keys)  # window, flight, state, campaign flight
        self._campaign_cap = campaign_cap

    def _args(self, cost: int, member: str, mode: str, lease: float) -> list[object]:
        return [
            cost,
            self.limit,
            round(self.period * _MICRO),
            self.max_parallel or 0,
            self._campaign_cap,
            round(lease * _MICRO),
            member,
            round(self.margin * _MICRO),
            round(self._limiter.poll_seconds * _MICRO),
            mode,
        ]

    def _request(self, cost: int, *, in_flight: bool) -> tuple[str, int, list[object]]:
        cost = min(max(cost, 1), self.limit)
        lease = self._limiter.lease_seconds if in_flight else 0.0
        member = f"{uuid.uuid4().hex}:{cost}"
        return member, cost, self._args(cost, member, "spend", lease)

    @property
    def used(self) -> int:
        store = self._limiter.store()
        _, used = store.acquire(keys=self._keys, args=self._args(1, "-:1", "used", 0.0))
        return int(used)

    def reserve(self, cost: int) -> float:
        _, _, args = self._request(cost, in_flight=False)
        granted, value = self._limiter.store().acquire(keys=self._keys, args=args)
        return 0.0 if granted else int(value) / _MICRO

    def acquire(self, cost: int, sleep: Callable[[float], None]) -> Spend:
        member, cost, args = self._request(cost, in_flight=True)
        outage = _Outage(self._limiter)
        while True:
            try:
                granted, value = self._limiter.store().acquire(keys=self._keys, args=args)
            except self._limiter.store_errors as exc:
                sleep(outage.wait(exc))
                continue
            except BaseException:  # interrupted: the store may have granted it
                self._release(member)
                raise
            if outage.over():
                # The store may have come back empty, its window forgotten: hold every
                # worker of this quota for a whole period before spending again.
                self.pause(self.period)
                self._release(member)
                continue
            if granted:
                return Spend(int(value) / _MICRO, cost, True, member)
            sleep(int(value) / _MICRO)

    async def acquire_async(self, cost: int, sleep: Callable[[float], Awaitable[None]]) -> Spend:
        member, cost, args = self._request(cost, in_flight=True)
        outage = _Outage(self._limiter)
        while True:
            try:
                store = self._limiter.async_store()
                granted, value = await store.acquire(keys=self._keys, args=args)
            except self._limiter.store_errors as exc:
                await sleep(outage.wait(exc))
                continue
            except BaseException:  # cancelled: the store may have granted it
                self._release(member)
                raise
            if outage.over():  # as in acquire: the store may have forgotten its window
                self.pause(self.period)
                self._release(member)
                continue
            if granted:
                return Spend(int(value) / _MICRO, cost, True, member)
            await sleep(int(value) / _MICRO)

    def _release(self, member: str) -> int | None:
        """Stamp ``member`` again and free its slots; the server's time, None if unreachable.

        A quick call either way: an asyncio caller blocks its loop only for it.
        """
        try:
            now = self._limiter.store().leave(
                keys=[self._keys[0], self._keys[1], self._keys[3]], args=[member]
            )
        except self._limiter.store_errors as exc:
            logger.warning(
                "pacing store unreachable when a request ended; its slots free "
                "when its lease runs out (%s)",
                exc,
            )
            return None
        return int(now)

    def leave(self, spend: Spend | None = None) -> None:
        if spend is None or spend.lease is None:
            return  # nothing was granted: no slot is held
        now = self._release(spend.lease)
        if now is not None:
            spend.stamp = max(spend.stamp, now / _MICRO)
            spend.in_flight = False

    def pause(self, seconds: float) -> None:
        try:
            self._limiter.store().pause(
                keys=[self._keys[2]],
                args=[round(seconds * _MICRO), round(self.period * _MICRO)],
            )
        except self._limiter.store_errors as exc:
            logger.warning(
                "pacing store unreachable: a 420 does not pause the other workers (%s)", exc
            )

    def observe(self, headers: Mapping[str, str]) -> Quota | None:
        seen = quota_from_headers(headers)
        if seen is None:
            return None
        fields = {
            "seen_limit": "" if seen.limit is None else str(seen.limit),
            "seen_remaining": "" if seen.remaining is None else str(seen.remaining),
            "seen_until": "" if seen.until is None else seen.until.strftime(_RFC_822),
        }
        try:
            self._limiter.store().observe(
                keys=[self._keys[2]],
                args=[*fields.values(), round((2 * self.period + 60) * 1000)],
            )
        except self._limiter.store_errors as exc:
            logger.debug("pacing store unreachable: quota headers not shared (%s)", exc)
        self._quota = seen
        return seen

    @property
    def quota(self) -> Quota | None:
        try:
            raw = self._limiter.store().client.hmget(
                self._keys[2], ["seen_limit", "seen_remaining", "seen_until"]
            )
        except self._limiter.store_errors:
            return self._quota
        if all(value is None for value in raw):
            return self._quota
        limit, remaining, until = (
            value.decode() if isinstance(value, bytes) else value for value in raw
        )
        return Quota(
            limit=int(limit) if limit else None,
            remaining=int(remaining) if remaining else None,
            until=_parse_date(until),
        )


_RFC_822 = "%a, %d %b %Y %H:%M:%S GMT"


class _Outage:
    """Waits of one caller while the store does not answer (fail-closed, logged once)."""

    def __init__(self, limiter: RedisRateLimiter) -> None:
        self._limiter = limiter
        self._next = _STORE_RETRY_FIRST

    def wait(self, error: BaseException) -> float:
        if self._next == _STORE_RETRY_FIRST:
            logger.warning(
                "pacing store %s unreachable (%s): waiting for it, nothing is sent unpaced",
                self._limiter.url,
                error,
            )
        wait, self._next = self._next, min(self._next * 2, _STORE_RETRY_MOST)
        return wait

    def over(self) -> bool:
        """Whether an outage just ended (logged); the next one is logged again."""
        if self._next == _STORE_RETRY_FIRST:
            return False
        logger.warning(
            "pacing store %s answers again: this quota waits a whole period first",
            self._limiter.url,
        )
        self._next = _STORE_RETRY_FIRST
        return True


class RedisRateLimiter(RateLimiter):
    """A :class:`RateLimiter` whose quotas live in Redis, shared by every process using it.

    ``prefix`` namespaces the keys; ``lease_seconds`` is how long a holder that
    died keeps its slots (make it longer than a request's timeout);
    ``poll_seconds`` is how often a caller waiting for a slot asks again;
    ``cluster`` talks to a Redis Cluster (``url`` names any of its nodes).
    """

    def __init__(
        self,
        url: str,
        tier: str | None = None,
        *,
        prefix: str = "ymarket",
        lease_seconds: float = 120.0,
        poll_seconds: float = 0.01,
        cluster: bool = False,
    ) -> None:
        super().__init__(tier)
        try:
            import redis
            import redis.asyncio
            import redis.asyncio.cluster
            import redis.cluster
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "shared pacing needs the redis extra: pip install 'ymarket-partner[redis]'"
            ) from exc
        self.url = _safe_url(url)
        self._url = url
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        # Failures of the store itself (not of a script): the callers wait for it.
        self.store_errors: tuple[type[BaseException], ...] = (
            redis.ConnectionError,
            redis.TimeoutError,
            redis.exceptions.ClusterError,
        )
        self._async_client_class: Any = (
            redis.asyncio.cluster.RedisCluster if cluster else redis.asyncio.Redis
        )
        client_class: Any = redis.cluster.RedisCluster if cluster else redis.Redis
        try:
            client = client_class.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            client.ping()
        except (redis.RedisError, redis.exceptions.RedisClusterException) as exc:
            raise PacingStoreError(f"the pacing store {self.url} does not answer: {exc}") from exc
        self._store = _Store(client)
        self._async_stores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Store] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"RateLimiter.from_url({self.url!r}, tier={self.tier!r})"

    def store(self) -> _Store:
        """The synchronous client and scripts."""
        return self._store

    def async_store(self) -> _Store:
        """The asyncio client and scripts of the running loop (one per loop)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._async_stores.get(loop)
            if found is None:
                client = self._async_client_class.from_url(
                    self._url, socket_timeout=5, socket_connect_timeout=5
                )
                found = self._async_stores[loop] = _Store(client)
            return found

    def key_tag(self, campaign: object) -> str:
        """The hash tag of one campaign's keys (``{ymarket:campaign:1001}``)."""
        scope = f"campaign:{campaign}" if campaign is not None else "global"
        return f"{{{self.prefix}:{scope}}}"

    def _new_bucket(self, operation_id: str, campaign: object, tier: RateLimitTier) -> QuotaBucket:
        tag = self.key_tag(campaign)
        base = f"{tag}:{operation_id}"
        cap = campaign_limits()
        if campaign is None or cap is None:  # no campaign-wide cap: a key of its own, unused
            keys, campaign_cap = [f"{base}:window", f"{base}:flight", f"{base}:state"], 0
            keys.append(f"{base}:campaign-flight")
        else:
            keys = [f"{base}:window", f"{base}:flight", f"{base}:state", f"{tag}:flight"]
            campaign_cap = cap.max_parallel
        return RedisQuotaBucket(self, tier, keys, campaign_cap)

    def close(self) -> None:
        """Close the synchronous connections to the store."""
        self._store.client.close()

    async def aclose(self) -> None:
        """Close the running loop's connections to the store (before the loop ends).

        The asyncio client of a loop belongs to that loop; one left open is
        closed when it is collected, with a ResourceWarning.
        """
        with self._lock:
            found = self._async_stores.pop(asyncio.get_running_loop(), None)
        if found is not None:
            await found.client.aclose()
