"""Typed errors of the ymarket client.

Every failure of a call is one of these (or :class:`ymarket.ValidationError`
when a request was refused before sending). None of them carries a credential:
they hold the response's status, headers and body, never the request's headers.
"""

from __future__ import annotations

import datetime
import email.utils
import json
from collections.abc import Mapping
from typing import Any

import attrs

from ymarket._ratelimit import quota_from_headers, wait_after_refusal
from ymarket.validation import ValidationError

__all__ = [
    "ApiError",
    "BadRequestError",
    "ErrorDetail",
    "ForbiddenError",
    "InsecureTransportError",
    "LockedError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "ValidationError",
    "YMarketError",
    "api_error_from_response",
    "parse_retry_after",
]

_RAW_TEXT_IN_MESSAGE = 300


@attrs.frozen
class ErrorDetail:
    """One ``(code, message)`` pair of an error answer."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


class YMarketError(Exception):
    """Base of the errors raised after a request was attempted.

    ``operation_id`` names the operation; ``retry_note`` says why the client did
    not retry when it could have been worth it (for example a license creation
    that may already have happened); ``progress`` is set by bulk calls and says
    which items were done and which were not.
    """

    operation_id: str | None
    retry_note: str | None
    progress: Any
    attempts: int

    def _init_common(self, operation_id: str | None) -> None:
        self.operation_id = operation_id
        self.retry_note = None
        self.progress = None
        self.attempts = 1

    def _suffix(self) -> str:
        parts = []
        if self.attempts > 1:
            parts.append(f"after {self.attempts} attempts")
        if self.retry_note:
            parts.append(self.retry_note)
        progress = self.progress
        # A bulk call that failed on its only request needs no progress report.
        if progress is not None and (
            progress.done or progress.not_attempted or not progress.input_exhausted
        ):
            parts.append(str(progress))
        return "".join(f"\n  {part}" for part in parts)


class ApiError(YMarketError):
    """The API answered with an error status.

    ``status_code`` is the HTTP status, ``errors`` the ``(code, message)`` pairs
    of the body (empty when the body had none or did not parse), ``headers``
    the response headers and ``raw_text`` the body as text.
    """

    def __init__(
        self,
        status_code: int,
        errors: tuple[ErrorDetail, ...] = (),
        headers: Mapping[str, str] | None = None,
        raw_text: str = "",
        *,
        operation_id: str | None = None,
    ) -> None:
        super().__init__(status_code, errors)
        self._init_common(operation_id)
        self.status_code = status_code
        self.errors = errors
        self.headers: dict[str, str] = dict(headers or {})
        self.raw_text = raw_text

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (``Retry-After``), when it said so."""
        return parse_retry_after(self.headers)

    def __str__(self) -> str:
        head = f"{self.operation_id}: " if self.operation_id else ""
        if self.errors:
            detail = "; ".join(str(e) for e in self.errors)
        else:
            text = self.raw_text.strip()
            detail = (
                f"body: {text[:_RAW_TEXT_IN_MESSAGE]!r}"
                + ("..." if len(text) > _RAW_TEXT_IN_MESSAGE else "")
                if text
                else "empty body"
            )
        return f"{head}HTTP {self.status_code}: {detail}{self._suffix()}"


class BadRequestError(ApiError):
    """400: the request contains incorrect data."""


class UnauthorizedError(ApiError):
    """401: no credentials in the request."""


class ForbiddenError(ApiError):
    """403: the credentials are wrong or may not access the resource."""


class NotFoundError(ApiError):
    """404: the resource was not found."""


class RateLimitError(ApiError):
    """420: the access limit of the resource is exceeded.

    ``retry_after`` is the server's ``Retry-After`` when it sent one, else the
    time left until ``X-RateLimit-Resource-Until`` when the answer says the
    quota is spent (``X-RateLimit-Resource-Remaining: 0`` or no count): the
    documented headers, which Yandex sends on every answer. A 420 with quota
    remaining was refused for something else (too many requests in flight),
    so its window's end is not waited for: None, and the client backs off.
    """

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait before sending again, when the answer says (see the class)."""
        asked = parse_retry_after(self.headers)
        if asked is not None:
            return asked
        quota = quota_from_headers(self.headers)
        if quota is None or (quota.remaining is not None and quota.remaining > 0):
            return None
        return wait_after_refusal(self.headers)


class LockedError(ApiError):
    """423: the method cannot be applied to the resource now."""


class ServerError(ApiError):
    """5xx: an internal error of the Market (the request may or may not have been applied)."""


class UnexpectedResponseError(ApiError):
    """A success status whose body the client cannot understand (raw text kept).

    The server may have applied the request; the body did not say how.
    """


class TransportError(YMarketError):
    """The request failed on the way: a timeout or a connection failure.

    ``maybe_sent`` is False when the request certainly did not reach the server
    (connection refused, connect or pool timeout) and True when it may have
    been received and applied (read/write timeout, dropped connection).
    """

    def __init__(self, message: str, *, maybe_sent: bool, operation_id: str | None = None) -> None:
        super().__init__(message)
        self._init_common(operation_id)
        self.message = message
        self.maybe_sent = maybe_sent

    def __str__(self) -> str:
        head = f"{self.operation_id}: " if self.operation_id else ""
        sent = "may have been sent" if self.maybe_sent else "was not sent"
        return f"{head}{self.message} (the request {sent}){self._suffix()}"


class InsecureTransportError(ValueError):
    """Credentials would go over plain HTTP to a host that is not loopback."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    420: RateLimitError,
    423: LockedError,
}


def _error_details(content: bytes) -> tuple[ErrorDetail, ...]:
    """The ``errors`` of a body, tolerating anything (never raises)."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return ()
    if not isinstance(data, dict) or not isinstance(data.get("errors"), list):
        return ()
    details = []
    for item in data["errors"]:
        if isinstance(item, dict):
            code, message = item.get("code"), item.get("message")
            details.append(
                ErrorDetail(
                    "" if code is None else str(code), "" if message is None else str(message)
                )
            )
        else:
            details.append(ErrorDetail(str(item), ""))
    return tuple(details)


def api_error_from_response(
    status_code: int,
    content: bytes,
    headers: Mapping[str, str],
    *,
    operation_id: str | None = None,
) -> ApiError:
    """The typed error for an error answer; any body (JSON or not) is accepted."""
    if status_code in _BY_STATUS:
        cls = _BY_STATUS[status_code]
    elif 500 <= status_code <= 599:
        cls = ServerError
    elif 200 <= status_code <= 299:
        cls = UnexpectedResponseError
    else:
        cls = ApiError
    return cls(
        status_code,
        _error_details(content),
        headers,
        content.decode("utf-8", errors="replace"),
        operation_id=operation_id,
    )


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), None when absent or bad."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())
