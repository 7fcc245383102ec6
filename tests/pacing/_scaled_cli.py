"""``python -m tests.pacing._scaled_cli SCALE ARGS``: the ``ymarket`` command, its shared
limiter's windows ``SCALE`` times shorter (as the served simulator's ``scaled:SCALE``
clock), so a job of several quota windows through ``--rate-limit-url`` takes seconds.

Only ``RateLimiter.from_url`` is replaced (by :class:`ScaledRedisRateLimiter`, which
divides the spec's periods): the command, its options and the client are the real ones.
"""

from __future__ import annotations

import sys

import ymarket
from ymarket.cli import main

from tests.pacing._scaled import ScaledRedisRateLimiter


def _run() -> None:
    scale = float(sys.argv[1])

    def scaled_from_url(url: str, tier: str | None = None, **_: object) -> ymarket.RateLimiter:
        return ScaledRedisRateLimiter(url, scale=scale, prefix="ymarket")

    ymarket.RateLimiter.from_url = staticmethod(scaled_from_url)  # type: ignore[method-assign]
    main(sys.argv[2:])


if __name__ == "__main__":
    _run()
