"""ymarket.AsyncClient: validated, paced, retried calls of the API, as coroutines.

``_async_client.py`` is the one source of both clients: ``_sync_client.py``
is generated from it by ``generator/unasync.py`` (``uv run python -m generator``).
Both call the generated endpoints (``ymarket_api.api.*``) with one generated
``AuthenticatedClient`` whose httpx client (one connection pool) they own.
What does not wait or send lives beside them: configuration in
:mod:`ymarket._config`, the operations in :mod:`ymarket._operations`, retries
in :mod:`ymarket._retry`, bulk bookkeeping in :mod:`ymarket._bulk`,
conversions in :mod:`ymarket._convert`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Self, TypeVar

import httpx
from ymarket_api.errors import UnparseableResponse
from ymarket_api.models import OrderItemsModificationRequestReasonType

from ymarket._bulk import BulkRun
from ymarket._config import AsyncCookielessClient, Config, RateLimitSetting, env_kwargs
from ymarket._convert import AllRemainingItems, LicenseInput, order_items_body
from ymarket._dates import TzLike
from ymarket._operations import (
    DELETE_CAMPAIGN_OFFERS,
    DELETE_OUTLET_LICENSES,
    UPDATE_ORDER_ITEMS,
    UPDATE_OUTLET_LICENSES,
    Answer,
    BulkBinding,
    Call,
    Sent,
    read_answer,
    read_unparseable,
)
from ymarket._ratelimit import Clock, Quota, RateLimiter
from ymarket._retry import Attempts, RetryPolicy, log_attempt, retry_hooks, transport_error
from ymarket.errors import YMarketError
from ymarket.results import ChunkResult, DeleteOffersResult, LicensesResult, OrderItemsResult

__all__ = ["AsyncClient"]

R = TypeVar("R")
ChunkCallback = Callable[[ChunkResult], object]


class AsyncClient:
    """Asynchronous client of the Yandex Market Partner API.

    An async context manager; one connection pool; safe to share between tasks.

    Args:
        api_key: API key of the seller's account (header from the spec's ``ApiKey`` scheme).
        oauth_token: OAuth token instead (``Authorization: Bearer``). Give exactly one.
        base_url: API root; ``$YANDEX_MARKET_BASE_URL`` when not given, else production.
            Plain HTTP only to loopback unless ``allow_insecure_http`` (a transport
            given explicitly is checked too: it may well reach the network).
        timeout: seconds or an ``httpx.Timeout`` (default 30 s, 10 s to connect).
        max_retries: retries after 5xx, timeouts and connection failures (default 3;
            0 disables every retry); only where repeating is safe. 420s have their own
            budget, ``RetryPolicy.max_rate_limit_retries`` (default 8).
        retry: the full :class:`RetryPolicy` (backoff, caps); ``max_retries`` overrides its count.
        rate_limit: ``True`` paces to each operation's default tier, a tier name
            (``"extended"``) to that tier, a :class:`RateLimiter` to share pacing between
            clients, ``False`` turns pacing off.
        transport: any httpx transport (tests, proxies).
        allow_insecure_http: allow plain HTTP to a host that is not loopback.
        log_bodies: log request bodies at DEBUG (off: they may be large).
        integration: the ``X-Market-Integration`` header naming the integration that
            sends the requests (default ``ymarket-partner/<version>``).
        deadline: seconds one request may take from its first attempt, retries and the
            waits between them included (default: none; ``RetryPolicy.max_total_wait``
            bounds the waits). No wait is started that would end after it; a request
            under way is bounded by ``timeout``.
        clock, sleep: the time source pacing and deadlines read and the sleep that
            waits for them (default ``time.monotonic`` and the real sleep): give a
            fake clock and a sleep advancing it (as the pytest fixtures
            ``ymarket_client``/``ymarket_async_client`` do) and quota waits cost
            no real time.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        oauth_token: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimitSetting = True,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_insecure_http: bool = False,
        log_bodies: bool = False,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        integration: str | None = None,
        deadline: float | None = None,
    ) -> None:
        self._config = Config(
            api_key=api_key,
            oauth_token=oauth_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            rate_limit=rate_limit,
            allow_insecure_http=allow_insecure_http,
            log_bodies=log_bodies,
            clock=clock,
            integration=integration,
            deadline=deadline,
        )
        if transport is None:
            self._config.check_env_proxy()
        self._sleep = sleep
        self._http = AsyncCookielessClient(**self._config.httpx_kwargs(), transport=transport)
        self._api = self._config.api.set_async_httpx_client(self._http)

    @classmethod
    def from_env(cls, **kwargs: Any) -> Self:
        """A client from YANDEX_MARKET_API_KEY or YANDEX_MARKET_OAUTH_TOKEN (and _BASE_URL)."""
        return cls(**env_kwargs(kwargs))

    def __repr__(self) -> str:
        return self._config.describe(type(self).__name__)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter pacing this client (None when pacing is off)."""
        return self._config.limiter

    def quota(self, operation_id: str, campaign_id: int) -> Quota | None:
        """What the API last said about a quota: ``limit``, ``remaining``, ``until``.

        Read from the ``X-RateLimit-Resource-*`` headers of the last answer of
        ``operation_id`` (an operationId such as ``"deleteCampaignOffers"``) for
        ``campaign_id`` seen by this client's limiter (shared limiters share it).
        None before such an answer, or when pacing is off.
        """
        limiter = self._config.limiter
        return limiter.quota(operation_id, campaign_id) if limiter is not None else None

    async def _execute(self, call: Call) -> Sent:
        """The answer of ``call``, retried as the policy allows.

        The first attempt runs bare; tenacity's loop is built only after a failure,
        which the loop is then handed as its first attempt.
        """
        attempts = Attempts()
        started = self._config.clock()
        try:
            with attempts as number:
                response, data = await self._attempt(call, number)
            return Sent(response, data, attempts.count, attempts.after_ambiguous)
        except YMarketError as exc:
            first_failure: YMarketError | None = exc

        async def attempt() -> Answer:
            nonlocal first_failure
            if first_failure is not None:
                failure, first_failure = first_failure, None
                raise failure
            with attempts as number:
                return await self._attempt(call, number)

        hooks = retry_hooks(
            self._config.policy,
            call,
            self._config.bucket(call.operation_id, call.campaign_id),
            clock=self._config.clock,
            deadline=self._config.deadline,
            started=started,
        )
        import tenacity  # loaded on the first failure (start-up)

        retrying = tenacity.AsyncRetrying(sleep=self._sleep, **hooks)
        with attempts.stamping():
            response, data = await retrying(attempt)
        return Sent(response, data, attempts.count, attempts.after_ambiguous)

    async def _attempt(self, call: Call, attempt: int) -> Answer:
        bucket = self._config.bucket(call.operation_id, call.campaign_id)
        spend = await bucket.acquire_async(call.cost, self._sleep) if bucket is not None else None
        started = time.perf_counter()
        status: int | str = "error"
        try:
            try:
                response = await call.send_async(self._api)
            except httpx.TransportError as exc:
                status = type(exc).__name__
                raise transport_error(exc, call.operation_id) from exc
            except UnparseableResponse as exc:
                status = exc.status_code
                response = read_unparseable(call, exc)
            status = response.status_code
            if bucket is not None:
                bucket.observe(response.headers)  # the quota the server states (client.quota)
        finally:
            if bucket is not None:
                bucket.leave(spend)
            log_attempt(call, attempt, status, started, log_bodies=self._config.log_bodies)
        return read_answer(call, response)

    async def _bulk(
        self,
        binding: BulkBinding[R],
        campaign_id: int,
        items: Iterable[Any],
        on_chunk: ChunkCallback | None,
        **options: Any,
    ) -> R:
        run = BulkRun(binding, campaign_id, items, **options)
        # The chunk under way and whether its request was; whatever ends the run
        # (an input iterator raising, Ctrl-C, cancellation) carries the progress.
        start, sent = 0, False
        chunk: list[Any] = []
        try:
            for start, chunk in run.reader:
                sent = False
                call = run.chunk_call(start, chunk)
                sent = True
                result = run.chunk_result(start, call, await self._execute(call))
                start, chunk, sent = start + len(chunk), [], False
                run.done(result, on_chunk)
        except BaseException as exc:
            run.attach(exc, start, chunk, sent=sent)
            raise
        return run.result()

    async def delete_campaign_offers(
        self,
        campaign_id: int,
        offer_ids: Iterable[str],
        *,
        on_chunk: ChunkCallback | None = None,
    ) -> DeleteOffersResult:
        """Remove SKUs from this store's assortment (any number; sent in chunks of maxItems).

        A list is checked whole before the first request (SKU rules, uniqueness);
        any other iterable is streamed and checked chunk by chunk. ``on_chunk`` is
        called after each accepted chunk. The result lists every SKU the server
        kept (not found, or stored in a Market warehouse). On a failure the raised
        error's ``progress`` says which SKUs were done and which were not.
        """
        return await self._bulk(DELETE_CAMPAIGN_OFFERS, campaign_id, offer_ids, on_chunk)

    async def delete_outlet_licenses(
        self,
        campaign_id: int,
        ids: Iterable[int],
        *,
        on_chunk: ChunkCallback | None = None,
    ) -> LicensesResult:
        """Delete licenses by their Market-assigned ids (not license numbers); any number."""
        return await self._bulk(DELETE_OUTLET_LICENSES, campaign_id, ids, on_chunk)

    async def update_outlet_licenses(
        self,
        campaign_id: int,
        licenses: Iterable[LicenseInput],
        *,
        tz: TzLike | Mapping[int, TzLike] | None = None,
        on_chunk: ChunkCallback | None = None,
    ) -> LicensesResult:
        """Create licenses (no ``id``) or change them (with ``id``); any number.

        Dates may be ``datetime.date``: they are sent as 00:00:00 local time of the
        point of sale with its UTC offset, from ``tz`` (a zone name, tzinfo or
        offset, or a mapping outletId -> zone). After an ambiguous failure a
        chunk with a license without ``id`` is NOT retried (it could be created
        twice); the error says so.
        """
        return await self._bulk(UPDATE_OUTLET_LICENSES, campaign_id, licenses, on_chunk, tz=tz)

    async def update_order_items(
        self,
        campaign_id: int,
        order_id: int,
        items: AllRemainingItems,
        *,
        reason: str | OrderItemsModificationRequestReasonType | None = None,
    ) -> OrderItemsResult:
        """REPLACE the order's items with ``items``: every item NOT listed is REMOVED.

        ``items`` is the complete list of what stays: each item's ``id`` and new
        ``count`` (0 removes it, a lower count reduces it), with ``instances``
        for labelled goods. Only for orders in PROCESSING/STARTED.
        """
        body, encoded = order_items_body(campaign_id, order_id, items, reason)
        path_params = {"campaignId": campaign_id, "orderId": order_id}
        call = UPDATE_ORDER_ITEMS.call(path_params, body, encoded)
        return UPDATE_ORDER_ITEMS.result(call, await self._execute(call))
