"""Limiters whose quota windows run ``scale`` times faster, to test in seconds."""

from __future__ import annotations

import attrs
from ymarket._ratelimit import QuotaBucket
from ymarket._redis_pacing import RedisRateLimiter
from ymarket.spec import RateLimitTier


class ScaledRedisRateLimiter(RedisRateLimiter):
    """Every tier's period divided by ``scale`` (as the simulator's scaled clock does);
    ``limit`` and ``max_parallel`` replace every tier's when given."""

    def __init__(
        self,
        url: str,
        *,
        scale: float,
        limit: int | None = None,
        max_parallel: int | None = None,
        prefix: str,
        lease_seconds: float = 120.0,
    ) -> None:
        super().__init__(url, prefix=prefix, lease_seconds=lease_seconds)
        self.scale = scale
        self.limit = limit
        self.max_parallel = max_parallel

    def _new_bucket(self, operation_id: str, campaign: object, tier: RateLimitTier) -> QuotaBucket:
        short = attrs.evolve(
            tier,
            period_seconds=tier.period_seconds / self.scale,
            limit=self.limit if self.limit is not None else tier.limit,
            max_parallel=self.max_parallel if self.max_parallel is not None else tier.max_parallel,
        )
        return super()._new_bucket(operation_id, campaign, short)
