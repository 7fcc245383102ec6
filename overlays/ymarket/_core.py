"""What Client and AsyncClient share: configuration, checks, requests, answers.

Everything here is independent of sync or async: turning inputs into checked
JSON, binding the generated endpoints (``ymarket_api.api.*``) to their
arguments, reading answers into typed errors or results, and the retry and
logging hooks. ``ymarket._client`` only adds how to wait and send.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
import warnings
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any, TypeAlias

import attrs
import httpx
import tenacity
from ymarket_api import AuthenticatedClient
from ymarket_api.api.assortment import delete_campaign_offers
from ymarket_api.api.orders import update_order_items
from ymarket_api.api.outlets import delete_outlet_licenses, update_outlet_licenses
from ymarket_api.errors import UnparseableResponse
from ymarket_api.models import (
    DeleteCampaignOffersRequest,
    DeleteCampaignOffersResponse,
    OrderItemModificationDTO,
    OrderItemsModificationRequestReasonType,
    OutletLicenseDTO,
    UpdateOrderItemRequest,
    UpdateOutletLicenseRequest,
)
from ymarket_api.types import Response, Unset

from ymarket._bulk import BulkRun, license_to_json, to_json
from ymarket._dates import TzLike
from ymarket._ratelimit import Clock, QuotaBucket, RateLimiter
from ymarket._retry import RetryPolicy, retries_exhausted, should_retry
from ymarket.errors import (
    RateLimitError,
    TransportError,
    UnexpectedResponseError,
    api_error_from_response,
)
from ymarket.results import ChunkResult
from ymarket.spec import compiled_spec, operation, spec_version
from ymarket.validation import FormatWarning, Problem, ValidationError, check_request

__all__ = [
    "DEFAULT_BASE_URL",
    "AllRemainingItems",
    "Call",
    "ChunkCallback",
    "Converter",
    "Core",
    "LicenseInput",
    "OrderItemInput",
    "RateLimitSetting",
    "env_kwargs",
    "license_converter",
    "plain",
    "transport_error",
]

logger = logging.getLogger("ymarket")

DEFAULT_BASE_URL: str = str(compiled_spec()["servers"][0])
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
ENV_API_KEY = "YANDEX_MARKET_API_KEY"
ENV_OAUTH_TOKEN = "YANDEX_MARKET_OAUTH_TOKEN"
ENV_BASE_URL = "YANDEX_MARKET_BASE_URL"

LicenseInput: TypeAlias = OutletLicenseDTO | Mapping[str, Any]
OrderItemInput: TypeAlias = OrderItemModificationDTO | Mapping[str, Any]
AllRemainingItems: TypeAlias = Sequence[OrderItemInput]
"""The COMPLETE new list of an order's items: any item not in it is removed from the order."""
RateLimitSetting: TypeAlias = bool | str | RateLimiter | None
ChunkCallback: TypeAlias = Callable[[ChunkResult], object]
Converter: TypeAlias = Callable[[Any, int, list[Problem]], Any]


class _CredentialAuth(httpx.Auth):
    """Adds the credential header to each request; never shows it."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"<credential header {self._header}: ***>"


def _credential(api_key: str | None, oauth_token: str | None) -> tuple[str, str, str]:
    """(kind, header, value) from the spec's securitySchemes."""
    if (api_key is None) == (oauth_token is None):
        raise ValueError("give exactly one of api_key= or oauth_token=")
    if not (api_key or oauth_token or "").strip():
        raise ValueError("the credential is empty")
    for scheme in compiled_spec()["securitySchemes"].values():
        if api_key is not None and scheme["type"] == "apiKey" and scheme["in"] == "header":
            return "api_key", str(scheme["name"]), api_key
        if (
            oauth_token is not None
            and scheme["type"] == "http"
            and scheme["scheme"].lower() == "bearer"
        ):
            return "oauth_token", "Authorization", f"Bearer {oauth_token}"
    raise ValueError("the spec has no security scheme for this kind of credential")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, allow_insecure_http: bool) -> None:
    from ymarket.errors import InsecureTransportError

    url = httpx.URL(base_url)
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise InsecureTransportError(
            f"refusing to send credentials over plain HTTP to {url.host!r}; use https, a "
            "loopback address, or allow_insecure_http=True"
        )
    if url.scheme not in ("http", "https"):
        raise ValueError(f"base_url must be http(s), got {base_url!r}")


def transport_error(exc: httpx.TransportError, operation_id: str) -> TransportError:
    # Connect errors and pool/connect timeouts happen before a byte is sent.
    not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return TransportError(
        f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
        maybe_sent=not not_sent,
        operation_id=operation_id,
    )


def _reason_value(reason: str | OrderItemsModificationRequestReasonType | None) -> str | None:
    if isinstance(reason, OrderItemsModificationRequestReasonType):
        return reason.value
    return reason


def _path(operation_id: str, **params: object) -> str:
    """The operation's path with its parameters filled in (for logs)."""
    path = operation(operation_id).path
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    return path


@attrs.frozen
class Call:
    """One request, ready to send: the generated endpoint bound to its arguments."""

    operation_id: str
    campaign_id: int
    cost: int
    unsafe_reason: str | None
    send: Callable[[AuthenticatedClient], Response[Any]]
    send_async: Callable[[AuthenticatedClient], Awaitable[Response[Any]]]
    body: Any
    path: str


class Core:
    """Configuration and everything that does not depend on sync or async."""

    def __init__(
        self,
        *,
        api_key: str | None,
        oauth_token: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        retry: RetryPolicy | None,
        rate_limit: RateLimitSetting,
        allow_insecure_http: bool,
        log_bodies: bool,
        clock: Clock,
    ) -> None:
        kind, header, value = _credential(api_key, oauth_token)
        self.credential_kind = kind
        self.auth = _CredentialAuth(header, value)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        _check_base_url(self.base_url, allow_insecure_http)
        self.timeout = (
            DEFAULT_TIMEOUT
            if timeout is None
            else (timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout))
        )
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = attrs.evolve(policy, max_retries=max_retries)
        if policy.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.policy = policy
        self.limiter: RateLimiter | None
        if isinstance(rate_limit, RateLimiter):
            self.limiter = rate_limit
        elif rate_limit is None or rate_limit is False:
            self.limiter = None
        else:
            self.limiter = RateLimiter(None if rate_limit is True else rate_limit, clock=clock)
        self.log_bodies = log_bodies
        self.headers = {"User-Agent": f"ymarket-partner/{spec_version()}"}
        # The generated client only builds the URL and parses; its token is never used
        # because the httpx client it is given adds the credential (see _CredentialAuth).
        self.api = AuthenticatedClient(base_url=self.base_url, token="")

    def describe(self, name: str) -> str:
        limits = "off" if self.limiter is None else repr(self.limiter.tier or "default")
        return (
            f"{name}(base_url={self.base_url!r}, credential={self.credential_kind}=***, "
            f"max_retries={self.policy.max_retries}, rate_limit={limits})"
        )

    def bucket(self, call: Call) -> QuotaBucket | None:
        return (
            None
            if self.limiter is None
            else self.limiter.bucket(call.operation_id, call.campaign_id)
        )

    # Checking before sending.
    @staticmethod
    def check(
        operation_id: str,
        *,
        path_params: Mapping[str, Any],
        query_params: Mapping[str, Any] | None = None,
        body: Any = None,
        bulk: bool = False,
        extra: Sequence[Problem] = (),
    ) -> None:
        result = check_request(
            operation_id, path_params=path_params, query_params=query_params, body=body, bulk=bulk
        )
        for problem in result.warnings:
            warnings.warn(f"{operation_id}: {problem}", FormatWarning, stacklevel=4)
        # A value already refused by a conversion rule (a date without a zone) is not
        # reported a second time by the schema.
        seen = {problem.path for problem in extra}
        errors = [*extra, *(p for p in result.errors if p.path not in seen)]
        if errors:
            raise ValidationError(operation_id, errors)

    # Building requests.
    def _call(
        self,
        operation_id: str,
        campaign_id: int,
        request: Mapping[str, Any],
        send: Callable[[AuthenticatedClient], Response[Any]],
        send_async: Callable[[AuthenticatedClient], Awaitable[Response[Any]]],
        **path_params: int,
    ) -> Call:
        """A call; ``request`` (the body, or the query for a body-less operation) prices it."""
        return Call(
            operation_id,
            campaign_id,
            self.cost(operation_id, request),
            self.unsafe_reason(operation_id, request),
            send,
            send_async,
            request,
            _path(operation_id, campaignId=campaign_id, **path_params),
        )

    def offers_call(self, campaign_id: int, offer_ids: list[Any]) -> Call:
        body = {"offerIds": offer_ids}
        model = DeleteCampaignOffersRequest.from_dict(body)
        return self._call(
            "deleteCampaignOffers",
            campaign_id,
            body,
            lambda api: delete_campaign_offers.sync_detailed(campaign_id, client=api, body=model),
            lambda api: delete_campaign_offers.asyncio_detailed(
                campaign_id, client=api, body=model
            ),
        )

    def delete_licenses_call(self, campaign_id: int, ids: list[Any]) -> Call:
        return self._call(
            "deleteOutletLicenses",
            campaign_id,
            {"ids": ids},
            lambda api: delete_outlet_licenses.sync_detailed(campaign_id, client=api, ids=ids),
            lambda api: delete_outlet_licenses.asyncio_detailed(campaign_id, client=api, ids=ids),
        )

    def update_licenses_call(self, campaign_id: int, licenses: list[Any]) -> Call:
        body = {"licenses": licenses}
        model = UpdateOutletLicenseRequest.from_dict(body)
        return self._call(
            "updateOutletLicenses",
            campaign_id,
            body,
            lambda api: update_outlet_licenses.sync_detailed(campaign_id, client=api, body=model),
            lambda api: update_outlet_licenses.asyncio_detailed(
                campaign_id, client=api, body=model
            ),
        )

    def order_items_call(self, campaign_id: int, order_id: int, body: dict[str, Any]) -> Call:
        model = UpdateOrderItemRequest.from_dict(body)
        return self._call(
            "updateOrderItems",
            campaign_id,
            body,
            lambda api: update_order_items.sync_detailed(
                campaign_id, order_id, client=api, body=model
            ),
            lambda api: update_order_items.asyncio_detailed(
                campaign_id, order_id, client=api, body=model
            ),
            orderId=order_id,
        )

    @staticmethod
    def cost(operation_id: str, body: Mapping[str, Any] | None) -> int:
        limits = operation(operation_id).rate_limit
        return 1 if limits is None else limits.cost(body)

    @staticmethod
    def unsafe_reason(operation_id: str, body: Any) -> str | None:
        """None when the request may be repeated after an ambiguous failure, else why not."""
        return operation(operation_id).repeat_blocker(body)

    # Reading answers.
    @staticmethod
    def answer(call: Call, response: Response[Any]) -> Response[Any]:
        """The response of a 2xx; the typed error of anything else."""
        if 200 <= response.status_code <= 299:
            return response
        raise api_error_from_response(
            response.status_code,
            response.content,
            response.headers,
            operation_id=call.operation_id,
        )

    @staticmethod
    def unparseable(call: Call, exc: UnparseableResponse) -> Response[Any]:
        """A 2xx whose body did not parse is read tolerantly later; other statuses raise."""
        if 200 <= exc.status_code <= 299:
            return Response(
                status_code=exc.status_code,
                content=exc.content,
                headers=dict(exc.headers),
                parsed=None,
            )
        raise api_error_from_response(
            exc.status_code, exc.content, exc.headers, operation_id=call.operation_id
        ) from exc

    @staticmethod
    def not_deleted(call: Call, response: Response[Any]) -> tuple[str, ...]:
        """notDeletedOfferIds of a deleteCampaignOffers answer, tolerating unknown enum values."""
        parsed = response.parsed
        if isinstance(parsed, DeleteCampaignOffersResponse):
            result = parsed.result
            if isinstance(result, Unset):
                return ()
            ids = result.not_deleted_offer_ids
            return () if isinstance(ids, Unset) or ids is None else tuple(ids)
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            data = None
        result_data = data.get("result") if isinstance(data, dict) else None
        ids_data = (
            result_data.get("notDeletedOfferIds", []) if isinstance(result_data, dict) else None
        )
        if isinstance(data, dict) and (result_data is None or isinstance(ids_data, list)):
            return tuple(str(i) for i in ids_data or ())
        raise UnexpectedResponseError(
            response.status_code,
            (),
            response.headers,
            response.content.decode("utf-8", errors="replace"),
            operation_id=call.operation_id,
        )

    # Retrying and logging.
    def wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return self.policy.wait(error or Exception(), state.attempt_number)

    def stop(self) -> Callable[[tenacity.RetryCallState], bool]:
        """A tenacity stop counting 420s and other failures against their own budgets."""
        counts = {"rate_limited": 0, "other": 0}

        def stop(state: tenacity.RetryCallState) -> bool:
            error = state.outcome.exception() if state.outcome else None
            counts["rate_limited" if isinstance(error, RateLimitError) else "other"] += 1
            return retries_exhausted(self.policy, counts["rate_limited"], counts["other"])

        return stop

    def retry_predicate(self, call: Call) -> Callable[[BaseException], bool]:
        def predicate(error: BaseException) -> bool:
            return should_retry(error, unsafe_reason=call.unsafe_reason, policy=self.policy)

        return predicate

    def before_sleep(self, call: Call) -> Callable[[tenacity.RetryCallState], None]:
        def hook(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            seconds = state.upcoming_sleep
            if isinstance(error, RateLimitError):
                bucket = self.bucket(call)
                if bucket is not None:  # every caller of this quota waits, not just this one
                    bucket.pause(seconds)
            logger.info(
                "%s: retry %d of %d in %.2f s after %s",
                call.operation_id,
                state.attempt_number,
                self.policy.max_retries,
                seconds,
                type(error).__name__ if error else "failure",
                extra={"operation": call.operation_id, "retry": state.attempt_number},
            )

        return hook

    def log_attempt(self, call: Call, attempt: int, status: int | str, started: float) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        op = operation(call.operation_id)
        logger.debug(
            "%s %s %s -> %s in %.3f s (attempt %d)%s",
            call.operation_id,
            op.method.upper(),
            call.path,
            status,
            time.perf_counter() - started,
            attempt,
            f" body={json.dumps(call.body, ensure_ascii=False)}" if self.log_bodies else "",
            extra={"operation": call.operation_id, "status": status, "attempt": attempt},
        )

    # Preparing bulk input.
    def check_bulk_field(
        self,
        operation_id: str,
        campaign_id: int,
        values: list[Any],
        *,
        bulk: bool,
        extra: Sequence[Problem],
    ) -> None:
        """Check a request whose bulk field (query parameter or body property) holds ``values``."""
        op = operation(operation_id)
        field = op.bulk_field or ""
        in_query = any(p["in"] == "query" and p["name"] == field for p in op.parameters)
        self.check(
            operation_id,
            path_params={"campaignId": campaign_id},
            query_params={field: values} if in_query else None,
            body=None if in_query else {field: values},
            bulk=bulk,
            extra=extra,
        )

    def chunk_ready(
        self,
        operation_id: str,
        campaign_id: int,
        run: BulkRun,
        start: int,
        chunk: list[Any],
        convert: Callable[[Any, int, list[Problem]], Any],
    ) -> list[Any]:
        """A chunk as JSON, checked when it was streamed (a sequence was checked whole)."""
        if run.prevalidated:
            return chunk
        problems: list[Problem] = []
        values = [convert(item, start + i, problems) for i, item in enumerate(chunk)]
        problems.extend(run.check_streamed_uniqueness(start, values))
        try:
            self.check_bulk_field(operation_id, campaign_id, values, bulk=False, extra=problems)
        except ValidationError as exc:
            exc.add_note(f"in the chunk starting at input position {start}")
            raise
        return values

    def prepare_sequence(
        self,
        operation_id: str,
        campaign_id: int,
        run: BulkRun,
        convert: Callable[[Any, int, list[Problem]], Any],
    ) -> BulkRun:
        """The run over the input; a sequence is converted and checked whole first."""
        if run.sequence is None:
            return run
        problems: list[Problem] = []
        # SKUs and ids need no conversion: one C-level copy instead of a call per item.
        values = (
            list(run.sequence)
            if convert is plain
            else [convert(item, i, problems) for i, item in enumerate(run.sequence)]
        )
        self.check_bulk_field(operation_id, campaign_id, values, bulk=True, extra=problems)
        return BulkRun(operation_id, values, prevalidated=True)

    @staticmethod
    def build(
        operation_id: str,
        make_call: Callable[[int, list[Any]], Call],
        campaign_id: int,
        values: list[Any],
    ) -> Call:
        """The call for checked values (a value the generated model cannot take is refused)."""
        try:
            return make_call(campaign_id, values)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValidationError(
                operation_id, [Problem("body", "$", "model", f"{type(exc).__name__}: {exc}")]
            ) from exc

    def order_items_body(
        self,
        campaign_id: int,
        order_id: int,
        items: AllRemainingItems,
        reason: str | OrderItemsModificationRequestReasonType | None,
    ) -> dict[str, Any]:
        problems: list[Problem] = []
        if isinstance(items, Mapping | str | bytes) or not isinstance(items, Sequence):
            raise TypeError("items must be a list of every item that stays in the order")
        body: dict[str, Any] = {"items": to_json(list(items), ("items",), problems)}
        if reason is not None:
            body["reason"] = _reason_value(reason)
        self.check(
            "updateOrderItems",
            path_params={"campaignId": campaign_id, "orderId": order_id},
            body=body,
            extra=problems,
        )
        return body


def plain(item: Any, index: int, problems: list[Problem]) -> Any:
    del index, problems
    return item


def license_converter(
    tz: TzLike | Mapping[int, TzLike] | None,
) -> Callable[[Any, int, list[Problem]], Any]:
    def convert(item: Any, index: int, problems: list[Problem]) -> Any:
        return license_to_json(item, index, problems, tz)

    return convert


def env_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    result = dict(kwargs)
    if "api_key" not in result and "oauth_token" not in result:
        api_key = os.environ.get(ENV_API_KEY)
        token = os.environ.get(ENV_OAUTH_TOKEN)
        if api_key:
            result["api_key"] = api_key
        elif token:
            result["oauth_token"] = token
        else:
            raise ValueError(f"set {ENV_API_KEY} or {ENV_OAUTH_TOKEN}")
    if "base_url" not in result and os.environ.get(ENV_BASE_URL):
        result["base_url"] = os.environ[ENV_BASE_URL]
    return result
