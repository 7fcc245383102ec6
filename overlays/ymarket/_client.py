"""ymarket.Client and ymarket.AsyncClient: validated, paced, retried calls of the API.

Both call the generated endpoints (``ymarket_api.api.*``) with one generated
``AuthenticatedClient`` whose httpx client (one connection pool) they own.
They differ only in how they wait and send; everything else (checking,
building requests, reading answers) is shared in :mod:`ymarket._core`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Self

import httpx
import tenacity
from ymarket_api.errors import UnparseableResponse
from ymarket_api.models import OrderItemsModificationRequestReasonType
from ymarket_api.types import Response

from ymarket._bulk import BulkRun
from ymarket._core import (
    AllRemainingItems,
    Call,
    ChunkCallback,
    Converter,
    Core,
    LicenseInput,
    RateLimitSetting,
    env_kwargs,
    license_converter,
    plain,
    transport_error,
)
from ymarket._dates import TzLike
from ymarket._ratelimit import Clock, RateLimiter
from ymarket._retry import RetryPolicy, maybe_applied
from ymarket.errors import YMarketError
from ymarket.results import ChunkResult, DeleteOffersResult, LicensesResult, OrderItemsResult
from ymarket.validation import ValidationError

__all__ = ["AsyncClient", "Client"]

_CLIENT_DOC_ARGS = """
    Args:
        api_key: API key of the seller's account (header from the spec's ``ApiKey`` scheme).
        oauth_token: OAuth token instead (``Authorization: Bearer``). Give exactly one.
        base_url: API root; production by default.
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
        clock, sleep: injectable time source and sleep (tests).
"""


class Client:
    """Synchronous client of the Yandex Market Partner API.

    A context manager; one connection pool; safe to share between threads.
    """

    __doc__ = (__doc__ or "") + _CLIENT_DOC_ARGS

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
        transport: httpx.BaseTransport | None = None,
        allow_insecure_http: bool = False,
        log_bodies: bool = False,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._core = Core(
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
        )
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self._core.base_url,
            auth=self._core.auth,
            headers=self._core.headers,
            timeout=self._core.timeout,
            transport=transport,
        )
        self._api = self._core.api.set_httpx_client(self._http)

    @classmethod
    def from_env(cls, **kwargs: Any) -> Self:
        """A client from YANDEX_MARKET_API_KEY or YANDEX_MARKET_OAUTH_TOKEN (and _BASE_URL)."""
        return cls(**env_kwargs(kwargs))

    def __repr__(self) -> str:
        return self._core.describe(type(self).__name__)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter pacing this client (None when pacing is off)."""
        return self._core.limiter

    def _execute(self, call: Call) -> tuple[Response[Any], int, bool]:
        """The answer, the number of attempts, and whether one may have been applied before."""
        attempts = 0
        applied_before = False

        def attempt() -> Response[Any]:
            nonlocal attempts, applied_before
            attempts += 1
            try:
                return self._attempt(call, attempts)
            except YMarketError as exc:
                applied_before = applied_before or maybe_applied(exc)
                raise

        retrying = tenacity.Retrying(
            sleep=self._sleep,
            stop=self._core.stop(),
            wait=self._core.wait,
            retry=tenacity.retry_if_exception(self._core.retry_predicate(call)),
            before_sleep=self._core.before_sleep(call),
            reraise=True,
        )
        try:
            return retrying(attempt), attempts, applied_before
        except YMarketError as exc:
            exc.attempts = attempts
            raise

    def _attempt(self, call: Call, attempt: int) -> Response[Any]:
        bucket = self._core.bucket(call)
        spend = bucket.acquire(call.cost, self._sleep) if bucket is not None else None
        started = time.perf_counter()
        status: int | str = "error"
        try:
            try:
                response = call.send(self._api)
            except httpx.TransportError as exc:
                status = type(exc).__name__
                raise transport_error(exc, call.operation_id) from exc
            except UnparseableResponse as exc:
                status = exc.status_code
                response = self._core.unparseable(call, exc)
            status = response.status_code
        finally:
            if bucket is not None:
                bucket.leave(spend)
            self._core.log_attempt(call, attempt, status, started)
        return self._core.answer(call, response)

    def _bulk(
        self,
        operation_id: str,
        campaign_id: int,
        items: Iterable[Any],
        make_call: Callable[[int, list[Any]], Call],
        convert: Converter,
        on_chunk: ChunkCallback | None,
    ) -> list[ChunkResult]:
        run = self._core.prepare_sequence(
            operation_id, campaign_id, BulkRun(operation_id, items), convert
        )
        for start, chunk in run.reader:
            try:
                values = self._core.chunk_ready(
                    operation_id, campaign_id, run, start, chunk, convert
                )
                call = self._core.build(operation_id, make_call, campaign_id, values)
                response, attempts, applied_before = self._execute(call)
                not_deleted = (
                    self._core.not_deleted(call, response)
                    if operation_id == "deleteCampaignOffers"
                    else ()
                )
            except (YMarketError, ValidationError) as exc:
                run.attach(exc, start, chunk)
                raise
            run.done(
                ChunkResult(
                    operation_id,
                    len(run.chunks),
                    start,
                    tuple(values),
                    not_deleted,
                    response.status_code,
                    attempts,
                    applied_before,
                ),
                on_chunk,
            )
        return run.chunks

    def delete_campaign_offers(
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
        chunks = self._bulk(
            "deleteCampaignOffers",
            campaign_id,
            offer_ids,
            self._core.offers_call,
            plain,
            on_chunk,
        )
        return DeleteOffersResult(
            tuple(sku for chunk in chunks for sku in chunk.not_deleted), tuple(chunks)
        )

    def delete_outlet_licenses(
        self,
        campaign_id: int,
        ids: Iterable[int],
        *,
        on_chunk: ChunkCallback | None = None,
    ) -> LicensesResult:
        """Delete licenses by their Market-assigned ids (not license numbers); any number."""
        chunks = self._bulk(
            "deleteOutletLicenses",
            campaign_id,
            ids,
            self._core.delete_licenses_call,
            plain,
            on_chunk,
        )
        return LicensesResult(tuple(chunks))

    def update_outlet_licenses(
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
        chunks = self._bulk(
            "updateOutletLicenses",
            campaign_id,
            licenses,
            self._core.update_licenses_call,
            license_converter(tz),
            on_chunk,
        )
        return LicensesResult(tuple(chunks))

    def update_order_items(
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
        body = self._core.order_items_body(campaign_id, order_id, items, reason)
        call = self._core.order_items_call(campaign_id, order_id, body)
        response, attempts, _ = self._execute(call)
        return OrderItemsResult(
            campaign_id, order_id, tuple(body["items"]), response.status_code, attempts
        )


class AsyncClient:
    """Asynchronous client: the methods of :class:`Client` as coroutines.

    An async context manager; one connection pool; safe to share between tasks.
    """

    __doc__ = (__doc__ or "") + _CLIENT_DOC_ARGS

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
    ) -> None:
        self._core = Core(
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
        )
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self._core.base_url,
            auth=self._core.auth,
            headers=self._core.headers,
            timeout=self._core.timeout,
            transport=transport,
        )
        self._api = self._core.api.set_async_httpx_client(self._http)

    @classmethod
    def from_env(cls, **kwargs: Any) -> Self:
        """A client from YANDEX_MARKET_API_KEY or YANDEX_MARKET_OAUTH_TOKEN (and _BASE_URL)."""
        return cls(**env_kwargs(kwargs))

    def __repr__(self) -> str:
        return self._core.describe(type(self).__name__)

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
        return self._core.limiter

    async def _execute(self, call: Call) -> tuple[Response[Any], int, bool]:
        """The answer, the number of attempts, and whether one may have been applied before."""
        attempts = 0
        applied_before = False

        async def attempt() -> Response[Any]:
            nonlocal attempts, applied_before
            attempts += 1
            try:
                return await self._attempt(call, attempts)
            except YMarketError as exc:
                applied_before = applied_before or maybe_applied(exc)
                raise

        retrying = tenacity.AsyncRetrying(
            sleep=self._sleep,
            stop=self._core.stop(),
            wait=self._core.wait,
            retry=tenacity.retry_if_exception(self._core.retry_predicate(call)),
            before_sleep=self._core.before_sleep(call),
            reraise=True,
        )
        try:
            return await retrying(attempt), attempts, applied_before
        except YMarketError as exc:
            exc.attempts = attempts
            raise

    async def _attempt(self, call: Call, attempt: int) -> Response[Any]:
        bucket = self._core.bucket(call)
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
                response = self._core.unparseable(call, exc)
            status = response.status_code
        finally:
            if bucket is not None:
                bucket.leave(spend)
            self._core.log_attempt(call, attempt, status, started)
        return self._core.answer(call, response)

    async def _bulk(
        self,
        operation_id: str,
        campaign_id: int,
        items: Iterable[Any],
        make_call: Callable[[int, list[Any]], Call],
        convert: Converter,
        on_chunk: ChunkCallback | None,
    ) -> list[ChunkResult]:
        run = self._core.prepare_sequence(
            operation_id, campaign_id, BulkRun(operation_id, items), convert
        )
        for start, chunk in run.reader:
            try:
                values = self._core.chunk_ready(
                    operation_id, campaign_id, run, start, chunk, convert
                )
                call = self._core.build(operation_id, make_call, campaign_id, values)
                response, attempts, applied_before = await self._execute(call)
                not_deleted = (
                    self._core.not_deleted(call, response)
                    if operation_id == "deleteCampaignOffers"
                    else ()
                )
            except (YMarketError, ValidationError) as exc:
                run.attach(exc, start, chunk)
                raise
            run.done(
                ChunkResult(
                    operation_id,
                    len(run.chunks),
                    start,
                    tuple(values),
                    not_deleted,
                    response.status_code,
                    attempts,
                    applied_before,
                ),
                on_chunk,
            )
        return run.chunks

    async def delete_campaign_offers(
        self,
        campaign_id: int,
        offer_ids: Iterable[str],
        *,
        on_chunk: ChunkCallback | None = None,
    ) -> DeleteOffersResult:
        """Coroutine of :meth:`Client.delete_campaign_offers`."""
        chunks = await self._bulk(
            "deleteCampaignOffers",
            campaign_id,
            offer_ids,
            self._core.offers_call,
            plain,
            on_chunk,
        )
        return DeleteOffersResult(
            tuple(sku for chunk in chunks for sku in chunk.not_deleted), tuple(chunks)
        )

    async def delete_outlet_licenses(
        self,
        campaign_id: int,
        ids: Iterable[int],
        *,
        on_chunk: ChunkCallback | None = None,
    ) -> LicensesResult:
        """Coroutine of :meth:`Client.delete_outlet_licenses`."""
        chunks = await self._bulk(
            "deleteOutletLicenses",
            campaign_id,
            ids,
            self._core.delete_licenses_call,
            plain,
            on_chunk,
        )
        return LicensesResult(tuple(chunks))

    async def update_outlet_licenses(
        self,
        campaign_id: int,
        licenses: Iterable[LicenseInput],
        *,
        tz: TzLike | Mapping[int, TzLike] | None = None,
        on_chunk: ChunkCallback | None = None,
    ) -> LicensesResult:
        """Coroutine of :meth:`Client.update_outlet_licenses`.

        Licenses without ``id`` are never retried after an ambiguous failure.
        """
        chunks = await self._bulk(
            "updateOutletLicenses",
            campaign_id,
            licenses,
            self._core.update_licenses_call,
            license_converter(tz),
            on_chunk,
        )
        return LicensesResult(tuple(chunks))

    async def update_order_items(
        self,
        campaign_id: int,
        order_id: int,
        items: AllRemainingItems,
        *,
        reason: str | OrderItemsModificationRequestReasonType | None = None,
    ) -> OrderItemsResult:
        """Coroutine of :meth:`Client.update_order_items`: every item NOT listed is REMOVED."""
        body = self._core.order_items_body(campaign_id, order_id, items, reason)
        call = self._core.order_items_call(campaign_id, order_id, body)
        response, attempts, _ = await self._execute(call)
        return OrderItemsResult(
            campaign_id, order_id, tuple(body["items"]), response.status_code, attempts
        )
