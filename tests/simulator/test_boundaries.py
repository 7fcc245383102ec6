"""Spec-driven boundary suite: every constraint of the spec, probed at its edges.

schemathesis misses some bugs (a server refusing valid SKUs with spaces, one
skipping maxItems, one accepting whitespace-only SKUs). This suite reads the
compiled spec's JSON Schemas (and the x-ymarket extensions), derives for each
constraint the values just inside and just outside it, and checks the
simulator accepts (no spec error) or rejects (400 naming the field) each one.
No constraint is copied here: only a valid base request per operation.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
from ymarket.simulator import BASE_URL, DEMO_API_KEY, FakeClock, Simulator
from ymarket.spec import operations

from tests.simulator.support import VALID, error_rules

Step = str | int
REMOVE = object()


@attrs.frozen
class Probe:
    """One value at one place of a valid request, and whether the spec allows it."""

    op_id: str
    location: str  # body | query | path
    steps: tuple[Step, ...]
    what: str
    value: Any
    valid: bool

    @property
    def json_path(self) -> str:
        out = "$"
        for step in self.steps:
            out += f"[{step}]" if isinstance(step, int) else f".{step}"
        return out

    def __str__(self) -> str:
        return f"{self.op_id} {self.location} {self.json_path} {self.what}"


def _oracle(pattern: str) -> re.Pattern[str]:
    # ECMA-262 `$` is the end of input; Python's also matches before a final newline.
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def _string_ok(schema: dict[str, Any], value: str) -> bool:
    if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1 << 30):
        return False
    pattern = schema.get("pattern")
    return pattern is None or _oracle(pattern).search(value) is not None


def _extension_ok(schema: dict[str, Any], value: str) -> bool:
    ext = schema.get("x-ymarket-patterns")
    if not ext or ext["severity"] != "error":
        return True
    return any(_oracle(p).search(value) for p in ext["patterns"])


_CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"]


def _string_candidates(schema: dict[str, Any], base: str) -> Iterator[tuple[str, str]]:
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    fill = base[0] if base else "a"
    if hi is not None:
        yield f"length {hi} (maxLength)", fill * hi
        yield f"length {hi + 1} (maxLength+1)", fill * (hi + 1)
    if lo is not None:
        yield f"length {lo} (minLength)", fill * lo
        if lo > 0:
            yield f"length {lo - 1} (minLength-1)", fill * (lo - 1)
    if "pattern" in schema or "x-ymarket-patterns" in schema:
        yield "empty", ""
        yield "whitespace-only (spaces)", "   "
        yield "whitespace-only (tab)", "\t"
        yield "inner space", base[:1] + " " + base[1:]
        yield "leading and trailing spaces", f" {base} "
        yield "non-ASCII letters", "Чай " + base
        for char in _CONTROL:
            yield f"control U+{ord(char):04X} inside", base[:1] + char + base[1:]


def _date_candidates() -> Iterator[tuple[str, str, bool]]:
    yield "date-time with offset", "2025-06-01T00:00:00+03:00", True
    yield "date-time in UTC", "2025-06-01T00:00:00Z", True
    yield "date only", "2025-06-01", False
    yield "no offset", "2025-06-01T00:00:00", False
    yield "month 13", "2025-13-01T00:00:00Z", False
    yield "not a date", "tomorrow", False


def _unique_variant(schema: dict[str, Any], base: Any, index: int) -> Any:
    if isinstance(base, bool):
        return base
    if isinstance(base, int):
        return base + index
    if isinstance(base, str):
        return f"{base}-{index}"
    return copy.deepcopy(base)


def _probes_at(
    op_id: str, location: str, steps: tuple[Step, ...], schema: dict[str, Any], base: Any
) -> Iterator[Probe]:
    def probe(what: str, value: Any, valid: bool) -> Probe:
        return Probe(op_id, location, steps, what, value, valid)

    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if "integer" in types:
        yield probe("a string instead of an integer", "1", location != "body")
        yield probe("a fraction", 1.5, False)
        if "minimum" in schema:
            yield probe("minimum", schema["minimum"], True)
            yield probe("minimum-1", schema["minimum"] - 1, False)
        if "maximum" in schema:
            yield probe("maximum", schema["maximum"], True)
            yield probe("maximum+1", schema["maximum"] + 1, False)
    if "string" in types and "enum" not in schema:
        yield probe("a number instead of a string", 1, False)
        if schema.get("format") == "date-time":
            for what, value, valid in _date_candidates():
                yield probe(what, value, valid)
        for what, value in _string_candidates(schema, base):
            yield probe(what, value, _string_ok(schema, value) and _extension_ok(schema, value))
        ext = schema.get("x-ymarket-patterns")
        if ext:
            # A warning-only format never refuses a request.
            yield probe(f"{ext['rule']} mismatch", "??", ext["severity"] != "error")
    if "enum" in schema:
        for member in schema["enum"]:
            yield probe(f"enum member {member}", member, True)
        yield probe("outside the enum", "NOT_" + str(schema["enum"][0]), False)
    if "null" in types:
        yield probe("null", None, True)
    elif location == "body" and steps:
        yield probe("null", None, False)
    if "array" in types:
        element = base[0]
        unique = schema.get("uniqueItems", False)

        def items(n: int) -> list[Any]:
            if unique:
                return [_unique_variant(schema, element, i) for i in range(n)]
            return [copy.deepcopy(element) for _ in range(n)]

        if "minItems" in schema:
            n = schema["minItems"]
            yield probe(f"{n} items (minItems)", items(n), True)
            if n > 0:
                yield probe(f"{n - 1} items (minItems-1)", items(n - 1), False)
        if "maxItems" in schema:
            n = schema["maxItems"]
            yield probe(f"{n} items (maxItems)", items(n), True)
            yield probe(f"{n + 1} items (maxItems+1)", items(n + 1), False)
        if unique:
            yield probe("a duplicate item", [element, copy.deepcopy(element)], False)
    if "object" in types and isinstance(base, dict):
        for name in schema.get("required", []):
            if name in base:
                yield probe(
                    f"without required {name}", {k: v for k, v in base.items() if k != name}, False
                )
        for later, earlier in schema.get("x-ymarket-not-before", {}).items():
            if later in base and earlier in base:
                start = datetime.datetime.fromisoformat(base[earlier])
                for what, delta, valid in (
                    ("1 s before", -1, False),
                    ("equal to", 0, True),
                ):
                    moved = (start + datetime.timedelta(seconds=delta)).isoformat()
                    yield probe(f"{later} {what} {earlier}", {**base, later: moved}, valid)


def _walk(
    op_id: str, location: str, steps: tuple[Step, ...], schema: dict[str, Any], base: Any
) -> Iterator[Probe]:
    yield from _probes_at(op_id, location, steps, schema, base)
    if isinstance(base, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in base:
                yield from _walk(op_id, location, (*steps, name), sub, base[name])
    if isinstance(base, list) and base and "items" in schema:
        yield from _walk(op_id, location, (*steps, 0), schema["items"], base[0])


def _base_parameters(op_id: str) -> dict[str, dict[str, Any]]:
    request = VALID[op_id]
    query = {k: [int(x) for x in v.split(",")] for k, v in request.get("params", {}).items()}
    return {"path": dict(request["path"]), "query": query}


def all_probes() -> list[Probe]:
    probes: list[Probe] = []
    for op_id, op in operations().items():
        request = VALID[op_id]
        if op.request_body_schema is not None:
            probes += _walk(op_id, "body", (), op.request_body_schema, request["json"])
        base = _base_parameters(op_id)
        for parameter in op.parameters:
            location, name = parameter["in"], parameter["name"]
            probes += _walk(op_id, location, (name,), parameter["schema"], base[location][name])
    return probes


PROBES = all_probes()


def _set(document: Any, steps: tuple[Step, ...], value: Any) -> Any:
    if not steps:
        return value
    document = copy.deepcopy(document)
    target = document
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value
    return document


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_as_text(v) for v in value)
    return str(value)


def send_probe(sim: Simulator, probe: Probe) -> httpx.Response:
    op = operations()[probe.op_id]
    request = VALID[probe.op_id]
    base = _base_parameters(probe.op_id)
    body = request.get("json")
    if probe.location == "body":
        body = _set(body, probe.steps, probe.value)
    else:
        base[probe.location] = _set(base[probe.location], probe.steps, probe.value)
    path = op.path.format(**{k: _as_text(v) for k, v in base["path"].items()})
    query = "&".join(f"{k}={_as_text(v)}" for k, v in base["query"].items())
    with httpx.Client(
        transport=sim.sync_transport(), base_url=BASE_URL, headers={"Api-Key": DEMO_API_KEY}
    ) as client:
        return client.request(request["method"], path + (f"?{query}" if query else ""), json=body)


@pytest.fixture(scope="module")
def simulator() -> Simulator:
    return Simulator(clock=FakeClock())


@pytest.mark.parametrize("probe", PROBES, ids=str)
def test_boundary(simulator: Simulator, probe: Probe) -> None:
    simulator.reset()
    response = send_probe(simulator, probe)
    assert response.status_code != 500, response.text
    spec_errors = [
        (path, rule)
        for code, path, rule in error_rules(response.json() if response.content else {})
        if code == "BAD_REQUEST"
    ]
    if probe.valid:
        assert not spec_errors, f"valid value refused: {spec_errors}"
    else:
        assert response.status_code == 400, f"invalid value accepted ({response.status_code})"
        assert any(
            path is not None and path.startswith(probe.json_path) for path, _ in spec_errors
        ), f"no error names {probe.location} {probe.json_path}: {spec_errors}"


def test_probes_cover_the_known_blind_spots_of_fuzzing() -> None:
    """The derived probes include the cases a schemathesis trial missed."""
    offers = {(p.json_path, p.what): p.valid for p in PROBES if p.op_id == "deleteCampaignOffers"}
    assert offers[("$.offerIds", "500 items (maxItems)")] is True
    assert offers[("$.offerIds", "501 items (maxItems+1)")] is False
    assert offers[("$.offerIds", "a duplicate item")] is False
    assert offers[("$.offerIds[0]", "length 255 (maxLength)")] is True
    assert offers[("$.offerIds[0]", "length 256 (maxLength+1)")] is False
    assert offers[("$.offerIds[0]", "whitespace-only (spaces)")] is False
    assert offers[("$.offerIds[0]", "inner space")] is True
    assert offers[("$.offerIds[0]", "control U+0009 inside")] is True
    assert offers[("$.offerIds[0]", "control U+000A inside")] is False
    licenses = {(p.json_path, p.what): p.valid for p in PROBES if p.op_id == "deleteOutletLicenses"}
    assert licenses[("$.ids", "501 items (maxItems+1)")] is False
    assert licenses[("$.campaignId", "minimum-1")] is False
    assert len(PROBES) > 150
