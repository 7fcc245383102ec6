"""The simulator's quota ledger: server-side limits of ``x-ymarket-rate-limit`` on its clock.

(Named apart from the client's pacing, :class:`ymarket.RateLimiter`: this is
the server's book of what each campaign spent, which it refuses beyond.)

Counted per campaign and operation in a sliding window of the tier's period;
a call spends 1 or, for ``unit: items``, the number of items of the request
array. ``maxParallel`` caps the calls in flight at once, and the spec's
campaign-wide limits (``x-ymarket-campaign-limits``) cap the calls in flight
for a campaign across all operations.
"""

from __future__ import annotations

import threading
from collections import deque

import attrs

from ymarket.simulator.clock import Clock
from ymarket.spec import CampaignLimits, RateLimitTier, campaign_limits

__all__ = ["QuotaLedger", "Refusal", "Standing"]


@attrs.frozen
class Refusal:
    """Why a call is over its limit, and when the window has room again."""

    message: str
    retry_after_seconds: float


@attrs.frozen
class Standing:
    """What is left of a quota: sent as the ``X-RateLimit-Resource-*`` headers.

    ``until`` is the time (on the ledger's clock) until which the current window
    runs: when its oldest spend leaves it, or a full period from now when
    nothing is spent.
    """

    limit: int
    remaining: int
    until: float


class QuotaLedger:
    """Sliding-window quotas per (campaign, operation), calls in flight; thread-safe."""

    def __init__(self, clock: Clock, campaign: CampaignLimits | None = None) -> None:
        self._clock = clock
        self._campaign = campaign if campaign is not None else campaign_limits()
        self._lock = threading.Lock()
        self._spent: dict[tuple[int, str], deque[tuple[float, int]]] = {}
        # Units in each window, kept as spends enter and leave it: summing the
        # window on every call would cost O(calls per period) under load.
        self._used: dict[tuple[int, str], int] = {}
        self._in_flight: dict[tuple[int, str], int] = {}
        self._campaign_in_flight: dict[int, int] = {}

    def reset(self) -> None:
        """Forget everything spent."""
        with self._lock:
            self._spent.clear()
            self._used.clear()
            self._in_flight.clear()
            self._campaign_in_flight.clear()

    def _window(
        self, key: tuple[int, str], tier: RateLimitTier, now: float
    ) -> tuple[deque[tuple[float, int]], int]:
        """The window of ``key`` without the spends that left it, and the units in it."""
        window = self._spent.setdefault(key, deque())
        used = self._used.get(key, 0)
        while window and window[0][0] <= now - tier.period_seconds:
            used -= window.popleft()[1]
        self._used[key] = used
        return window, used

    def standing(self, campaign_id: int, operation_id: str, tier: RateLimitTier) -> Standing:
        """The quota of ``operation_id`` for ``campaign_id`` now."""
        now = self._clock()
        with self._lock:
            window, used = self._window((campaign_id, operation_id), tier, now)
            start = window[0][0] if window else now
        return Standing(tier.limit, max(0, tier.limit - used), start + tier.period_seconds)

    def spend(
        self, campaign_id: int, operation_id: str, tier: RateLimitTier, cost: int, unit: str
    ) -> Refusal | None:
        """Spend ``cost`` units, or return the refusal (nothing spent) when over the limit."""
        key = (campaign_id, operation_id)
        now = self._clock()
        with self._lock:
            window, used = self._window(key, tier, now)
            if used + cost > tier.limit:
                retry = window[0][0] + tier.period_seconds - now if window else 0.0
                return Refusal(
                    f"{operation_id}: limit of {tier.limit} {unit} per "
                    f"{tier.period_seconds:g} s for campaign {campaign_id} exceeded "
                    f"({used} used, this call needs {cost}); retry in {retry:.1f} s",
                    retry,
                )
            window.append((now, cost))
            self._used[key] = used + cost
        return None

    def enter(
        self, campaign_id: int, operation_id: str, tier: RateLimitTier | None
    ) -> Refusal | None:
        """Count a call in flight; refuse it beyond the tier's ``max_parallel`` or
        the campaign-wide limit (nothing counted then).
        """
        key = (campaign_id, operation_id)
        with self._lock:
            running = self._in_flight.get(key, 0)
            if tier is not None and tier.max_parallel is not None and running >= tier.max_parallel:
                return Refusal(
                    f"{operation_id}: at most {tier.max_parallel} parallel calls per "
                    f"campaign; {running} are running for campaign {campaign_id}",
                    0.0,
                )
            in_campaign = self._campaign_in_flight.get(campaign_id, 0)
            if self._campaign is not None and in_campaign >= self._campaign.max_parallel:
                return Refusal(self._campaign.refusal(campaign_id), 0.0)
            self._in_flight[key] = running + 1
            self._campaign_in_flight[campaign_id] = in_campaign + 1
        return None

    def leave(self, campaign_id: int, operation_id: str) -> None:
        """A call counted by :meth:`enter` has finished."""
        key = (campaign_id, operation_id)
        with self._lock:
            self._in_flight[key] = max(0, self._in_flight.get(key, 0) - 1)
            in_campaign = self._campaign_in_flight.get(campaign_id, 0)
            self._campaign_in_flight[campaign_id] = max(0, in_campaign - 1)
