"""Value transforms the server applies before anything else (``x-ymarket-transform``).

The spec marks a schema with ``x-ymarket-transform: trim`` where the API trims
the value (Yandex's ``x-transform``: SKUs); the simulator applies the marks of
the compiled schema to a request body, so "SKU1" and " SKU1 " are one SKU.
A schema is compiled once into a function that walks only the parts of a
value holding a mark (a 500-SKU body is one ``map`` of ``str.strip``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from ymarket.spec import operations

__all__ = ["TRANSFORMS", "Transformer", "compile_transforms", "request_transformer", "transformed"]

#: Name of ``x-ymarket-transform`` -> what it does to a string.
TRANSFORMS: dict[str, Callable[[str], str]] = {"trim": str.strip}

#: A function returning a value with the marks of its schema applied (a new value).
Transformer = Callable[[Any], Any]


def _string(name: str) -> Transformer:
    if name not in TRANSFORMS:
        raise ValueError(f"unknown x-ymarket-transform {name!r}")
    apply = TRANSFORMS[name]
    return lambda value: apply(value) if isinstance(value, str) else value


def _items(each: Transformer, on_strings: Callable[[str], str] | None = None) -> Transformer:
    """``each`` over a list; ``on_strings`` (the string transform) mapped at C speed first."""

    def apply(value: Any) -> Any:
        if not isinstance(value, list):
            return value
        if on_strings is not None:
            try:
                return list(map(on_strings, value))
            except TypeError:  # not every item is a string
                pass
        return [each(v) for v in value]

    return apply


def _properties(by_name: dict[str, Transformer]) -> Transformer:
    def apply(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: by_name[k](v) if k in by_name else v for k, v in value.items()}

    return apply


def compile_transforms(schema: Mapping[str, Any]) -> Transformer | None:
    """The transformer of ``schema``; None when no part of it is marked."""
    name = schema.get("x-ymarket-transform")
    if name is not None:
        return _string(name)
    by_name = {
        key: found
        for key, sub in schema.get("properties", {}).items()
        if (found := compile_transforms(sub)) is not None
    }
    items = schema.get("items")
    each = compile_transforms(items) if items is not None else None
    on_strings = TRANSFORMS.get(items.get("x-ymarket-transform", "")) if items else None
    if by_name and each is not None:
        on_object, on_list = _properties(by_name), _items(each, on_strings)
        return lambda value: on_list(value) if isinstance(value, list) else on_object(value)
    if by_name:
        return _properties(by_name)
    return _items(each, on_strings) if each is not None else None


@cache
def request_transformer(operation_id: str) -> Transformer | None:
    """The transformer of the operation's request body (None: nothing marked)."""
    schema = operations()[operation_id].request_body_schema
    return compile_transforms(schema) if schema is not None else None


def transformed(schema: Mapping[str, Any], value: Any) -> Any:
    """``value`` with the transforms its ``schema`` marks applied."""
    transformer = compile_transforms(schema)
    return transformer(value) if transformer is not None else value
