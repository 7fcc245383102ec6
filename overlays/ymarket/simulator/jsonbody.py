"""Reading request bodies as JSON: every malformed kind is a ``ValueError``.

``json.loads`` alone lets some malformed documents through to fail later as a
server error: NaN and Infinity (also as a number too large for a double),
nesting deep enough to exhaust the recursion limit, and escaped lone
surrogates (``"\\ud800"``), which no UTF-8 answer or log can hold.
Here they are refused up front, so the API answers them with the spec's 400
error body.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["decode_json"]

# An escaped high surrogate not followed by an escaped low one, or a low one alone.
_LONE_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\)(?:\\\\)*(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:30]} is out of range of a double")
    return value


def decode_json(raw: bytes) -> Any:
    """The JSON value of ``raw``; ValueError saying why when it is not valid JSON."""
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if (b"\\ud" in raw or b"\\uD" in raw) and _LONE_SURROGATE.search(raw):
        raise ValueError("an escaped lone surrogate is not a character")
    return value
