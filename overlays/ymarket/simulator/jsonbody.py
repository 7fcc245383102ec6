"""JSON in and out of the simulator: bodies read (every malformed kind a ``ValueError``)
and answers written, both by orjson on the hot path.

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

import orjson
from starlette.responses import JSONResponse

__all__ = ["FastJSONResponse", "decode_json"]

# Integers of 19 digits and more may not fit orjson's 64 bits (it reads them as floats):
# a body with a run of 19 digits is read by json. Found with bytes.translate (digits to
# "0", the rest to " ") and a substring search: a regular expression takes 10x longer.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_DIGIT_RUN = b"0" * 19

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
    """The JSON value of ``raw``; ValueError saying why when it is not valid JSON.

    orjson reads what it can (it refuses NaN, infinities and escaped lone surrogates
    too); what it refuses or could read otherwise (long integers) is read by ``json``
    here, which also says why a document is refused.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    else:
        if _LONG_DIGIT_RUN not in raw.translate(_DIGITS_ONLY):
            return value
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if (b"\\ud" in raw or b"\\uD" in raw) and _LONE_SURROGATE.search(raw):
        raise ValueError("an escaped lone surrogate is not a character")
    return value


class FastJSONResponse(JSONResponse):
    """Starlette's ``JSONResponse`` written by orjson: the same compact UTF-8 bytes, faster.

    The simulator's answers hold strings, integers, booleans and null only, which
    orjson writes exactly as ``json.dumps(ensure_ascii=False, separators=(",", ":"))``.
    """

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
