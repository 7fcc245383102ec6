"""Parsing raw path and query strings by the compiled spec's parameters.

Path and query values arrive as text; the spec says how to read them (style,
explode, schema type). Values that cannot be read as the declared type become
:class:`~ymarket.validation.Problem` s naming the parameter, so the simulator
answers 400 before the JSON Schema check runs on the parsed values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ymarket.spec import operation
from ymarket.validation import Location, Problem

__all__ = ["ParsedParameters", "parse_parameters"]

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_BOOLEAN = {"true": True, "false": False}


@attrs.frozen
class ParsedParameters:
    """Typed path and query values, and the problems of the values that could not be read."""

    path: dict[str, Any]
    query: dict[str, Any]
    problems: tuple[Problem, ...]


def _scalar(raw: str, schema: Mapping[str, Any]) -> tuple[Any, str | None]:
    kind = schema.get("type")
    if kind == "integer":
        if _INTEGER.fullmatch(raw):
            return int(raw), None
        return None, f"{raw!r:.60} is not an integer"
    if kind == "number":
        if _NUMBER.fullmatch(raw):
            return float(raw), None
        return None, f"{raw!r:.60} is not a number"
    if kind == "boolean":
        if raw in _BOOLEAN:
            return _BOOLEAN[raw], None
        return None, f"{raw!r:.60} is not true or false"
    return raw, None


def _read(
    name: str,
    location: Location,
    parameter: Mapping[str, Any],
    raws: Sequence[str],
    problems: list[Problem],
) -> Any:
    schema = parameter["schema"]
    explode = parameter.get("explode", parameter.get("style", "form") == "form")
    if schema.get("type") == "array":
        # Repeated (``ids=1&ids=2``) is also accepted for explode false: clients
        # generated from Yandex's own spec send it. One value each, so
        # ``ids=1,2&ids=3`` is still refused. A single empty value is the empty array.
        pieces = (
            list(raws) if explode or len(raws) > 1 else [p for p in raws[0].split(",") if raws[0]]
        )
        values = []
        ok = True
        for index, piece in enumerate(pieces):
            value, error = _scalar(piece, schema.get("items", {}))
            if error:
                ok = False
                problems.append(Problem(location, f"$.{name}[{index}]", "type", error))
            values.append(value)
        return values if ok else None
    if len(raws) > 1:
        problems.append(Problem(location, f"$.{name}", "style", f"given {len(raws)} times"))
        return None
    value, error = _scalar(raws[0], schema)
    if error:
        problems.append(Problem(location, f"$.{name}", "type", error))
    return value


def parse_parameters(
    operation_id: str,
    path: Mapping[str, str],
    query: Sequence[tuple[str, str]],
) -> ParsedParameters:
    """Read ``path`` (name -> text) and ``query`` (decoded pairs) as the spec declares.

    Parameters the spec does not declare are ignored; missing ones are left out
    (the JSON Schema check reports them as ``required``).
    """
    problems: list[Problem] = []
    parsed: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
    for parameter in operation(operation_id).parameters:
        name = parameter["name"]
        location = parameter["in"]
        if location == "path":
            raws = [path[name]] if name in path else []
        elif location == "query":
            raws = [value for key, value in query if key == name]
        else:
            continue
        if not raws:
            continue
        before = len(problems)
        value = _read(name, location, parameter, raws, problems)
        if len(problems) == before:
            parsed[location][name] = value
    return ParsedParameters(parsed["path"], parsed["query"], tuple(problems))
