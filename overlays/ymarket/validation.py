"""Request validation from the compiled spec, shared by the client and the simulator.

Every rule comes from ``spec/openapi.yaml``: the JSON Schemas of parameters and
bodies (checked by jsonschema-rs as Draft 4, OpenAPI 3.0's dialect, in which
``1.0`` is not an integer; formats included), and the vendor extensions
JSON Schema cannot express (``x-ymarket-not-before``, ``x-ymarket-patterns``).
A valid request costs one fast ``is_valid`` call plus the extension checks; only
an invalid one pays for collecting every problem.

Patterns follow ECMA-262 (JSON Schema's dialect; see the spec's header). A spec
pattern with look-ahead reaches the compiled schema as its look-ahead-free
equivalent, derived and proved at generation time, which jsonschema-rs runs on
its fast engine; messages name the spec's own pattern, kept beside it.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any, Literal

import attrs
import jsonschema_rs

from ymarket.spec import operation

__all__ = [
    "FormatWarning",
    "Problem",
    "RequestCheck",
    "RequestValidator",
    "ValidationError",
    "check_request",
    "request_validator",
    "validate_request",
]

Location = Literal["path", "query", "body"]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_PROBLEMS_IN_MESSAGE = 20
# Written by generator/compile.py (SPEC_PATTERN_KEY) next to a derived fast pattern.
_SPEC_PATTERN_KEY = "x-ymarket-spec-pattern"
# Written by generator/compile.py (LIST_PATTERN_KEY): the pattern of a list's joined items.
_LIST_PATTERN_KEY = "x-ymarket-list-pattern"


def _json_path(parts: Sequence[str | int]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


@attrs.frozen
class Problem:
    """One broken rule: where (location and JSON path), which rule, and what is wrong."""

    location: Location
    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.location} {self.path}: {self.rule}: {self.message}"


class ValidationError(ValueError):
    """A request broke rules of the spec; it was not sent.

    ``problems`` lists every broken rule with its location, JSON path and rule.
    ``progress`` is set by the client's bulk calls when a streamed chunk was
    refused after earlier chunks were sent (a ``ymarket.BulkProgress``).
    """

    progress: Any = None

    def __init__(self, operation_id: str, problems: Sequence[Problem]) -> None:
        self.operation_id = operation_id
        self.problems: tuple[Problem, ...] = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:_MAX_PROBLEMS_IN_MESSAGE])
        more = len(self.problems) - _MAX_PROBLEMS_IN_MESSAGE
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{operation_id}: {len(self.problems)} problem(s), request not sent:\n{shown}{tail}"
        )


class FormatWarning(UserWarning):
    """A value does not have the shape the docs describe, but the docs do not forbid it."""


@attrs.frozen
class RequestCheck:
    """Result of checking one request: ``errors`` refuse it, ``warnings`` do not."""

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when nothing refuses the request."""
        return not self.errors


_NOTHING_WRONG = RequestCheck((), ())


@attrs.frozen
class _NotBefore:
    later: str
    earlier: str


@attrs.frozen
class _Patterns:
    rule: str
    severity: Literal["error", "warning"]
    patterns: tuple[re.Pattern[str], ...]
    sources: tuple[str, ...]


_Step = Literal["items"] | tuple[Literal["property"], str]


@attrs.frozen
class _ExtensionSite:
    steps: tuple[_Step, ...]
    rule: _NotBefore | _Patterns


def _extension_sites(schema: Any, steps: tuple[_Step, ...] = ()) -> Iterator[_ExtensionSite]:
    if not isinstance(schema, dict):
        return
    for later, earlier in schema.get("x-ymarket-not-before", {}).items():
        yield _ExtensionSite(steps, _NotBefore(later, earlier))
    patterns = schema.get("x-ymarket-patterns")
    if patterns:
        yield _ExtensionSite(
            steps,
            _Patterns(
                rule=patterns["rule"],
                severity=patterns["severity"],
                patterns=tuple(re.compile(p) for p in patterns["patterns"]),
                sources=tuple(patterns["patterns"]),
            ),
        )
    for name, sub in schema.get("properties", {}).items():
        yield from _extension_sites(sub, (*steps, ("property", name)))
    if "items" in schema:
        yield from _extension_sites(schema["items"], (*steps, "items"))
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator, []):
            yield from _extension_sites(sub, steps)


def _reach(instance: Any, steps: tuple[_Step, ...]) -> list[tuple[tuple[str | int, ...], Any]]:
    """Every value of ``instance`` at ``steps``, with its path (in document order)."""
    found: list[tuple[tuple[str | int, ...], Any]] = [((), instance)]
    # One level at a time (a list per step, not a generator per value): order is kept,
    # as each level expands its values in order.
    for step in steps:
        reached: list[tuple[tuple[str | int, ...], Any]] = []
        if step == "items":
            for path, value in found:
                if isinstance(value, list):
                    reached.extend(((*path, index), item) for index, item in enumerate(value))
        else:
            name = step[1]
            for path, value in found:
                if isinstance(value, dict) and name in value:
                    reached.append(((*path, name), value[name]))
        if not reached:
            return reached
        found = reached
    return found


def _parse_instant(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _spec_patterns(schema: Any) -> dict[str, str]:
    """Derived pattern -> the spec's own, for every schema of ``schema`` that has one."""
    found: dict[str, str] = {}
    if isinstance(schema, dict):
        if isinstance(schema.get(_SPEC_PATTERN_KEY), str):
            found[schema["pattern"]] = schema[_SPEC_PATTERN_KEY]
        for value in schema.values():
            found.update(_spec_patterns(value))
    elif isinstance(schema, list):
        for value in schema:
            found.update(_spec_patterns(value))
    return found


def _schema_problems(
    validator: jsonschema_rs.Validator,
    instance: Any,
    location: Location,
    spec_patterns: Mapping[str, str],
) -> list[Problem]:
    problems = []
    for error in validator.iter_errors(instance):
        rule = str(error.schema_path[-1]) if error.schema_path else "schema"
        message = error.message
        if rule == "uniqueItems" and isinstance(error.instance, list):
            message = _duplicates_message(error.instance)
        if rule == "pattern":
            for derived, spec_pattern in spec_patterns.items():
                message = message.replace(json.dumps(derived), json.dumps(spec_pattern))
                message = message.replace(derived, spec_pattern)
        problems.append(Problem(location, _json_path(error.instance_path), rule, message))
    return problems


def _unencodable(
    instance: Any, path: tuple[str | int, ...], location: Location
) -> Iterator[Problem]:
    """A problem for every string of ``instance`` with a lone surrogate."""
    if isinstance(instance, str):
        try:
            instance.encode()
        except UnicodeEncodeError as error:
            yield Problem(
                location,
                _json_path(path),
                "unicode",
                f"{instance!r:.80} has a lone surrogate at {error.start}, which no JSON text "
                "sent as UTF-8 can carry",
            )
    elif isinstance(instance, Mapping):
        for key, value in instance.items():
            yield from _unencodable(value, (*path, str(key)), location)
    elif isinstance(instance, (list, tuple)):
        for index, value in enumerate(instance):
            yield from _unencodable(value, (*path, index), location)


def _duplicates_message(values: list[Any]) -> str:
    first_seen: dict[str, int] = {}
    repeats: list[str] = []
    for index, value in enumerate(values):
        key = repr(value)
        if key in first_seen:
            repeats.append(f"[{index}] repeats [{first_seen[key]}] ({value!r:.60})")
        else:
            first_seen[key] = index
    shown = "; ".join(repeats[:5]) + (f"; and {len(repeats) - 5} more" if len(repeats) > 5 else "")
    return f"items must be unique: {shown}"


class RequestValidator:
    """Checks the requests of one operation against the compiled spec.

    Built once per operation (see :func:`request_validator`); thread-safe.
    With ``bulk=True`` the operation's bulk field (``x-ymarket-bulk-field``)
    may hold any number of items: a whole bulk input is checked in one call
    (every other rule, uniqueness across the whole input included, still
    applies) before it is split into chunks of the spec's maxItems.
    """

    def __init__(self, operation_id: str, *, bulk: bool = False) -> None:
        op = operation(operation_id)
        self.operation_id = operation_id
        self._locations: dict[Location, jsonschema_rs.Validator] = {}
        parameters_schema = op.parameters_schema
        body_schema = op.request_body_schema
        if bulk and op.bulk_field is not None:
            parameters_schema = _without_max_items(parameters_schema, op.bulk_field, "query")
            if body_schema is not None:
                body_schema = _without_max_items(body_schema, op.bulk_field, None)
        parameter_locations = parameters_schema.get("properties", {})
        for location in ("path", "query"):
            if location in parameter_locations:
                self._locations[location] = jsonschema_rs.Draft4Validator(
                    parameter_locations[location], validate_formats=True
                )
        self._body: jsonschema_rs.Validator | None = None
        self._body_sites: tuple[_ExtensionSite, ...] = ()
        # The fast path of a body's bulk field (see _valid_fast): the set and the list
        # pattern take over the uniqueItems and the items' pattern of the schema.
        self._bulk_field: str | None = None
        self._unique = False
        self._list_pattern: tuple[jsonschema_rs.Validator, str] | None = None
        self._body_fast: jsonschema_rs.Validator | None = None
        if body_schema is not None:
            self._body = jsonschema_rs.Draft4Validator(body_schema, validate_formats=True)
            self._body_sites = tuple(_extension_sites(body_schema))
            self._init_fast_path(body_schema, op.bulk_field)
        self._spec_patterns = _spec_patterns([parameters_schema, body_schema])

    def check(
        self,
        *,
        path_params: Mapping[str, Any] | None = None,
        query_params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> RequestCheck:
        """Every problem of a request given as JSON-ready values (dicts, lists, str, int)."""
        errors: list[Problem] = []
        warned: list[Problem] = []
        given: dict[Location, Any] = {"path": path_params or {}, "query": query_params or {}}
        for location, validator in self._locations.items():
            errors.extend(self._problems(validator, given[location], location))
        if self._body is not None:
            if not self._valid_fast(body):
                errors.extend(self._problems(self._body, body, "body"))
            # The extension rules JSON Schema cannot express, whatever the schema said.
            for site in self._body_sites:
                self._check_site(site, body, errors, warned)
        if not errors and not warned:
            return _NOTHING_WRONG
        return RequestCheck(tuple(errors), tuple(warned))

    def _init_fast_path(self, body_schema: Any, field: str | None) -> None:
        field_schema = body_schema.get("properties", {}).get(field) if field else None
        if field is None or not isinstance(field_schema, dict):
            return
        fast_schema = body_schema
        if field_schema.get("uniqueItems"):
            self._unique = True
            fast_schema = _without(fast_schema, field, "uniqueItems")
        items = field_schema.get("items")
        listing = items.get(_LIST_PATTERN_KEY) if isinstance(items, dict) else None
        if isinstance(items, dict) and isinstance(listing, dict) and "pattern" in items:
            self._list_pattern = (
                jsonschema_rs.Draft4Validator({"type": "string", "pattern": listing["pattern"]}),
                listing["separator"],
            )
            # The join proves every item a string; a value the list pattern accepts has a
            # character (the derived pattern needs one), so a minLength of 1 holds too.
            drop = ["pattern", "type"] + (["minLength"] if items.get("minLength", 0) <= 1 else [])
            for keyword in drop:
                fast_schema = _without(fast_schema, field, keyword, items=True)
        if fast_schema is not body_schema:
            self._bulk_field = field
            self._body_fast = jsonschema_rs.Draft4Validator(fast_schema, validate_formats=True)

    def _valid_fast(self, body: Any) -> bool:
        """Whether ``body`` is valid, told a faster way when its bulk field allows one.

        Items distinct in a set are distinct as JSON values too (Python's equality of
        strings and numbers is JSON's, and ``True == 1`` only makes the set see a
        repeat). The items joined by the spec's list separator match the list pattern
        (derived at generation time) exactly when each item matches the items'
        pattern, provided no item holds the separator (then the join has exactly one
        fewer than there are items). The schema without what those two prove
        (``uniqueItems``; the items' ``pattern``, ``type`` and a ``minLength`` of 1)
        checks the rest. True proves the whole schema holds; False proves nothing: the
        caller then runs the whole schema, which names the problems.
        """
        validator, field = self._body_fast, self._bulk_field
        if validator is None or type(body) is not dict:
            return False
        items = body.get(field)
        if type(items) is not list:
            return False
        try:
            if self._unique and len(set(items)) != len(items):
                return False
            if self._list_pattern is not None:
                pattern, separator = self._list_pattern
                joined = separator.join(items)  # TypeError unless every item is a str
                if joined.count(separator) != len(items) - 1 or not pattern.is_valid(joined):
                    return False
            return validator.is_valid(body)
        except (TypeError, ValueError):  # unhashable or non-string items, lone surrogates
            return False

    def _problems(
        self, validator: jsonschema_rs.Validator, instance: Any, location: Location
    ) -> list[Problem]:
        try:
            if validator.is_valid(instance):
                return []
        except UnicodeEncodeError:
            # A lone surrogate has no UTF-8 (nor JSON-on-the-wire) form: no engine can judge it.
            return list(_unencodable(instance, (), location))
        return _schema_problems(validator, instance, location, self._spec_patterns)

    @staticmethod
    def _check_site(
        site: _ExtensionSite, body: Any, errors: list[Problem], warned: list[Problem]
    ) -> None:
        rule = site.rule
        for path, value in _reach(body, site.steps):
            if isinstance(rule, _NotBefore):
                if not isinstance(value, dict):
                    continue
                later = _parse_instant(value.get(rule.later))
                earlier = _parse_instant(value.get(rule.earlier))
                if later is not None and earlier is not None and later < earlier:
                    errors.append(
                        Problem(
                            "body",
                            _json_path((*path, rule.later)),
                            "not-before",
                            f"{rule.later} {value[rule.later]} is earlier than "
                            f"{rule.earlier} {value[rule.earlier]}",
                        )
                    )
            elif isinstance(value, str) and not any(p.match(value) for p in rule.patterns):
                problem = Problem(
                    "body",
                    _json_path(path),
                    rule.rule,
                    f"{value!r:.80} matches none of the documented formats "
                    + " | ".join(rule.sources),
                )
                (errors if rule.severity == "error" else warned).append(problem)


def _without_max_items(schema: Any, field: str, location: str | None) -> Any:
    """A copy of ``schema`` whose array property ``field`` has no maxItems."""
    return _without(schema, field, "maxItems", location=location)


def _without(
    schema: Any, field: str, keyword: str, *, location: str | None = None, items: bool = False
) -> Any:
    """A copy of ``schema`` without ``keyword`` in its property ``field`` (in the
    parameters of ``location``; in the property's ``items`` with ``items``)."""
    result = copy.deepcopy(schema)
    holder = result
    if location is not None:
        holder = holder.get("properties", {}).get(location, {})
    target = holder.get("properties", {}).get(field)
    if items and isinstance(target, dict):
        target = target.get("items")
    if isinstance(target, dict):
        target.pop(keyword, None)
    return result


@cache
def request_validator(operation_id: str, *, bulk: bool = False) -> RequestValidator:
    """The (cached) validator of ``operation_id`` (``bulk``: see :class:`RequestValidator`)."""
    return RequestValidator(operation_id, bulk=bulk)


def check_request(
    operation_id: str,
    *,
    path_params: Mapping[str, Any] | None = None,
    query_params: Mapping[str, Any] | None = None,
    body: Any = None,
    bulk: bool = False,
) -> RequestCheck:
    """Check a request of ``operation_id`` and return its errors and warnings."""
    return request_validator(operation_id, bulk=bulk).check(
        path_params=path_params, query_params=query_params, body=body
    )


def validate_request(
    operation_id: str,
    *,
    path_params: Mapping[str, Any] | None = None,
    query_params: Mapping[str, Any] | None = None,
    body: Any = None,
    bulk: bool = False,
) -> None:
    """Raise :class:`ValidationError` listing every error; warn :class:`FormatWarning` otherwise."""
    result = check_request(
        operation_id, path_params=path_params, query_params=query_params, body=body, bulk=bulk
    )
    for problem in result.warnings:
        warnings.warn(str(problem), FormatWarning, stacklevel=3)
    if result.errors:
        raise ValidationError(operation_id, result.errors)
