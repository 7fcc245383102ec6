"""When and how long to retry, and the hooks that run tenacity's waiting loop.

The words of retry safety, used everywhere in ymarket (CLI included):

- A request is **repeatable** when sending it twice does no harm (the spec's
  ``x-ymarket-repeatable``: always, never, or when every item of a field has
  a key). ``Call.why_not_repeatable`` is None for a repeatable request, else
  the reason it is not.
- A failure is **unsent** when the request certainly did not reach the server
  (connection refused, connect or pool timeout); **refused** when the server
  answered without applying it (420 and other 4xx); **ambiguous** when it may
  have been applied (5xx, a success status whose body is unreadable or says
  ``ERROR``, or a transport failure after the request may have been sent).
  :func:`is_ambiguous` is the one predicate.

Unsent and refused-with-420 failures are always retried; an ambiguous failure
is retried only for a repeatable request. A chunk sent again after an ambiguous
failure is flagged ``ChunkResult.repeated_after_ambiguous_failure``; a
transport failure says ``TransportError.maybe_sent`` (False: unsent).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ymarket.errors import (
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    YMarketError,
    parse_retry_after,
)
from ymarket.spec import operation

if TYPE_CHECKING:
    import tenacity

    from ymarket._operations import Call
    from ymarket._ratelimit import QuotaBucket

__all__ = [
    "Attempts",
    "RetryPolicy",
    "is_ambiguous",
    "log_attempt",
    "parse_retry_after",
    "retries_exhausted",
    "retry_hooks",
    "should_retry",
    "transport_error",
]

logger = logging.getLogger("ymarket")


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

    @property
    def max_total_wait(self) -> float:
        """The most a request can wait between its attempts, in seconds, all retries together.

        Each wait is at most ``max(max_backoff, max_retry_after)`` (a longer
        ``Retry-After`` is not waited for), and there are at most
        ``max_rate_limit_retries`` waits after 420s and ``max_retries`` after other
        failures. Pacing waits and the requests' own time come on top; a client's
        ``deadline`` bounds the whole.
        """
        if self.max_retries == 0:
            return 0.0
        longest = max(self.max_backoff, self.max_retry_after)
        return longest * (self.max_rate_limit_retries + self.max_retries)

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


def is_ambiguous(error: BaseException) -> bool:
    """Whether the request that failed with ``error`` may have been applied.

    A success status whose body cannot be read (or says ``ERROR``) is ambiguous
    too: the server took the request and did not say what it did.
    """
    return isinstance(error, ServerError | UnexpectedResponseError) or (
        isinstance(error, TransportError) and error.maybe_sent
    )


def should_retry(
    error: BaseException, *, why_not_repeatable: str | None, policy: RetryPolicy
) -> bool:
    """Whether ``error`` may be retried; sets ``error.retry_note`` when it must not be.

    ``why_not_repeatable`` is None for a repeatable request, else why it is not.
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
    if isinstance(error, UnexpectedResponseError):
        return False  # answered: sending it again would not get a clearer answer
    ambiguous = is_ambiguous(error)
    if isinstance(error, TransportError) and not error.maybe_sent:
        return True
    if ambiguous and why_not_repeatable is not None:
        error.retry_note = (
            f"not retried: the request may have been applied and {why_not_repeatable}; "
            "check the current state before sending it again"
        )
        return False
    return ambiguous


def transport_error(exc: httpx.TransportError, operation_id: str) -> TransportError:
    """The ymarket error of an httpx transport failure, unsent or ambiguous."""
    # Connect errors and pool/connect timeouts happen before a byte is sent.
    unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return TransportError(
        f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
        maybe_sent=not unsent,
        operation_id=operation_id,
    )


class Attempts:
    """The attempts of one call: how many, and whether an earlier one was ambiguous.

    ``with attempts as number:`` counts one attempt (``number`` is its number) and
    remembers whether it failed ambiguously (a class, not a generator: it wraps
    every request).
    """

    __slots__ = ("after_ambiguous", "count")

    def __init__(self) -> None:
        self.count = 0
        self.after_ambiguous = False

    def __enter__(self) -> int:
        self.count += 1
        return self.count

    def __exit__(self, exc_type: object, exc: BaseException | None, traceback: object) -> None:
        if isinstance(exc, YMarketError) and not self.after_ambiguous:
            self.after_ambiguous = is_ambiguous(exc)

    @contextlib.contextmanager
    def stamping(self) -> Iterator[None]:
        """Stamp the number of attempts on the error that ends the call."""
        try:
            yield
        except YMarketError as exc:
            exc.attempts = self.count
            raise


def _error(state: tenacity.RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None


def retry_hooks(
    policy: RetryPolicy,
    call: Call,
    bucket: QuotaBucket | None,
    *,
    clock: Callable[[], float] = time.monotonic,
    deadline: float | None = None,
    started: float | None = None,
) -> dict[str, Any]:
    """The keyword arguments of ``tenacity.Retrying``/``AsyncRetrying`` for ``call``.

    ``deadline`` (seconds from ``started`` on ``clock``, default now) bounds the
    request's attempts and waits: no wait is started that would end after it.
    """
    import tenacity  # only after a failure: a call that succeeds first never loads it

    counts = {"rate_limited": 0, "other": 0}
    until = None if deadline is None else (clock() if started is None else started) + deadline

    def budget(error: BaseException | None) -> tuple[str, int]:
        if isinstance(error, RateLimitError):
            return "rate_limited", policy.max_rate_limit_retries
        return "other", policy.max_retries

    def wait(state: tenacity.RetryCallState) -> float:
        return policy.wait(_error(state) or Exception(), state.attempt_number)

    def stop(state: tenacity.RetryCallState) -> bool:
        # 420s and other failures count against their own budgets.
        error = _error(state)
        counts[budget(error)[0]] += 1
        if retries_exhausted(policy, counts["rate_limited"], counts["other"]):
            return True
        if until is not None and clock() + (state.upcoming_sleep or 0.0) > until:
            if isinstance(error, YMarketError):
                error.retry_note = (
                    f"not retried: the deadline of {deadline:g} s would pass during the wait"
                )
            return True
        return False

    def retry(error: BaseException) -> bool:
        return should_retry(error, why_not_repeatable=call.why_not_repeatable, policy=policy)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = _error(state)
        seconds = state.upcoming_sleep
        if isinstance(error, RateLimitError) and bucket is not None:
            bucket.pause(seconds)  # every caller of this quota waits, not just this one
        kind, limit = budget(error)
        logger.info(
            "%s: %sretry %d of %d in %.2f s after %s",
            call.operation_id,
            "420 " if kind == "rate_limited" else "",
            counts[kind],
            limit,
            seconds,
            type(error).__name__ if error else "failure",
            extra={"operation": call.operation_id, "retry": state.attempt_number},
        )

    return {
        "stop": stop,
        "wait": wait,
        "retry": tenacity.retry_if_exception(retry),
        "before_sleep": before_sleep,
        "reraise": True,
    }


def log_attempt(
    call: Call, attempt: int, status: int | str, started: float, *, log_bodies: bool
) -> None:
    """One DEBUG line per attempt: operation, method, path, status, time (and body)."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    logger.debug(
        "%s %s %s -> %s in %.3f s (attempt %d)%s",
        call.operation_id,
        operation(call.operation_id).method.upper(),
        call.path,
        status,
        time.perf_counter() - started,
        attempt,
        f" body={json.dumps(call.body, ensure_ascii=False)}" if log_bodies else "",
        extra={"operation": call.operation_id, "status": status, "attempt": attempt},
    )
