"""Look-ahead-free equivalents of the spec's patterns, derived at generation time.

jsonschema-rs sends a pattern with look-around to its backtracking engine, several
times slower than its automaton. A pattern of the shape

    ^(?=.*N.*)C{m,n}$        (or ^(?=.*N)C{m,n}$)

where ``N`` and ``C`` are single-character classes, says: every character is in
``C``, there are ``m`` to ``n`` of them, and some character in ``N`` comes before
the first line terminator (ECMA-262's ``.`` stops at one). That is exactly

    ^P*XC*$   with minLength m, maxLength n

where ``P`` = C and not N and not a line terminator (the characters before the
first ``N``), ``X`` = C and N (the first ``N``). The classes are computed, not
written by hand: every code point is matched against the spec's own classes by an
ECMA-262 engine (``regress``, with the ``u`` flag: JSON Schema's dialect), and the
result is written as explicit ``\\uXXXX`` ranges, which ECMA-262, the Rust ``regex``
crate of jsonschema-rs and Python's ``re`` read alike. A lone surrogate (no UTF-8 form, so
no engine here can be asked) is in a class exactly when the class is written
negated, as ECMA-262 treats a lone surrogate: it matches no positive escape.

Any other shape with look-around raises :class:`UnsupportedPattern`: generation
fails loudly rather than compile a pattern it cannot prove equivalent.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import regress

__all__ = ["FastPattern", "UnsupportedPattern", "has_look_around", "look_ahead_free"]

_CLASS = r"(?:\\[dDsSwW]|\[(?:\\.|[^\]\\])*\]|\.)"
_SHAPE = re.compile(
    rf"^\^\(\?=\.\*(?P<needle>{_CLASS})(?:\.\*)?\)(?P<body>{_CLASS})"
    r"\{(?P<low>\d+),(?P<high>\d+)\}\$$"
)
_LOOK_AROUND = re.compile(r"\(\?<?[=!]")
_SURROGATES = range(0xD800, 0xE000)
_LAST = 0x10FFFF


class UnsupportedPattern(ValueError):
    """A pattern with look-around of a shape :func:`look_ahead_free` cannot transform."""


@dataclass(frozen=True)
class FastPattern:
    """The look-ahead-free pattern and the length bounds that replace the counted repeat.

    ``list_pattern`` matches the values of a list joined by ``list_separator`` (a
    character no value that matches can hold) exactly when every value matches
    ``pattern``: one regular-expression run checks a whole list. A value holding the
    separator is invalid, but would split in two, so the caller also checks that the
    joined text holds exactly one separator fewer than the list has values.
    """

    pattern: str
    min_length: int
    max_length: int
    list_pattern: str
    list_separator: str


def has_look_around(pattern: str) -> bool:
    """Whether ``pattern`` uses look-ahead or look-behind."""
    return _LOOK_AROUND.search(pattern) is not None


# UTF-8 byte offsets where each block of code points starts in _every_code_point()
# (surrogates left out): (first code point, its offset, bytes per code point).
_BLOCKS = (
    (0x10000, 0x80 + 2 * 0x780 + 3 * 0xD000 + 3 * 0x2000, 4),
    (0xE000, 0x80 + 2 * 0x780 + 3 * 0xD000, 3),
    (0x800, 0x80 + 2 * 0x780, 3),
    (0x80, 0x80, 2),
    (0, 0, 1),
)


@cache
def _every_code_point() -> str:
    """Every code point but the surrogates, in order, as one string."""
    return "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, _LAST + 1)))


def _point_at(offset: int) -> int:
    """The code point at UTF-8 byte ``offset`` of :func:`_every_code_point` (regress
    reports byte offsets)."""
    for first, start, width in _BLOCKS:
        if offset >= start:
            return first + (offset - start) // width
    raise AssertionError("unreachable")


Ranges = tuple[tuple[int, int], ...]  # sorted, disjoint, inclusive code point ranges
_ALL: Ranges = ((0, 0xD7FF), (0xE000, _LAST))


def _combine(a: Ranges, b: Ranges, keep: Callable[[bool, bool], bool]) -> Ranges:
    """The code points whose membership in ``a`` and ``b`` satisfies ``keep``."""
    cuts = sorted({0, _LAST + 1, *(x for a0, a1 in (*a, *b) for x in (a0, a1 + 1))})
    out: list[tuple[int, int]] = []

    def inside(ranges: Ranges, point: int) -> bool:
        return any(low <= point <= high for low, high in ranges)

    for low, stop in itertools.pairwise(cuts):
        if keep(inside(a, low), inside(b, low)):
            if out and out[-1][1] == low - 1:
                out[-1] = (out[-1][0], stop - 1)
            else:
                out.append((low, stop - 1))
    return tuple(out)


@cache
def _members(character_class: str) -> Ranges:
    """The code points (surrogates aside) the ECMA-262 class matches, with the u flag."""
    found: list[tuple[int, int]] = []
    # One match per run of consecutive members: a few hundred matches, not a million.
    matches = regress.Regex(f"(?:{character_class})+", "u").find_iter(_every_code_point())
    for match in matches or ():
        span = match.range()
        found.append((_point_at(span.start), _point_at(span.stop - 1)))
    return _combine(tuple(found), _ALL, lambda x, y: x and y)


def _escape(point: int) -> str:
    """``\\uXXXX``, which ECMA-262, Rust's regex and Python's re read alike; beyond the
    BMP ``\\u{...}`` (ECMA-262 with u and Rust's regex only)."""
    return f"\\u{point:04X}" if point <= 0xFFFF else f"\\u{{{point:X}}}"


def _render(ranges: Ranges) -> str:
    """A bracket class of ``ranges``, negated when that is shorter."""
    if not ranges:
        raise UnsupportedPattern("the derived class is empty: the pattern matches nothing")
    outside = _combine(_ALL, ranges, lambda x, y: x and not y)

    def items(parts: Ranges) -> str:
        return "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in parts)

    return f"[^{items(outside)}]" if len(outside) < len(ranges) else f"[{items(ranges)}]"


def look_ahead_free(pattern: str) -> FastPattern:
    """The equivalent of ``^(?=.*N.*)C{m,n}$`` without look-ahead (see the module doc)."""
    shape = _SHAPE.match(pattern)
    if shape is None:
        raise UnsupportedPattern(
            f"cannot derive a look-ahead-free form of {pattern!r}: only ^(?=.*N.*)C{{m,n}}$ "
            "with single-character classes N and C is supported"
        )
    try:
        needle, body = _members(shape["needle"]), _members(shape["body"])
    except regress.RegressError as error:
        raise UnsupportedPattern(f"{pattern!r}: {error}") from error
    line_terminators = _combine(_ALL, _members("."), lambda x, y: x and not y)
    before = _combine(
        _combine(body, needle, lambda x, y: x and not y), line_terminators, lambda x, y: x and not y
    )
    first = _combine(body, needle, lambda x, y: x and y)
    low, high = int(shape["low"]), int(shape["high"])
    if low < 1 or high < low:
        raise UnsupportedPattern(f"{pattern!r}: bounds {{{low},{high}}} cannot hold a match")
    one = f"{_render(before)}*{_render(first)}{_render(body)}*"
    separator = _separator(body)
    glue = _escape(ord(separator))
    return FastPattern(
        f"^{one}$",
        min_length=low,
        max_length=high,
        list_pattern=f"^(?:{one})(?:{glue}(?:{one}))*$",
        list_separator=separator,
    )


def _separator(body: Ranges) -> str:
    """A character outside every class of the derived pattern (all lie within ``body``):
    a line feed when it is, else the lowest code point that is."""
    outside = _combine(_ALL, body, lambda x, y: x and not y)
    if not outside:
        raise UnsupportedPattern("the pattern's class holds every character: no list separator")
    inside_newline = any(low <= 0x0A <= high for low, high in body)
    return "\n" if not inside_newline else chr(outside[0][0])
