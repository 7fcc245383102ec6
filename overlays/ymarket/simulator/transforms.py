"""Value transforms the server applies before anything else (``x-ymarket-transform``).

The spec marks a schema with ``x-ymarket-transform: trim`` where the API trims
the value (Yandex's ``x-transform``: SKUs); the simulator applies the marks of
the compiled schema to a request body, so "SKU1" and " SKU1 " are one SKU.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["TRANSFORMS", "transformed"]

#: Name of ``x-ymarket-transform`` -> what it does to a string.
TRANSFORMS: dict[str, Callable[[str], str]] = {"trim": str.strip}


def transformed(schema: Mapping[str, Any], value: Any) -> Any:
    """``value`` with the transforms its ``schema`` marks applied (a new value; JSON types)."""
    if isinstance(value, str):
        name = schema.get("x-ymarket-transform")
        if name is None:
            return value
        if name not in TRANSFORMS:
            raise ValueError(f"unknown x-ymarket-transform {name!r}")
        return TRANSFORMS[name](value)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {key: transformed(properties.get(key, {}), item) for key, item in value.items()}
    if isinstance(value, list):
        items = schema.get("items", {})
        return [transformed(items, item) for item in value]
    return value
