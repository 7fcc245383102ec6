"""The simulator: an ASGI app (Starlette) in front of :class:`~ymarket.simulator.state.State`.

The HTTP layer reads credentials, parses parameters and bodies by the compiled
spec, checks them with :mod:`ymarket.validation`, enforces the rate limits of
``x-ymarket-rate-limit`` and injects faults; the business rules live in the
state model. Control endpoints live under ``/__simulator__/``, outside the spec.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import secrets
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ymarket.simulator.clock import Clock, FakeClock, as_clock
from ymarket.simulator.dataset import Dataset, demo_dataset, state_document
from ymarket.simulator.errors import ApiError, SimulatorError, error_body
from ymarket.simulator.faults import Faults
from ymarket.simulator.handlers import HANDLERS, CheckedRequest
from ymarket.simulator.jsonbody import FastJSONResponse, decode_json
from ymarket.simulator.params import parse_parameters
from ymarket.simulator.quota import QuotaLedger, Refusal
from ymarket.simulator.state import Credential, CredentialKind, State
from ymarket.simulator.transforms import request_transformer
from ymarket.spec import RateLimitTier, operations
from ymarket.validation import Problem, request_validator

__all__ = [
    "CONTROL_PREFIX",
    "CONTROL_TOKEN_HEADER",
    "ApiFirst",
    "ConnectionDropped",
    "FakeClock",
    "RecordedRequest",
    "Simulator",
]

CONTROL_PREFIX = "/__simulator__"
#: Header carrying the control token (see ``Simulator.control_token``).
CONTROL_TOKEN_HEADER = "X-Simulator-Token"

Endpoint = Callable[[Request], Awaitable[Response]]

# Set by the uvicorn protocol of ``ymarket.simulator.server``: the socket of the
# request being served, so a dropped connection can really be closed.
current_transport: contextvars.ContextVar[asyncio.Transport | None] = contextvars.ContextVar(
    "ymarket_simulator_transport", default=None
)


class ConnectionDropped(Exception):
    """Raised by the app when a fault drops the connection; transports turn it into httpx's."""


# Headers holding credentials: the request log keeps them redacted.
_CREDENTIAL_HEADERS = frozenset({"api-key", "authorization"})
REDACTED = "<redacted>"
# Characters of a path that ``request.url.path`` escapes or drops: a path
# without them is recorded as is, without building the URL.
_URL_ESCAPED = frozenset("?#\\\t\r\n")


@attrs.define
class RecordedRequest:
    """One request the simulator received (the control API's are not recorded).

    ``operation_id`` is None for a path or method the spec does not have.
    ``headers`` has credentials (``Api-Key``, ``Authorization``) redacted.
    ``raw_body`` is the body as received (bytes, kept compactly); ``body`` is
    it read on access: the JSON value, the text when it is not JSON, or None.
    ``status`` is the answer's status (None when the connection was dropped).
    """

    operation_id: str | None
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    raw_body: bytes = b""
    status: int | None = None

    @classmethod
    def of(cls, request: Request, operation_id: str | None, raw_body: bytes) -> RecordedRequest:
        """The record of ``request`` (credentials redacted)."""
        path: str = request.scope["path"]
        if not path.startswith("/") or _URL_ESCAPED.intersection(path):
            path = request.url.path  # escaped or cleaned by Starlette's URL
        return cls(
            operation_id=operation_id,
            method=request.method,
            path=path,
            query=list(request.query_params.multi_items()),
            headers={
                name: REDACTED if name in _CREDENTIAL_HEADERS else value
                for name, value in request.headers.items()
            },
            raw_body=raw_body,
        )

    @property
    def body(self) -> Any:
        """The body: its JSON value, else its text, else None (empty)."""
        if not self.raw_body.strip():
            return None
        try:
            return decode_json(self.raw_body)
        except ValueError:
            return self.raw_body.decode("utf-8", "replace")

    def to_json(self) -> dict[str, Any]:
        """The record as the control API shows it."""
        return {
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
        }


def error_response(
    error: ApiError | SimulatorError, message: str = "", **headers: str
) -> FastJSONResponse:
    """The spec's error body (``ApiErrorResponse``) with one error.

    ``error`` is a code of the catalogue (with ``message``) or a raised refusal.
    """
    if isinstance(error, ApiError):
        error = error.error(message)
    return FastJSONResponse(
        error_body([(error.code, error.message)]), status_code=error.status, headers=headers
    )


def _problems_response(problems: list[Problem]) -> FastJSONResponse:
    code = ApiError.BAD_REQUEST
    return FastJSONResponse(
        error_body([(code.code, str(p)) for p in problems]), status_code=code.status
    )


def _credentials(request: Request) -> tuple[CredentialKind, str] | None:
    api_key = request.headers.get("api-key", "").strip()
    if api_key:
        return "api-key", api_key
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "oauth", token.strip()
    return None


class Simulator:
    """A stateful simulator of the four operations, with the demo dataset by default.

    ``clock`` is a :class:`~ymarket.simulator.clock.Clock` (:class:`FakeClock`
    in tests) or a zero-argument callable returning real-time seconds
    (``time.monotonic`` by default). Thread-safe: requests are applied one at
    a time.
    """

    def __init__(
        self,
        dataset: Dataset | None = None,
        clock: Clock | Callable[[], float] | None = None,
        *,
        max_recorded_requests: int = 10_000,
        max_body_bytes: int = 1 << 20,
        control_token: str | None = None,
    ) -> None:
        self.dataset = dataset if dataset is not None else demo_dataset()
        self.clock: Clock = as_clock(clock)
        self.faults = Faults()
        #: Requests received, oldest first; a long-running server keeps the
        #: newest ``max_recorded_requests`` (at least) and forgets older ones.
        self.requests: list[RecordedRequest] = []
        self.max_recorded_requests = max_recorded_requests
        #: Bodies larger than this are answered 400 without being read further.
        self.max_body_bytes = max_body_bytes
        #: When set, the control API answers only requests with the header
        #: ``X-Simulator-Token: <token>`` (set when serving beyond loopback).
        self.control_token = control_token
        self.state: State = self.dataset.build_state()
        #: Quotas of ``x-ymarket-rate-limit`` spent so far (on ``clock``).
        self.rate_limits = QuotaLedger(self.clock)
        # Wall time of the clock's zero: ``X-RateLimit-Resource-Until`` is a date.
        self._wall_offset = time.time() - self.clock()
        self._last_http_dates: list[tuple[float, str]] = [(float("nan"), "")] * 2
        self._lock = threading.RLock()
        self.app = self._build_app()

    # -- public API -----------------------------------------------------------

    def reset(self) -> None:
        """Back to the dataset's initial state: state, rate limits, faults and request log."""
        with self._lock:
            self.state = self.dataset.build_state()
            self.rate_limits.reset()
            self.faults.clear()
            self.requests.clear()

    def requests_for(self, operation_id: str) -> list[RecordedRequest]:
        """The recorded requests of one operation."""
        return [r for r in self.requests if r.operation_id == operation_id]

    def sync_transport(self) -> httpx.BaseTransport:
        """An httpx transport running the app in-process, for ``httpx.Client``."""
        return SyncASGITransport(self.app)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport running the app in-process, for ``httpx.AsyncClient``."""
        return AsyncASGITransport(self.app)

    # -- app ------------------------------------------------------------------

    def _build_app(self) -> ApiFirst:
        by_path: dict[str, dict[str, str]] = defaultdict(dict)
        for op in operations().values():
            by_path[op.path][op.method.upper()] = op.operation_id
        api_routes = [
            Route(path, self._path_endpoint(methods), methods=list(methods))
            for path, methods in by_path.items()
        ]
        # Starlette keeps the API routes too: a wrong method on an API path is its 405.
        starlette = Starlette(
            routes=[*api_routes, *self._control_routes()],
            exception_handlers={HTTPException: self._http_exception},
        )
        return ApiFirst(api_routes, starlette)

    def _path_endpoint(self, methods: dict[str, str]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self._serve(request, methods[request.method])

        return endpoint

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(record)
            # Trim in halves so a busy server does not copy the log on every request.
            if len(self.requests) > 2 * self.max_recorded_requests:
                del self.requests[: -self.max_recorded_requests]

    async def _read_body(self, request: Request) -> bytes | None:
        """The body, or None when it is larger than ``max_body_bytes`` (not read further)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> Response:
        return error_response(
            ApiError.BAD_REQUEST, f"body $: size: larger than {self.max_body_bytes} bytes"
        )

    async def _latency(self) -> None:
        # No latency, no sleep: an answer without a pause is computed without
        # yielding, so calls do not pile up in flight on a busy server.
        seconds = self.faults.latency_seconds
        if seconds:
            await self.clock.sleep(seconds)

    async def _serve(self, request: Request, operation_id: str) -> Response:
        raw = await self._read_body(request)
        record = RecordedRequest.of(request, operation_id, raw or b"")
        self._record(record)
        if raw is None:
            refused = self._too_large()
            record.status = refused.status_code
            _append_headers(refused, self._quota_headers(request, operation_id))
            return refused
        body = _RequestBody.read(raw)
        decision = self.faults.decide()
        response: Response
        if decision == "rate-limit":
            response = error_response(ApiError.LIMIT_EXCEEDED, "rate limit burst (fault injection)")
        elif decision in ("error", "drop") and not self.faults.settings.after_processing:
            await self._latency()
            response = await self._fault(decision)
        else:
            response = await self._handle(request, operation_id, body)
            if decision in ("error", "drop"):
                response = await self._fault(decision)
            elif decision == "malformed":
                response = Response(
                    self.faults.malformed_body(),
                    status_code=200,
                    media_type="application/json",
                )
        # A dropped connection has no answer (uvicorn never sends this response).
        record.status = None if decision == "drop" else response.status_code
        _append_headers(response, self._quota_headers(request, operation_id))
        return response

    def _quota_headers(self, request: Request, operation_id: str) -> dict[str, str]:
        """``X-RateLimit-Resource-*`` of the operation's quota for the path's campaign.

        An unreadable or unknown campaign has spent nothing: its default tier, full.
        """
        limit = operations()[operation_id].rate_limit
        if limit is None:
            return {}
        raw = str(request.path_params.get("campaignId", ""))
        campaign_id = int(raw) if raw.isdigit() else 0
        campaign = self.state.campaigns.get(campaign_id)
        tier = limit.tier(campaign.rate_limit_tier if campaign is not None else None)
        standing = self.rate_limits.standing(campaign_id, operation_id, tier)
        headers = {
            "X-RateLimit-Resource-Limit": str(standing.limit),
            "X-RateLimit-Resource-Remaining": str(standing.remaining),
            "X-RateLimit-Resource-Until": self._http_date(standing.until),
        }
        # "Until" is a date on the simulator's clock (fake or scaled ones included):
        # the answer's Date on the same clock lets a client measure the wait. Served,
        # uvicorn's own Date header is off (server.config), so there is one.
        headers["Date"] = self._http_date(float(int(self.clock())), slot=1)
        return headers

    def _http_date(self, seconds: float, slot: int = 0) -> str:
        """The HTTP date of ``seconds`` on the clock, the last one of each ``slot``
        remembered (a window's end is the same for every request inside it, and
        "now" for every request of one second)."""
        last = self._last_http_dates[slot]
        if last[0] != seconds:
            when = datetime.datetime.fromtimestamp(self._wall_offset + seconds, tz=datetime.UTC)
            last = self._last_http_dates[slot] = (seconds, _http_date(when))
        return last[1]

    async def _fault(self, decision: str) -> Response:
        if decision == "error":
            return error_response(ApiError.INTERNAL_ERROR, "internal error (fault injection)")
        transport = current_transport.get()
        if transport is None:
            raise ConnectionDropped("connection dropped (fault injection)")
        transport.abort()
        # Let the server notice the closed socket before the app returns.
        for _ in range(3):
            await asyncio.sleep(0)
        return Response(status_code=499)

    async def _handle(self, request: Request, operation_id: str, body: _RequestBody) -> Response:
        checked = self._check(request, operation_id, body)
        if isinstance(checked, Response):
            await self._latency()
            return checked
        tier = self._tier(checked)
        campaign_id = checked.campaign.id
        refusal = self.rate_limits.enter(campaign_id, operation_id, tier)
        if refusal is not None:
            return _refused(refusal)
        try:
            await self._latency()
            with self._lock:
                return HANDLERS[operation_id](self.state, checked)
        except SimulatorError as error:
            return error_response(error)
        finally:
            self.rate_limits.leave(campaign_id, operation_id)

    def _tier(self, checked: CheckedRequest) -> RateLimitTier | None:
        limit = checked.operation.rate_limit
        return limit.tier(checked.campaign.rate_limit_tier) if limit is not None else None

    def _check(
        self, request: Request, operation_id: str, raw: _RequestBody
    ) -> CheckedRequest | Response:
        """Credentials, parameters, body and campaign, in the order the API checks them."""
        op = operations()[operation_id]
        sent = _credentials(request)
        if sent is None:
            return error_response(
                ApiError.UNAUTHORIZED,
                "no credentials: send an API key in the Api-Key header "
                "or an OAuth token as Authorization: Bearer <token>",
            )
        with self._lock:
            state = self.state
            try:
                credential: Credential = state.credential(*sent)
                state.check_scope(credential, operation_id)
            except SimulatorError as error:
                return error_response(error)
        parsed = parse_parameters(
            operation_id,
            {k: str(v) for k, v in request.path_params.items()},
            list(request.query_params.multi_items()),
        )
        body: Any = None
        problems = list(parsed.problems)
        if op.request_body_schema is not None:
            body, body_problem = _parse_body(request, raw)
            if body_problem is not None:
                return _problems_response([*problems, body_problem])
        validator = request_validator(operation_id)
        check = validator.check(path_params=parsed.path, query_params=parsed.query, body=body)
        if problems:
            # Unreadable parameters are left out of ``parsed``; skip the "required"
            # errors that causes and keep the body's problems.
            problems += [p for p in check.errors if p.location == "body"]
        else:
            problems = list(check.errors)
        transformer = request_transformer(operation_id)
        if not problems and transformer is not None:
            # The body as sent is valid; the server then applies its transforms
            # (trim), and the result must be valid too (SKUs equal once trimmed
            # are one SKU listed twice).
            sent, body = body, transformer(body)
            if body != sent:
                check = validator.check(
                    path_params=parsed.path, query_params=parsed.query, body=body
                )
                problems = list(check.errors)
        if problems:
            return _problems_response(problems)
        with self._lock:
            try:
                campaign = self.state.campaign_for(
                    credential, operation_id, parsed.path["campaignId"]
                )
            except SimulatorError as error:
                return error_response(error)
        limit = op.rate_limit
        if limit is not None:
            tier = limit.tier(campaign.rate_limit_tier)
            refusal = self.rate_limits.spend(
                campaign.id,
                operation_id,
                tier,
                # An operation without a body counts items of its query (``ids``).
                limit.cost(body if body is not None else parsed.query),
                limit.unit,
            )
            if refusal is not None:
                return _refused(refusal)
        return CheckedRequest(op, campaign, parsed.path, parsed.query, body)

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        """404 and 405 with the spec's error body; recorded like API requests."""
        assert isinstance(exc, HTTPException)
        code = {404: ApiError.NOT_FOUND, 405: ApiError.METHOD_NOT_ALLOWED}.get(
            exc.status_code, ApiError.ERROR
        )
        message = {
            404: f"no operation at {request.url.path}",
            405: f"{request.method} is not allowed on {request.url.path}",
        }.get(exc.status_code, str(exc.detail))
        if not request.url.path.startswith(CONTROL_PREFIX):
            record = RecordedRequest.of(request, None, await self._read_body(request) or b"")
            record.status = exc.status_code
            self._record(record)
        return error_response(code.error(message, status=exc.status_code), **(exc.headers or {}))

    # -- control API ----------------------------------------------------------

    def _control_routes(self) -> list[Route]:
        async def faults(request: Request) -> Response:
            if request.method == "PUT":
                try:
                    document = decode_json(await request.body() or b"{}")
                    if not isinstance(document, dict):
                        raise ValueError("send a JSON object of fault settings")
                    self.faults.configure_from_json(document)
                except ValueError as error:
                    return error_response(ApiError.BAD_REQUEST, str(error))
            elif request.method == "DELETE":
                self.faults.clear()
            return FastJSONResponse(self.faults.settings.to_json())

        async def reset(request: Request) -> Response:
            self.reset()
            return FastJSONResponse({"status": "OK"})

        async def requests(request: Request) -> Response:
            if request.method == "DELETE":
                with self._lock:
                    self.requests.clear()
            with self._lock:
                recorded = [r.to_json() for r in self.requests]
            return FastJSONResponse(recorded)

        async def campaign(request: Request) -> Response:
            try:
                campaign_id = int(request.path_params["campaignId"])
                document = decode_json(await request.body() or b"{}")
                found = self.state.campaigns[campaign_id]
                if set(document) - {"locked"} or not isinstance(document.get("locked"), bool):
                    raise ValueError('send {"locked": true|false}')
            except KeyError:
                return error_response(ApiError.CAMPAIGN_NOT_FOUND, "no such campaign")
            except ValueError as error:
                return error_response(ApiError.BAD_REQUEST, str(error))
            with self._lock:
                found.locked = document["locked"]
            return FastJSONResponse({"id": found.id, "locked": found.locked})

        async def clock(request: Request) -> Response:
            if not self.clock.can_advance:
                return error_response(ApiError.BAD_REQUEST, "the simulator runs on a real clock")
            try:
                seconds = float(decode_json(await request.body())["seconds"])
                self.clock.advance(seconds)
            except (ValueError, KeyError, TypeError) as error:
                return error_response(ApiError.BAD_REQUEST, f'send {{"seconds": N}}: {error}')
            return FastJSONResponse({"now": self.clock()})

        async def dataset(request: Request) -> Response:
            return Response(self.dataset.to_json(), media_type="application/json")

        async def state(request: Request) -> Response:
            with self._lock:
                document = state_document(self.state)
            return FastJSONResponse(document)

        p = CONTROL_PREFIX
        return [
            Route(f"{p}/faults", self._guarded(faults), methods=["GET", "PUT", "DELETE"]),
            Route(f"{p}/reset", self._guarded(reset), methods=["POST"]),
            Route(f"{p}/requests", self._guarded(requests), methods=["GET", "DELETE"]),
            Route(f"{p}/campaigns/{{campaignId}}", self._guarded(campaign), methods=["PATCH"]),
            Route(f"{p}/clock/advance", self._guarded(clock), methods=["POST"]),
            Route(f"{p}/dataset", self._guarded(dataset), methods=["GET"]),
            Route(f"{p}/state", self._guarded(state), methods=["GET"]),
        ]

    def _guarded(self, endpoint: Endpoint) -> Endpoint:
        """``endpoint`` answering only with the control token (when one is set)."""

        async def guarded(request: Request) -> Response:
            token = self.control_token
            if token is not None and not secrets.compare_digest(
                request.headers.get(CONTROL_TOKEN_HEADER, ""), token
            ):
                return error_response(
                    ApiError.UNAUTHORIZED,
                    f"the control API needs the header {CONTROL_TOKEN_HEADER} "
                    "(printed when the simulator started)",
                )
            return await endpoint(request)

        return guarded


class ApiFirst:
    """The simulator's ASGI app: the spec's operations answered directly, the rest by Starlette.

    A request matching an API route (path and method) goes straight to its
    endpoint, without Starlette's middleware stack and router: on the small
    operations they were about a third of the simulator's time per request.
    Everything else (the control API, 404, 405, lifespan) is Starlette's, whose
    attributes (``routes``, ``state``) ``ApiFirst`` also shows.
    The endpoints raise no ``HTTPException``; an unexpected error propagates
    to the server, which answers 500 as Starlette's error middleware would.
    """

    def __init__(self, api_routes: list[Route], fallback: Starlette) -> None:
        self._api_routes = api_routes
        #: The Starlette app serving everything that is not an API operation.
        self.fallback = fallback

    def __getattr__(self, name: str) -> Any:
        # ``Simulator.app`` was the Starlette app: its attributes (routes, state) still read.
        if name == "fallback":  # not set yet (a copy being built)
            raise AttributeError(name)
        return getattr(self.fallback, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self._api_routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    response = await route.endpoint(Request(scope, receive))
                    await response(scope, receive, send)
                    return
        await self.fallback(scope, receive, send)


def _append_headers(response: Response, headers: dict[str, str]) -> None:
    """``headers`` added to ``response``, which has none of them (no search and replace)."""
    response.raw_headers.extend(
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    )


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _http_date(when: datetime.datetime) -> str:
    """``email.utils.format_datetime(when, usegmt=True)`` of a UTC ``when``: the same
    text in one formatting (a third of the time; up to twice per answer)."""
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (  # noqa: UP031 (faster than f"")
        _WEEKDAYS[when.weekday()],
        when.day,
        _MONTHS[when.month - 1],
        when.year,
        when.hour,
        when.minute,
        when.second,
    )


def _refused(refusal: Refusal) -> Response:
    return error_response(ApiError.LIMIT_EXCEEDED, refusal.message)


@attrs.frozen
class _RequestBody:
    """A request body, decoded once: the JSON value, or why it is not JSON."""

    raw: bytes
    value: Any
    error: str | None

    @classmethod
    def read(cls, raw: bytes) -> _RequestBody:
        if not raw.strip():
            return cls(raw, None, "empty")
        try:
            return cls(raw, decode_json(raw), None)
        except ValueError as error:
            return cls(raw, None, str(error))


def _parse_body(request: Request, body: _RequestBody) -> tuple[Any, Problem | None]:
    if not body.raw.strip():
        return None, Problem("body", "$", "required", "a JSON request body is required")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return None, Problem(
            "body",
            "$",
            "content-type",
            f"send the body as application/json, not {media_type or 'no content type'}",
        )
    if body.error is not None:
        return None, Problem("body", "$", "json", f"not valid JSON: {body.error}")
    return body.value, None


# -- in-process transports -----------------------------------------------------


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """httpx's ASGI transport, with dropped connections raised as httpx errors."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
            await response.aread()
        except ConnectionDropped as error:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from error
        return response


class SyncASGITransport(httpx.BaseTransport):
    """Runs the ASGI app in-process for a sync httpx.Client (no socket).

    Requests run on one event loop in a daemon thread, started on first use and
    stopped by ``close()``: a fresh loop per request would cost more than the
    simulator's own work, and the sync client also works inside async tests.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._async = AsyncASGITransport(app)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="ymarket-simulator-loop", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                # A transport dropped without close() still stops its thread.
                self._finalizer = weakref.finalize(self, _stop_loop, loop, thread)
            return self._loop

    def close(self) -> None:
        """Stop the loop thread (a later request starts a new one)."""
        with self._start_lock:
            started = self._loop is not None
            self._loop = self._thread = None
        if started and self._finalizer is not None:
            self._finalizer()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        inner = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=content,
            extensions=request.extensions,
        )

        async def call() -> tuple[int, httpx.Headers, bytes]:
            response = await self._async.handle_async_request(inner)
            return response.status_code, response.headers, response.content

        try:
            future = asyncio.run_coroutine_threadsafe(call(), self._running_loop())
            status, headers, body = future.result()
        except httpx.TransportError as error:
            error.request = request
            raise
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(body), request=request
        )


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    if thread is threading.current_thread():
        return  # collected on its own loop thread: the loop stops after this callback
    thread.join()
    loop.close()
