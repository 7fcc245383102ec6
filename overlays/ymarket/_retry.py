"""When and how long to retry (the waiting loop itself is tenacity's).

A call is retried on 420, 5xx, timeouts and connection failures, but only when
repeating it cannot do harm: a request that certainly did not reach the server
(connection refused, connect/pool timeout) and a 420 (refused, not applied)
can always be repeated; after an ambiguous failure (5xx, read/write timeout,
dropped connection) only an idempotent request is repeated.
"""

from __future__ import annotations

import random

import attrs

from ymarket.errors import (
    RateLimitError,
    ServerError,
    TransportError,
    YMarketError,
    parse_retry_after,
)

__all__ = [
    "RetryPolicy",
    "maybe_applied",
    "parse_retry_after",
    "retries_exhausted",
    "should_retry",
]


@attrs.frozen
class RetryPolicy:
    """Retry settings.

    ``max_retries`` repeats at most after 5xx, timeouts and connection
    failures (0: never retry anything). A 420 was refused, not applied, and a
    quota shared with other programs frees only when its window moves on, so
    420s have their own, larger budget ``max_rate_limit_retries`` (with the
    default backoff about three minutes of waiting in all). The n-th wait is
    ``min(max_backoff, base * 2**(n-1))`` with "equal jitter" (half fixed, half
    random), where ``base`` is ``rate_limit_backoff`` after a 420 (a quota
    window is seconds long) and ``initial_backoff`` otherwise. A
    ``Retry-After`` header wins; one longer than ``max_retry_after`` is not
    waited for: the error is raised with ``retry_after`` set.
    """

    max_retries: int = 3
    max_rate_limit_retries: int = 8
    initial_backoff: float = 0.5
    rate_limit_backoff: float = 5.0
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    jitter: bool = True

    def wait(self, error: BaseException, failed_attempts: int) -> float:
        """Seconds to wait before the next attempt after ``failed_attempts`` failures."""
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return error.retry_after
        if isinstance(error, ServerError) and error.retry_after is not None:
            return min(error.retry_after, self.max_retry_after)
        base = (
            self.rate_limit_backoff if isinstance(error, RateLimitError) else self.initial_backoff
        )
        ceiling = min(self.max_backoff, base * 2.0 ** max(failed_attempts - 1, 0))
        if not self.jitter:
            return ceiling
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def retries_exhausted(policy: RetryPolicy, rate_limited: int, other_failures: int) -> bool:
    """Whether the budgets are spent after ``rate_limited`` 420s and ``other_failures``."""
    if policy.max_retries == 0:
        return True
    return rate_limited > policy.max_rate_limit_retries or other_failures > policy.max_retries


def maybe_applied(error: BaseException) -> bool:
    """Whether the server may have applied the request that failed with ``error``."""
    return isinstance(error, ServerError) or (
        isinstance(error, TransportError) and error.maybe_sent
    )


def should_retry(error: BaseException, *, unsafe_reason: str | None, policy: RetryPolicy) -> bool:
    """Whether ``error`` may be retried; sets ``error.retry_note`` when it must not be.

    ``unsafe_reason`` is None for a request that may be repeated, else why it may not.
    """
    if not isinstance(error, YMarketError):
        return False
    if isinstance(error, RateLimitError):
        after = error.retry_after
        if after is not None and after > policy.max_retry_after:
            error.retry_note = (
                f"not retried: the server asked to wait {after:.0f} s "
                f"(more than max_retry_after={policy.max_retry_after:.0f} s)"
            )
            return False
        return True
    ambiguous = maybe_applied(error)
    if isinstance(error, TransportError) and not error.maybe_sent:
        return True
    if ambiguous and unsafe_reason is not None:
        error.retry_note = (
            f"not retried: the request may have been applied and {unsafe_reason}; "
            "check the current state before sending it again"
        )
        return False
    return ambiguous
