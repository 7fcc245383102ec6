"""``python -m generator docs-check PAGE...``: do the docs pages still say what the spec says?

Each page (a file in either layout of :mod:`generator.docs_pages`, or a URL) is
reduced to the facts it states about its operation: method and path, the
"Limit:" line, scopes, placement models, every parameter and body field (type
and format, required mark, Min/Max value, Min/Max items, Min/Max length,
Pattern, Enum, Unique items, description-embedded regexes) and the response
codes with their body fields. The same facts are read from ``spec/openapi.yaml``
and every difference is printed, one line each.

A difference listed in the reviewed allowlist (``spec/docs-allowlist.yaml``:
page, operation, field, fact, optionally the exact docs and spec values, and the
reason) is printed as accepted; any other difference is drift and makes the
command exit 1.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from generator.build import REPO_ROOT, SPEC_PATH
from generator.compile import load_spec
from generator.docs_pages import DocField, DocOperation, PageError, parse_page
from generator.spec_walk import JsonObject, iter_fields, operations

__all__ = [
    "ALLOWLIST_PATH",
    "AllowlistEntry",
    "CheckReport",
    "Difference",
    "OperationFacts",
    "check_pages",
    "compare",
    "docs_facts",
    "load_allowlist",
    "main",
    "read_page",
    "spec_facts",
]

ALLOWLIST_PATH = REPO_ROOT / "spec" / "docs-allowlist.yaml"
OPERATION = "(operation)"
ABSENT = "—"
_PERIOD_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
_PRIMITIVES = frozenset({"string", "integer", "number", "boolean", "object"})


@dataclass
class OperationFacts:
    """What a page, or the spec, states about one operation, rendered as text."""

    operation: dict[str, str] = field(default_factory=dict)  # method, path, limit, ...
    responses: set[str] = field(default_factory=set)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    # Fields whose x-ymarket-patterns only transcribe a shape the docs give in words.
    prose_patterns: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Difference:
    """One fact the page and the spec disagree on."""

    page: str
    operation: str
    field: str
    fact: str
    docs: str
    spec: str
    accepted: str | None = None  # the allowlist's reason
    entry: int | None = None  # its number in the allowlist, from 1

    def line(self) -> str:
        """The printed form: page, operation, field, fact, both values."""
        status = "accepted" if self.accepted else "DRIFT   "
        text = (
            f"{status} {self.page}: {self.operation} {self.field} {self.fact}: "
            f"docs say {self.docs}, spec says {self.spec}"
        )
        return f"{text}  [allowlist #{self.entry}]" if self.accepted else text


@dataclass(frozen=True)
class AllowlistEntry:
    """A reviewed deviation: where it applies, what it is and why it is accepted."""

    pages: tuple[str, ...]
    operation: str
    field: str
    fact: str
    reason: str
    docs: str | None = None
    spec: str | None = None

    def matches(self, difference: Difference) -> bool:
        """Whether this entry accepts ``difference``."""
        return (
            any(fnmatch.fnmatchcase(difference.page, page) for page in self.pages)
            and _glob(self.operation).fullmatch(difference.operation) is not None
            and _glob(self.field).fullmatch(difference.field) is not None
            and self.fact == difference.fact
            and (self.docs is None or self.docs == difference.docs)
            and (self.spec is None or self.spec == difference.spec)
        )

    def describe(self) -> str:
        """A short name for messages."""
        return f"{','.join(self.pages)}: {self.operation} {self.field} {self.fact}"


@dataclass
class CheckReport:
    """Everything docs-check found."""

    differences: list[Difference]
    unused: list[AllowlistEntry]

    @property
    def drift(self) -> list[Difference]:
        """Differences no allowlist entry accepts."""
        return [d for d in self.differences if d.accepted is None]


def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` matches anything; everything else (``[]`` included) is literal."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def load_allowlist(
    path: Path = ALLOWLIST_PATH,
    *,
    pages: tuple[str, ...] | None = None,
    theirs: str = "docs",
    ours: str = "spec",
) -> list[AllowlistEntry]:
    """Read a reviewed allowlist; every entry needs operation, field, fact and reason.

    Entries also name their ``pages`` unless ``pages`` is given for all of them (the
    upstream allowlist). ``theirs``/``ours`` are the keys that, when given, pin the
    exact values of the two sides, so a later change of either is drift again.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    required: tuple[str, ...] = ("operation", "field", "fact", "reason")
    if pages is None:
        required = ("pages", *required)
    entries: list[AllowlistEntry] = []
    for number, raw in enumerate(data.get("accepted", []), start=1):
        missing = [key for key in required if not raw.get(key)]
        if missing:
            raise ValueError(f"{path.name}: entry {number} lacks {', '.join(missing)}")
        where = raw["pages"] if pages is None else pages
        entries.append(
            AllowlistEntry(
                pages=tuple([where] if isinstance(where, str) else where),
                operation=str(raw["operation"]),
                field=str(raw["field"]),
                fact=str(raw["fact"]),
                reason=" ".join(str(raw["reason"]).split()),
                docs=None if raw.get(theirs) is None else str(raw[theirs]),
                spec=None if raw.get(ours) is None else str(raw[ours]),
            )
        )
    return entries


# --- rendering shared by both sides ----------------------------------------------


def _render(fact: str, value: object) -> str:
    if fact == "enum" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if fact == "patterns" and isinstance(value, list):
        return " or ".join(f"`{v}`" for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _render_limit(limit: int, unit: str, seconds: float) -> str:
    period = _PERIOD_NAMES.get(int(seconds), f"{seconds:g} seconds")
    return f"{limit:,} {unit} per {period}"


def _render_list(values: Iterable[str]) -> str:
    items = sorted(values)
    return ", ".join(items) if items else "(none)"


# --- the docs side ---------------------------------------------------------------


def _docs_type(node: DocField, named: dict[str, DocField]) -> tuple[str, DocField | None]:
    """The type as ``integer<int64>[]``/``object``/``string``, and the named type used."""
    text = node.type_text.strip()
    suffix = ""
    while text.endswith("[]"):
        text, suffix = text[:-2], suffix + "[]"
    if text.split("<")[0] in _PRIMITIVES:
        return text + suffix, None
    target = named.get(text)
    if target is None:
        return text + suffix, None  # an unknown named type: compared as written
    base = "object" if target.children else "string"
    return base + suffix, target


def _docs_fields(
    nodes: Sequence[DocField],
    prefix: str,
    named: dict[str, DocField],
    out: dict[str, dict[str, str]],
    seen: tuple[str, ...] = (),
) -> None:
    for node in nodes:
        path = f"{prefix}{node.name}"
        type_text, target = _docs_type(node, named)
        facts: dict[str, str] = {"type": type_text, "required": _render("required", node.required)}
        children = node.children
        if target is not None:
            for key, value in target.facts.items():
                facts[key] = _render(key, value)
            if target.name not in seen:
                children = children or target.children
        for key, value in node.facts.items():
            facts[key] = _render(key, value)
        out[path] = facts
        if children and target is not None and target.name in seen:
            continue
        child_prefix = f"{path}[]." if type_text.endswith("[]") else f"{path}."
        _docs_fields(children, child_prefix, named, out, (*seen, target.name) if target else seen)


def docs_facts(page: DocOperation) -> OperationFacts:
    """The facts a parsed page states."""
    facts = OperationFacts()
    if page.method:
        facts.operation["method"] = page.method.upper()
    if page.path:
        facts.operation["path"] = page.path
    if page.limit:
        facts.operation["limit"] = _render_limit(*page.limit)
    if page.scopes is not None:
        facts.operation["scopes"] = _render_list(page.scopes)
    if page.placement_models is not None:
        facts.operation["placement models"] = _render_list(page.placement_models)
    for location, nodes in page.parameters.items():
        _docs_fields(nodes, f"{location}.", page.named_types, facts.fields)
    if page.body:
        _docs_fields(page.body, "body.", page.named_types, facts.fields)
    for code, response_fields in page.responses.items():
        facts.responses.add(code)
        if response_fields:
            _docs_fields(response_fields, f"responses.{code}.", page.named_types, facts.fields)
    return facts


# --- the spec side ---------------------------------------------------------------


def _spec_type(schema: JsonObject, leaf: JsonObject) -> str:
    if schema.get("type") == "array":
        return _spec_type(leaf, leaf) + "[]"
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        kind = "object"
    text = str(kind)
    if schema.get("format"):
        text += f"<{schema['format']}>"
    return text


def spec_facts(spec: JsonObject, operation_id: str) -> OperationFacts:
    """The facts ``spec`` states about ``operation_id``."""
    method, path, _path_item, operation = operations(spec)[operation_id]
    facts = OperationFacts()
    facts.operation["method"] = method.upper()
    facts.operation["path"] = path
    rate = operation.get("x-ymarket-rate-limit")
    if rate:
        tier = rate["tiers"][rate.get("docsTier", rate["defaultTier"])]
        facts.operation["limit"] = _render_limit(tier["limit"], rate["unit"], tier["periodSeconds"])
    facts.operation["scopes"] = _render_list(operation.get("x-ymarket-scopes", []))
    facts.operation["placement models"] = _render_list(
        operation.get("x-ymarket-placement-models", [])
    )
    for code in operation.get("responses", {}):
        facts.responses.add(str(code))
    for path, schema, leaf, required in iter_fields(spec, operation_id):
        values = {"type": _spec_type(schema, leaf), "required": _render("required", required)}
        for key in ("minItems", "maxItems"):
            if key in schema:
                values[key] = _render(key, schema[key])
        if schema.get("uniqueItems"):
            values["uniqueItems"] = "yes"
        for key in ("minimum", "maximum", "minLength", "maxLength", "pattern", "enum"):
            if key in leaf:
                values[key] = _render(key, leaf[key])
        extra = leaf.get("x-ymarket-patterns")
        if extra:
            values["patterns"] = _render("patterns", extra["patterns"])
            if extra.get("severity") != "error":
                facts.prose_patterns.add(path)
        facts.fields[path] = values
    return facts


# --- comparing -------------------------------------------------------------------


def compare(docs: OperationFacts, spec: OperationFacts) -> list[tuple[str, str, str, str]]:
    """Differences as (field, fact, docs value, spec value); facts a page omits entirely
    (no limit line, no scope list) are not compared."""
    found: list[tuple[str, str, str, str]] = []
    for fact, value in docs.operation.items():
        if spec.operation.get(fact, ABSENT) != value:
            found.append((OPERATION, fact, value, spec.operation.get(fact, ABSENT)))
    for code in sorted(docs.responses ^ spec.responses):
        found.append(
            (
                f"responses.{code}",
                "response",
                "listed" if code in docs.responses else "not listed",
                "declared" if code in spec.responses else "not declared",
            )
        )
    shared_codes = docs.responses & spec.responses

    def compared(path: str) -> bool:
        parts = path.split(".")
        return parts[0] != "responses" or parts[1] in shared_codes

    for path in sorted(set(docs.fields) | set(spec.fields)):
        if not compared(path):
            continue
        in_docs, in_spec = docs.fields.get(path), spec.fields.get(path)
        if in_docs is None or in_spec is None:
            parent = path.rsplit(".", 1)[0].removesuffix("[]")
            is_root = parent in ("path", "query", "header", "body") or (
                parent.startswith("responses.") and parent.count(".") == 1
            )
            # A field under a field only one side has is covered by that one's line.
            if is_root or (parent in docs.fields and parent in spec.fields):
                found.append(
                    (
                        path,
                        "field",
                        "documented" if in_docs is not None else "absent",
                        "present" if in_spec is not None else "absent",
                    )
                )
            continue
        for fact in sorted(set(in_docs) | set(in_spec)):
            docs_value, spec_value = in_docs.get(fact, ABSENT), in_spec.get(fact, ABSENT)
            if fact == "patterns" and docs_value == ABSENT and path in spec.prose_patterns:
                continue  # a shape given in words (e.g. "16 digits"); not a stated regex
            if docs_value != spec_value:
                found.append((path, fact, docs_value, spec_value))
    return found


def read_page(source: str, client: httpx.Client | None = None) -> str:
    """The text of a page: a file, or a URL fetched with httpx."""
    if re.match(r"^https?://", source):
        own = client is None
        http = client or httpx.Client(timeout=30.0, follow_redirects=True)
        try:
            response = http.get(source)
            response.raise_for_status()
            return response.text
        finally:
            if own:
                http.close()
    return Path(source).read_text(encoding="utf-8")


def _page_name(source: str) -> str:
    return source.rstrip("/").rsplit("/", 1)[-1]


def _operation_for(page: DocOperation, spec: JsonObject) -> str:
    known = operations(spec)
    if page.operation_id is not None and page.operation_id in known:
        return page.operation_id
    for operation_id, (method, path, _item, _op) in known.items():
        if method.upper() == (page.method or "").upper() and path == page.path:
            return operation_id
    raise PageError(
        f"{page.source}: cannot tell which operation of the spec this page describes "
        f"({page.method} {page.path}); name the file after the operationId"
    )


def check_pages(
    sources: Sequence[str],
    spec_path: Path = SPEC_PATH,
    allowlist_path: Path | None = ALLOWLIST_PATH,
    client: httpx.Client | None = None,
) -> CheckReport:
    """Compare each page with the spec; mark differences the allowlist accepts."""
    spec = load_spec(spec_path)
    allowlist = load_allowlist(allowlist_path) if allowlist_path else []
    used: set[int] = set()
    differences: list[Difference] = []
    pages: list[str] = []
    for source in sources:
        page = parse_page(read_page(source, client), source)
        operation_id = _operation_for(page, spec)
        name = _page_name(source)
        pages.append(name)
        for path, fact, docs_value, spec_value in compare(
            docs_facts(page), spec_facts(spec, operation_id)
        ):
            difference = Difference(name, operation_id, path, fact, docs_value, spec_value)
            for number, entry in enumerate(allowlist):
                if entry.matches(difference):
                    used.add(number)
                    difference = Difference(
                        name,
                        operation_id,
                        path,
                        fact,
                        docs_value,
                        spec_value,
                        entry.reason,
                        number + 1,
                    )
                    break
            differences.append(difference)
    unused = [
        entry
        for number, entry in enumerate(allowlist)
        if number not in used
        and any(fnmatch.fnmatchcase(name, page) for name in pages for page in entry.pages)
    ]
    return CheckReport(differences, unused)


def main(
    pages: Sequence[str],
    spec_path: Path = SPEC_PATH,
    allowlist_path: Path | None = ALLOWLIST_PATH,
    client: httpx.Client | None = None,
) -> int:
    """Print every difference; 0 when all are accepted, 1 on drift, 2 on an unreadable page."""
    try:
        report = check_pages(pages, spec_path, allowlist_path, client)
    except (OSError, PageError, httpx.HTTPError, ValueError) as error:
        print(f"docs-check: {error}")
        return 2
    for difference in report.differences:
        print(difference.line())
    reasons = {d.entry: d.accepted for d in report.differences if d.entry is not None}
    for number, reason in sorted(reasons.items(), key=lambda item: item[0] or 0):
        print(f"allowlist #{number}: {reason}")
    for entry in report.unused:
        print(f"note: allowlist entry matched nothing (docs now agree?): {entry.describe()}")
    drift = report.drift
    accepted = len(report.differences) - len(drift)
    print(f"docs-check: {len(pages)} page(s), {len(drift)} drift, {accepted} accepted deviation(s)")
    if drift:
        print(
            "fix spec/openapi.yaml (then `python -m generator diff` and `release`), or, after "
            "review, accept the deviation in spec/docs-allowlist.yaml with its reason"
        )
    return 1 if drift else 0
