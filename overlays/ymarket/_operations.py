"""One binding per operation of the spec: the table Client, AsyncClient, CLI and tests read.

A binding says, for one operationId, which generated endpoint module sends it
(``ymarket_api.api.*``), which generated model its body is built with (None:
the chunked field is a query parameter), how input items are converted, what
a chunk result holds, and how the answer becomes the method's result. What
the spec says (path, chunked field and its size, cost, repeatability) is read
from ``ymarket.spec``, never copied here.

Adding an operation: add it to the spec, regenerate, add its binding below and
a method in ``_async_client.py`` (the sync client is generated from it).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from types import ModuleType
from typing import Any, Generic, TypeAlias, TypeVar

import attrs
import orjson
from ymarket_api import AuthenticatedClient
from ymarket_api.api.assortment import delete_campaign_offers
from ymarket_api.api.orders import update_order_items
from ymarket_api.api.outlets import delete_outlet_licenses, update_outlet_licenses
from ymarket_api.errors import UnparseableResponse
from ymarket_api.models import (
    ApiResponseStatusType,
    DeleteCampaignOffersRequest,
    UpdateOrderItemRequest,
    UpdateOutletLicenseRequest,
)
from ymarket_api.types import Response

from ymarket._convert import (
    Converter,
    encode_json,
    license_converter,
    plain_converter,
    value_transform,
    values_transform,
)
from ymarket.errors import UnexpectedResponseError, api_error_from_response
from ymarket.results import (
    ChunkResult,
    DeleteOffersResult,
    LicensesResult,
    OrderItemsResult,
)
from ymarket.spec import Operation, operation

__all__ = [
    "BINDINGS",
    "DELETE_CAMPAIGN_OFFERS",
    "DELETE_OUTLET_LICENSES",
    "UPDATE_ORDER_ITEMS",
    "UPDATE_OUTLET_LICENSES",
    "Answer",
    "Binding",
    "BulkBinding",
    "Call",
    "Sent",
    "SingleBinding",
    "bulk_field_facts",
    "read_answer",
    "read_unparseable",
]

R = TypeVar("R")


# Call and Sent are made for every request and never changed: attrs.define, whose
# __init__ costs a third of a frozen class's.
@attrs.define
class Call:
    """One request, ready to send: the generated endpoint bound to its arguments."""

    operation_id: str
    campaign_id: int
    cost: int
    why_not_repeatable: str | None
    send: Callable[[AuthenticatedClient], Response[Any]]
    send_async: Callable[[AuthenticatedClient], Awaitable[Response[Any]]]
    body: Any
    path: str
    path_params: Mapping[str, int]


@attrs.define
class Sent:
    """The answer of a call, after how many attempts, and whether one was ambiguous.

    ``data`` is the answer's body read as JSON (None when it has none or it is not JSON).
    """

    response: Response[Any]
    data: Any
    attempts: int
    after_ambiguous: bool


Answer: TypeAlias = tuple[Response[Any], Any]
"""An accepted answer and its body read as JSON (see :func:`read_answer`)."""


@functools.cache
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _path(op: Operation, params: Mapping[str, int]) -> str:
    """The operation's path with its parameters filled in (for logs)."""
    path = op.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    return path


@functools.cache
def _chunked_field(operation_id: str) -> str:
    """The bulk field of an operation (read from the spec once per process)."""
    return operation(operation_id).chunking()[0]


@functools.cache
def bulk_field_facts(
    operation_id: str,
) -> tuple[int, bool, Callable[[Any], Any] | None, Callable[[list[Any]], list[Any]] | None, bool]:
    """What the spec says of an operation's bulk field (read once per process).

    (chunk size, whether items are unique, the server's transform of one item and of
    a list, whether the field is a query parameter). The server trims SKUs: the
    trimmed value is a SKU's identity (uniqueness, chunk accounting) and is what is
    sent; the value as given is what is checked.
    """
    op = operation(operation_id)
    field, size = op.chunking()
    field_schema = op.bulk_field_schema or {}
    return (
        size,
        bool(field_schema.get("uniqueItems")),
        value_transform(field_schema.get("items")),
        values_transform(field_schema.get("items")),
        any(p["in"] == "query" and p["name"] == field for p in op.parameters),
    )


def _answer_transform(operation_id: str) -> Callable[[Any], Any]:
    """How the server reads one value of the bulk field (str for SKUs without a transform)."""
    return bulk_field_facts(operation_id)[2] or str


@attrs.frozen
class Binding:
    """How one operation is sent: its generated endpoint and body model."""

    operation_id: str
    endpoint: ModuleType
    body_model: Any | None
    """The generated request model the endpoint also takes; None: the request is the query.

    The client hands the endpoint the checked body as JSON bytes instead (no model round trip).
    """

    @property
    def operation(self) -> Operation:
        """The operation as the spec describes it."""
        return operation(self.operation_id)

    def call(
        self, path_params: Mapping[str, int], request: dict[str, Any], encoded: bytes | None = None
    ) -> Call:
        """The call with ``request`` (the body, or the query of a body-less operation).

        ``request`` prices the call and says whether it is repeatable; ``encoded`` is
        the body already written as JSON by :func:`ymarket._convert.encode_json` (the
        check's encoding), else it is encoded here.
        """
        op = self.operation
        arguments: dict[str, Any] = {_snake(name): value for name, value in path_params.items()}
        if self.body_model is not None:
            # Checked against the spec's schema already: sent as JSON, no model round trip.
            arguments["body"] = encode_json(request) if encoded is None else encoded
        else:
            arguments.update({_snake(name): value for name, value in request.items()})
        endpoint = self.endpoint
        return Call(
            self.operation_id,
            path_params["campaignId"],
            1 if op.rate_limit is None else op.rate_limit.cost(request),
            op.repeat_blocker(request),
            # The answer is read from its content (read_answer): no response model.
            lambda api: endpoint.sync_detailed(client=api, parse=False, **arguments),
            lambda api: endpoint.asyncio_detailed(client=api, parse=False, **arguments),
            request,
            _path(op, path_params),
            path_params,
        )


@attrs.frozen
class BulkBinding(Binding, Generic[R]):
    """A bulk operation: its items are sent in chunks of the spec's maxItems."""

    converter: Callable[..., Converter]
    """The item converter, from the method's keyword options (``tz=``)."""
    chunk_holds: Callable[[Call, Sent], tuple[str, ...]]
    """What a chunk result's ``not_deleted`` holds, read from the chunk's answer."""
    result: Callable[[tuple[ChunkResult, ...]], R]
    parameter: str
    """The method's parameter that takes the items (named in errors)."""

    @property
    def chunked_field(self) -> str:
        """The body property or query parameter whose items are chunked."""
        return _chunked_field(self.operation_id)

    def chunk_call(self, campaign_id: int, values: list[Any], encoded: bytes | None = None) -> Call:
        """The call sending one chunk of checked values (``encoded``: its body as JSON)."""
        return self.call({"campaignId": campaign_id}, {self.chunked_field: values}, encoded)


@attrs.frozen
class SingleBinding(Binding, Generic[R]):
    """An operation sent in one request."""

    result: Callable[[Call, Sent], R]


def read_unparseable(call: Call, exc: UnparseableResponse) -> Response[Any]:
    """A 2xx whose body did not parse is read tolerantly later; other statuses raise."""
    if 200 <= exc.status_code <= 299:
        return Response(
            status_code=exc.status_code, content=exc.content, headers=dict(exc.headers), parsed=None
        )
    raise api_error_from_response(
        exc.status_code, exc.content, exc.headers, operation_id=call.operation_id
    ) from exc


def _nothing(call: Call, sent: Sent) -> tuple[str, ...]:
    del call, sent
    return ()


def _json(content: bytes) -> Any:
    """The body as JSON; None when it is not JSON."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        pass  # NaN, integers over 64 bits, ...: what json reads, read by json
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


_ERROR_STATUS = ApiResponseStatusType.ERROR.value


def read_answer(call: Call, response: Response[Any]) -> Answer:
    """A 2xx that does not say it failed, with its body read as JSON; the typed error
    of anything else."""
    if 200 <= response.status_code <= 299:
        data = _json(response.content) if response.content else None
        # A 200 whose body says ERROR failed: an error with the body's codes, not a success.
        if not (isinstance(data, dict) and data.get("status") == _ERROR_STATUS):
            return response, data
    raise api_error_from_response(
        response.status_code, response.content, response.headers, operation_id=call.operation_id
    )


def _unexpected(call: Call, response: Response[Any]) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        response.status_code,
        (),
        response.headers,
        response.content.decode("utf-8", errors="replace"),
        operation_id=call.operation_id,
    )


def _not_deleted(call: Call, sent: Sent) -> tuple[str, ...]:
    """notDeletedOfferIds of a deleteCampaignOffers answer, as the server reads SKUs.

    Whatever the published schema allows is read: ``result`` or the list null or
    absent (nothing kept), unknown fields and enum values.
    """
    data = sent.data
    result = data.get("result") if isinstance(data, dict) else None
    ids = result.get("notDeletedOfferIds") if isinstance(result, dict) else None
    if not isinstance(data, dict) or not isinstance(result, dict | None):
        raise _unexpected(call, sent.response)
    if not isinstance(ids, list | None):
        raise _unexpected(call, sent.response)
    transform = _answer_transform(call.operation_id)
    return tuple(str(transform(str(sku))) for sku in ids or ())


def _offers_result(chunks: tuple[ChunkResult, ...]) -> DeleteOffersResult:
    return DeleteOffersResult(tuple(sku for chunk in chunks for sku in chunk.not_deleted), chunks)


def _order_items_result(call: Call, sent: Sent) -> OrderItemsResult:
    return OrderItemsResult(
        call.campaign_id,
        call.path_params["orderId"],
        tuple(call.body["items"]),
        sent.response.status_code,
        sent.attempts,
    )


DELETE_CAMPAIGN_OFFERS = BulkBinding[DeleteOffersResult](
    "deleteCampaignOffers",
    delete_campaign_offers,
    DeleteCampaignOffersRequest,
    plain_converter,
    _not_deleted,
    _offers_result,
    parameter="offer_ids",
)
DELETE_OUTLET_LICENSES = BulkBinding[LicensesResult](
    "deleteOutletLicenses",
    delete_outlet_licenses,
    None,
    plain_converter,
    _nothing,
    LicensesResult,
    parameter="ids",
)
UPDATE_OUTLET_LICENSES = BulkBinding[LicensesResult](
    "updateOutletLicenses",
    update_outlet_licenses,
    UpdateOutletLicenseRequest,
    license_converter,
    _nothing,
    LicensesResult,
    parameter="licenses",
)
UPDATE_ORDER_ITEMS = SingleBinding[OrderItemsResult](
    "updateOrderItems", update_order_items, UpdateOrderItemRequest, _order_items_result
)

BINDINGS: Mapping[str, Binding] = {
    binding.operation_id: binding
    for binding in (
        DELETE_CAMPAIGN_OFFERS,
        DELETE_OUTLET_LICENSES,
        UPDATE_OUTLET_LICENSES,
        UPDATE_ORDER_ITEMS,
    )
}
"""Every operation of the spec by operationId (a test fails when one is missing)."""
