"""Turning what callers pass into checked JSON: conversions and the check before sending.

Generated models, mappings, enums and dates become JSON-ready data; license
dates become local midnight with the point of sale's offset. :func:`check`
runs the spec's schemas (``ymarket.validation``) over a request and raises
one :class:`ValidationError` with every problem.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeAlias

import orjson
from ymarket_api.models import (
    OrderItemModificationDTO,
    OrderItemsModificationRequestReasonType,
    OutletLicenseDTO,
)

from ymarket._dates import TzLike, license_datetime, zone_for
from ymarket.spec import operation
from ymarket.validation import (
    FormatWarning,
    Problem,
    ValidationError,
    _json_path,
    check_request,
)

__all__ = [
    "AllRemainingItems",
    "Converter",
    "LicenseInput",
    "OrderItemInput",
    "check",
    "encode_json",
    "json_problems",
    "license_converter",
    "license_to_json",
    "order_items_body",
    "plain",
    "refuse_non_sequence",
    "sendable_json",
    "to_json",
    "value_transform",
    "values_transform",
]

LicenseInput: TypeAlias = OutletLicenseDTO | Mapping[str, Any]
OrderItemInput: TypeAlias = OrderItemModificationDTO | Mapping[str, Any]
AllRemainingItems: TypeAlias = Sequence[OrderItemInput]
"""The COMPLETE new list of an order's items: any item not in it is removed from the order."""
Converter: TypeAlias = Callable[[Any, int, list[Problem]], Any]
"""Turns the item at an input position into JSON, adding what it cannot take to problems."""


_PLAIN_SCALARS = frozenset({str, int, bool, float, type(None)})


def to_json(
    value: Any,
    path: tuple[str | int, ...],
    problems: list[Problem],
    *,
    zone: datetime.tzinfo | None = None,
) -> Any:
    """``value`` (a generated model, mapping, list, date, enum, ...) as JSON-ready data.

    A ``datetime.date`` becomes local midnight in ``zone`` with its offset (license
    dates); without a zone it is a problem. A naive datetime gets ``zone``.
    """
    if type(value) in _PLAIN_SCALARS:  # most leaves: nothing to convert (exact types, no enums)
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, Mapping):
        value = to_dict()
    if isinstance(value, Mapping):
        return {str(k): to_json(v, (*path, str(k)), problems, zone=zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v, (*path, i), problems, zone=zone) for i, v in enumerate(value)]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None and zone is not None:
            value = value.replace(tzinfo=zone)
        return value.isoformat()
    if isinstance(value, datetime.date):
        if zone is None:
            problems.append(
                Problem(
                    "body",
                    _json_path(path),
                    "date-zone",
                    f"{value.isoformat()} is a date: pass tz= (the point of sale's UTC offset "
                    "or zone) to send it as local midnight with offset",
                )
            )
            return value.isoformat()
        return license_datetime(value, zone).isoformat()
    return value


def license_to_json(
    item: Any,
    index: int,
    problems: list[Problem],
    tz: TzLike | Mapping[int, TzLike] | None,
) -> Any:
    """One license (model or mapping) as JSON, dates turned into local midnight."""
    outlet = item.get("outletId") if isinstance(item, Mapping) else getattr(item, "outlet_id", None)
    try:
        zone = zone_for(tz, outlet)
    except ValueError as exc:
        problems.append(Problem("body", _json_path(("licenses", index)), "tz", str(exc)))
        zone = None
    return to_json(item, ("licenses", index), problems, zone=zone)


_TRANSFORMS: dict[str, Callable[[str], str]] = {
    # The server removes leading and trailing white space before using the value.
    "trim": str.strip,
}


def value_transform(schema: Mapping[str, Any] | None) -> Callable[[Any], Any] | None:
    """What the server does to a value of ``schema`` (its ``x-ymarket-transform``), or None.

    The result is the value's identity: two values equal after it are one value.
    """
    name = (schema or {}).get("x-ymarket-transform")
    if name is None:
        return None
    if name not in _TRANSFORMS:
        raise ValueError(f"unknown x-ymarket-transform {name!r} in the spec")
    transform = _TRANSFORMS[name]

    def apply(value: Any) -> Any:
        return transform(value) if isinstance(value, str) else value

    return apply


def values_transform(schema: Mapping[str, Any] | None) -> Callable[[list[Any]], list[Any]] | None:
    """:func:`value_transform` over a list (at C speed when every value is a string)."""
    one = value_transform(schema)
    if one is None:
        return None
    by_name = _TRANSFORMS[str((schema or {})["x-ymarket-transform"])]

    def many(values: list[Any]) -> list[Any]:
        try:
            return list(map(by_name, values))
        except TypeError:  # not every value is a string
            return [one(value) for value in values]

    return many


def plain(item: Any, index: int, problems: list[Problem]) -> Any:
    """The item as it is (SKUs and ids need no conversion)."""
    del index, problems
    return item


def plain_converter() -> Converter:
    """The converter of items sent as they are."""
    return plain


def license_converter(tz: TzLike | Mapping[int, TzLike] | None = None) -> Converter:
    """The converter of licenses, dates read in ``tz``."""

    def convert(item: Any, index: int, problems: list[Problem]) -> Any:
        return license_to_json(item, index, problems, tz)

    return convert


def refuse_non_sequence(operation_id: str, parameter: str, location: str, items: Any) -> None:
    """Refuse a str, bytes, mapping or set where a sequence of items is expected.

    Each is iterable, so it would pass as items: "12345" as five SKUs, a dict as its keys.
    """
    if isinstance(items, str | bytes | bytearray | Mapping | AbstractSet):
        raise ValidationError(
            operation_id,
            [
                Problem(
                    location,  # type: ignore[arg-type]
                    "$",
                    "type",
                    f"{parameter} must be a list (or another iterable) of items, "
                    f"not a {type(items).__name__}",
                )
            ],
        )


# Dates and dataclasses are refused by ``json`` (as they were by httpx): orjson must not
# write them either, so they go to ``json`` and fail there.
_AS_JSON_MODULE = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode_json(value: Any) -> bytes:
    """``value`` as the JSON bytes httpx's ``json=`` would send, encoded by orjson.

    orjson writes the same compact, non-ASCII-escaping form as httpx's
    ``json.dumps(ensure_ascii=False, separators=(",", ":"), allow_nan=False)`` for
    every body the spec allows (strings and integers; a test holds them byte-identical);
    what orjson refuses (integers over 64 bits) or writes differently (NaN as null,
    which httpx refuses) goes through ``json`` instead.
    """
    try:
        encoded = orjson.dumps(value, option=_AS_JSON_MODULE)
    except orjson.JSONEncodeError:
        encoded = b"null"
    # Only a None or a NaN/infinity writes null. The one-byte search (memchr) rules
    # it out for most bodies at a fraction of the cost of looking for the word.
    if b"n" not in encoded or b"null" not in encoded:
        return encoded
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def sendable_json(value: Any) -> bytes | None:
    """``value`` encoded as :func:`encode_json` does; None when JSON cannot carry it
    (NaN, infinity, lone surrogate, a type JSON has not)."""
    try:
        return encode_json(value)
    except (ValueError, UnicodeEncodeError, TypeError):
        return None


_DESCRIBES_OBJECTS: dict[int, tuple[Any, bool]] = {}


def _describes_objects(schema: Any) -> bool:
    if not schema or not (type(schema) is dict or isinstance(schema, Mapping)):
        return False
    # The spec's schemas live as long as the process: one answer per schema object.
    known = _DESCRIBES_OBJECTS.get(id(schema))
    if known is None or known[0] is not schema:
        if len(_DESCRIBES_OBJECTS) >= 1024:
            _DESCRIBES_OBJECTS.clear()  # schemas that are not the spec's: keep it bounded
        known = _DESCRIBES_OBJECTS[id(schema)] = (schema, "properties" in json.dumps(schema))
    return known[1]


def json_problems(
    location: str, value: Any, schema: Mapping[str, Any] | None, *, sendable: bool | None = None
) -> list[Problem]:
    """Keys the schema does not know, and values JSON cannot carry (NaN, infinities, lone
    surrogates), each with its path; empty when the value can be sent as it is.

    ``sendable``: whether :func:`sendable_json` already encoded ``value`` (None: find out).
    """
    if sendable is None:
        sendable = sendable_json(value) is not None
    if sendable and not _describes_objects(schema):
        return []
    problems: list[Problem] = []

    def problem(path: tuple[str | int, ...], rule: str, message: str) -> None:
        problems.append(Problem(location, _json_path(path), rule, message))  # type: ignore[arg-type]

    def walk(value: Any, schema: Any, path: tuple[str | int, ...]) -> None:
        if sendable and type(value) in _PLAIN_SCALARS:
            return  # a leaf of a sendable body: only keys are looked at
        # Exact types first: the ABC checks cost more than the rest of a walk of a body.
        schema = schema if type(schema) is dict or isinstance(schema, Mapping) else {}
        if type(value) is dict or (type(value) is not list and isinstance(value, Mapping)):
            known = schema.get("properties")
            for key, item in value.items():
                if isinstance(known, Mapping) and key not in known:
                    # Case-insensitive: "Id" for "id" is the typo to catch.
                    by_lower = {str(k).lower(): str(k) for k in known}
                    nearest = difflib.get_close_matches(str(key).lower(), by_lower, n=1)
                    hint = f"; did you mean {by_lower[nearest[0]]!r}?" if nearest else ""
                    problem((*path, str(key)), "unknown-key", f"{key!r} is not a known key{hint}")
                    continue
                walk(item, known.get(key) if isinstance(known, Mapping) else None, (*path, key))
            return
        if isinstance(value, list | tuple):
            if sendable and not _describes_objects(schema.get("items")):
                return  # a list of sendable scalars (SKUs, ids): nothing to look for
            for index, item in enumerate(value):
                walk(item, schema.get("items"), (*path, index))
        elif isinstance(value, float) and not math.isfinite(value):
            problem(path, "json", f"{value} cannot be sent as JSON")
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                problem(path, "json", "a lone surrogate cannot be sent as UTF-8")

    walk(value, schema, ())
    return problems


def check(
    operation_id: str,
    *,
    path_params: Mapping[str, Any],
    query_params: Mapping[str, Any] | None = None,
    body: Any = None,
    bulk: bool = False,
    extra: Sequence[Problem] = (),
) -> bytes | None:
    """Raise one ValidationError with ``extra`` and every problem the schemas find.

    Returns the body as the JSON bytes :func:`encode_json` writes (None without a
    body): the encoding that proved it sendable, reused by a caller sending it as checked.
    """
    op = operation(operation_id)
    encoded = None
    shape: list[Problem] = []
    if body is not None:
        encoded = sendable_json(body)
        shape.extend(
            json_problems("body", body, op.request_body_schema, sendable=encoded is not None)
        )
    if query_params is not None:
        shape.extend(json_problems("query", query_params, None))
    if shape and any(problem.rule == "json" for problem in shape):
        # Values JSON cannot carry are not given to the schema validator either.
        raise ValidationError(operation_id, [*extra, *shape])
    result = check_request(
        operation_id, path_params=path_params, query_params=query_params, body=body, bulk=bulk
    )
    for problem in result.warnings:
        warnings.warn(f"{operation_id}: {problem}", FormatWarning, stacklevel=4)
    if extra or shape or result.errors:
        extra = [*extra, *shape]
        # A value already refused by a conversion rule (a date without a zone) is not
        # reported a second time by the schema.
        seen = {problem.path for problem in extra}
        errors = [*extra, *(p for p in result.errors if p.path not in seen)]
        if errors:
            raise ValidationError(operation_id, errors)
    return encoded


def order_items_body(
    campaign_id: int,
    order_id: int,
    items: AllRemainingItems,
    reason: str | OrderItemsModificationRequestReasonType | None,
) -> tuple[dict[str, Any], bytes | None]:
    """The checked body of updateOrderItems, and its JSON bytes (the check's encoding)."""
    problems: list[Problem] = []
    refuse_non_sequence("updateOrderItems", "items", "body", items)
    if not isinstance(items, Sequence):
        raise ValidationError(
            "updateOrderItems",
            [Problem("body", "$", "type", "items must be a list of every item that stays")],
        )
    body: dict[str, Any] = {"items": to_json(list(items), ("items",), problems)}
    if reason is not None:
        body["reason"] = (
            reason.value if isinstance(reason, OrderItemsModificationRequestReasonType) else reason
        )
    encoded = check(
        "updateOrderItems",
        path_params={"campaignId": campaign_id, "orderId": order_id},
        body=body,
        extra=problems,
    )
    return body, encoded
