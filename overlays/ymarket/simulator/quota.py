"""The simulator's quota ledger: server-side limits of ``x-ymarket-rate-limit`` on its clock.

(Named apart from the client's pacing, :class:`ymarket.RateLimiter`: this is
the server's book of what each campaign spent, which it refuses beyond.)

Counted per campaign and operation in a sliding window of the tier's period;
a call spends 1 or, for ``unit: items``, the number of items of the request
array. ``maxParallel`` caps the calls in flight at once.
"""

from __future__ import annotations

import threading
from collections import deque

import attrs

from ymarket.simulator.clock import Clock
from ymarket.spec import RateLimitTier

__all__ = ["QuotaLedger", "Refusal"]


@attrs.frozen
class Refusal:
    """Why a call is over its limit, and when the window has room again."""

    message: str
    retry_after_seconds: float


class QuotaLedger:
    """Sliding-window quotas per (campaign, operation); thread-safe."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._spent: dict[tuple[int, str], deque[tuple[float, int]]] = {}
        self._in_flight: dict[tuple[int, str], int] = {}

    def reset(self) -> None:
        """Forget everything spent."""
        with self._lock:
            self._spent.clear()
            self._in_flight.clear()

    def spend(
        self, campaign_id: int, operation_id: str, tier: RateLimitTier, cost: int, unit: str
    ) -> Refusal | None:
        """Spend ``cost`` units, or return the refusal (nothing spent) when over the limit."""
        key = (campaign_id, operation_id)
        now = self._clock()
        with self._lock:
            window = self._spent.setdefault(key, deque())
            while window and window[0][0] <= now - tier.period_seconds:
                window.popleft()
            used = sum(units for _, units in window)
            if used + cost > tier.limit:
                retry = window[0][0] + tier.period_seconds - now if window else 0.0
                return Refusal(
                    f"{operation_id}: limit of {tier.limit} {unit} per "
                    f"{tier.period_seconds:g} s for campaign {campaign_id} exceeded "
                    f"({used} used, this call needs {cost}); retry in {retry:.1f} s",
                    retry,
                )
            window.append((now, cost))
        return None

    def enter(self, campaign_id: int, operation_id: str, tier: RateLimitTier) -> Refusal | None:
        """Count a call in flight; refuse it beyond the tier's ``max_parallel``."""
        key = (campaign_id, operation_id)
        with self._lock:
            running = self._in_flight.get(key, 0)
            if tier.max_parallel is not None and running >= tier.max_parallel:
                return Refusal(
                    f"{operation_id}: at most {tier.max_parallel} parallel calls per "
                    f"campaign; {running} are running for campaign {campaign_id}",
                    0.0,
                )
            self._in_flight[key] = running + 1
        return None

    def leave(self, campaign_id: int, operation_id: str) -> None:
        """A call counted by :meth:`enter` has finished."""
        key = (campaign_id, operation_id)
        with self._lock:
            self._in_flight[key] = max(0, self._in_flight.get(key, 0) - 1)
