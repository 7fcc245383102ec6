"""``python -m generator upstream-check PATH``: does Yandex's published spec say what ours says?

PATH is a checkout of Yandex's repository ``yandex-market/yandex-market-partner-api``
(or its ``openapi/`` folder). Its files are joined by relative ``$ref``\\ s; the
check resolves them, takes our four operations by operationId and compares every
fact ``spec/openapi.yaml`` holds: method and path, response codes, security
schemes, scopes (``x-auth-scopes``), placement models (the tags ``dbs``, ``fby``,
``fbs``, ``express``, ``laas``), rate limits (``x-resource-limit-config``), value
transforms (``x-transform``) and, for every parameter and body field, location,
type, format, bounds, style/explode, required, enum, pattern, uniqueness and
nullable. Descriptions are not compared (ours are short English ones).

Every difference is one line naming the operation, the place, the upstream value
and ours. A difference accepted by the reviewed allowlist
(``spec/upstream-allowlist.yaml``) is printed with its reason; any other one makes
the command exit 1. Yandex changes the shape of its extensions now and then: a
shape this module does not know is reported as a difference, never a traceback.

``spec/upstream.lock`` records which upstream the spec was last reconciled with
(commit, date, and a hash of the files the four operations use); the check says
when PATH differs from it, and ``--update-lock`` rewrites it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.build import REPO_ROOT, SPEC_PATH
from generator.compile import load_spec
from generator.docs_check import AllowlistEntry
from generator.docs_check import Difference as AllowlistProbe
from generator.docs_check import load_allowlist as load_docs_allowlist
from generator.spec_walk import JsonObject, deref, iter_fields, operations

__all__ = [
    "ALLOWLIST_PATH",
    "LOCK_PATH",
    "PLACEMENT_TAGS",
    "TIER_NAMES",
    "Difference",
    "Upstream",
    "UpstreamError",
    "bundle_upstream",
    "compare",
    "load_allowlist",
    "lock_status",
    "main",
    "read_lock",
    "read_upstream",
    "write_lock",
]

ALLOWLIST_PATH = REPO_ROOT / "spec" / "upstream-allowlist.yaml"
LOCK_PATH = REPO_ROOT / "spec" / "upstream.lock"
OPERATION = "(operation)"
ABSENT = "—"
UNREADABLE = "(unreadable)"  # a fact of unknown shape: reported once as "shape", not compared
#: Tags of an upstream operation that name a placement model (the others are topics).
PLACEMENT_TAGS = ("dbs", "fby", "fbs", "express", "laas")
#: Upstream tier name -> ours (``x-ymarket-rate-limit.tiers``); a tier we lack is
#: the operation's ``defaultTier``, as for clients.
TIER_NAMES = {"none": "base", "medium": "extended"}
_PERIODS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_FIELD_FACTS = (
    "format",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "nullable",
)
_LIMIT_KEYS = {"amount", "period", "period-duration"}


class UpstreamError(Exception):
    """PATH is not a readable copy of Yandex's spec."""


@dataclass(frozen=True)
class Difference:
    """One fact upstream and our spec disagree on."""

    operation: str
    field: str
    fact: str
    upstream: str
    ours: str
    accepted: str | None = None  # the allowlist's reason
    entry: int | None = None  # its number in the allowlist, from 1

    def line(self) -> str:
        """The printed form: operation, place, fact, both values (and the reason if accepted)."""
        status = "accepted" if self.accepted else "DRIFT   "
        text = (
            f"{status} {self.operation} {self.field} {self.fact}: "
            f"upstream says {self.upstream}, ours says {self.ours}"
        )
        return f"{text}  [allowlist #{self.entry}: {self.accepted}]" if self.accepted else text


@dataclass
class Upstream:
    """Yandex's spec as far as the four operations use it."""

    root: Path  # the openapi/ folder
    spec: JsonObject  # an OpenAPI document: header, the operations' paths, security schemes
    files: dict[str, bytes] = field(default_factory=dict)  # every file used, by relative path
    missing: list[str] = field(default_factory=list)  # operationIds not found
    commit: str | None = None
    date: str | None = None

    def digest(self) -> str:
        """sha256 over the files the four operations use (names and contents)."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name] + b"\0")
        return digest.hexdigest()


# --- reading upstream ------------------------------------------------------------


class _Resolver:
    """Loads YAML files once and inlines their relative ``$ref``\\ s."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, bytes] = {}
        self._loaded: dict[Path, Any] = {}

    def load(self, path: Path) -> Any:
        path = path.resolve()
        if path not in self._loaded:
            try:
                data = path.read_bytes()
            except OSError as error:
                raise UpstreamError(f"cannot read {path}: {error.strerror}") from error
            self.files[path.relative_to(self.root).as_posix()] = data
            try:
                self._loaded[path] = yaml.load(data, Loader=_LOADER)
            except yaml.YAMLError as error:
                raise UpstreamError(f"{path.name}: not YAML: {error}") from error
        return self._loaded[path]

    def resolve(self, node: Any, base: Path, document: Any, seen: tuple[str, ...] = ()) -> Any:
        """``node`` (found in file ``base`` whose content is ``document``) with refs inlined."""
        if isinstance(node, list):
            return [self.resolve(item, base, document, seen) for item in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            file_part, _, fragment = ref.partition("#")
            target_file = (base.parent / file_part).resolve() if file_part else base
            key = f"{target_file}#{fragment}"
            if key in seen:
                return {"x-upstream-cycle": ref}
            target_doc = self.load(target_file) if file_part else document
            target = target_doc
            for part in [p for p in fragment.split("/") if p]:
                if not isinstance(target, dict) or part not in target:
                    raise UpstreamError(f"unresolvable $ref {ref!r} in {base.name}")
                target = target[part.replace("~1", "/").replace("~0", "~")]
            resolved = self.resolve(target, target_file, target_doc, (*seen, key))
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(resolved, dict):
                # Yandex puts a description next to $ref; our comparison ignores it.
                return {**resolved, **self.resolve(siblings, base, document, seen)}
            return resolved
        return {key: self.resolve(value, base, document, seen) for key, value in node.items()}


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPERATION_ID = re.compile(r"^\s*operationId:\s*['\"]?([A-Za-z0-9_]+)['\"]?\s*$", re.MULTILINE)


def _openapi_root(path: Path) -> Path:
    for candidate in (path, path / "openapi"):
        if (candidate / "openapi.yaml").is_file():
            return candidate
    raise UpstreamError(f"{path}: no openapi.yaml here nor in openapi/")


def _git(root: Path, *args: str) -> str | None:
    try:
        top = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if Path(top).resolve() not in (root.resolve(), root.resolve().parent):
            return None  # an enclosing repository, not Yandex's checkout
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _provenance(root: Path) -> tuple[str | None, str | None]:
    """(commit, date) of the upstream at ``root`` (the openapi/ folder)."""
    commit = _git(root, "rev-parse", "HEAD")
    if commit:
        return commit, _git(root, "log", "-1", "--format=%cI")
    for folder in (root, root.parent):
        snapshot = folder / "SNAPSHOT.txt"
        if snapshot.is_file():
            text = snapshot.read_text(encoding="utf-8")
            found_commit = re.search(r"^commit:\s*(\S+)", text, re.MULTILINE)
            found_date = re.search(r"^committed:\s*(\S+)", text, re.MULTILINE)
            return (
                found_commit.group(1) if found_commit else None,
                found_date.group(1) if found_date else None,
            )
    return None, None


def read_upstream(path: Path, operation_ids: Iterable[str]) -> Upstream:
    """The operations ``operation_ids`` of the checkout at ``path``, every ``$ref`` inlined."""
    root = _openapi_root(path).resolve()
    resolver = _Resolver(root)
    index_path = root / "openapi.yaml"
    index = resolver.load(index_path)
    resolver.files.pop("openapi.yaml")  # changes with every new path; not one the four use
    if not isinstance(index, dict) or not isinstance(index.get("paths"), dict):
        raise UpstreamError(f"{index_path}: no paths")
    wanted = set(operation_ids)
    paths: JsonObject = {}
    for url, item in index["paths"].items():
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            file = (root / item["$ref"]).resolve()
            try:
                text = file.read_text(encoding="utf-8")
            except OSError:
                continue
            if not wanted.intersection(_OPERATION_ID.findall(text)):
                continue
            item = resolver.resolve(item, index_path, index)
        elif not isinstance(item, dict):
            continue
        else:
            item = resolver.resolve(item, index_path, index)
        kept = {
            method: operation
            for method, operation in item.items()
            if isinstance(operation, dict) and operation.get("operationId") in wanted
        }
        if kept:
            if "parameters" in item:
                kept["parameters"] = item["parameters"]
            paths[url] = kept
    components: JsonObject = index.get("components") or {}
    if not isinstance(components, dict):
        components = {}
    schemes = resolver.resolve(components.get("securitySchemes", {}), index_path, index)
    spec: JsonObject = {
        # The index's header keeps ``spec`` a complete OpenAPI document (bundle_upstream).
        **{key: index[key] for key in ("openapi", "info", "servers") if key in index},
        "paths": paths,
        "components": {"securitySchemes": schemes},
        "security": index.get("security", []),
    }
    found = set(operations(spec))
    commit, date = _provenance(root)
    return Upstream(root, spec, resolver.files, sorted(wanted - found), commit=commit, date=date)


def bundle_upstream(path: Path, operation_ids: Iterable[str]) -> JsonObject:
    """A self-contained OpenAPI document of the operations ``operation_ids`` of PATH.

    Every ``$ref`` is inlined (as for the comparison), so tools such as schemathesis
    can load the result without the rest of Yandex's repository.
    Raises ``UpstreamError`` when PATH is unreadable or lacks one of the operations.
    """
    upstream = read_upstream(path, operation_ids)
    if upstream.missing:
        raise UpstreamError(f"{upstream.root}: no operation {', '.join(upstream.missing)}")
    return upstream.spec


# --- facts -----------------------------------------------------------------------


def _render(value: object) -> str:
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_render(item) for item in value) if value else "(none)"
    return str(value)


def _type(schema: JsonObject) -> str | None:
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        kind = "object"
    return None if kind is None else str(kind)


def _schema_facts(prefix: str, schema: JsonObject, facts: dict[str, str]) -> None:
    facts[f"{prefix}type"] = _render(_type(schema))
    for key in _FIELD_FACTS:
        value = schema.get(key)
        if key in ("uniqueItems", "nullable") and not value:
            continue
        if value is not None:
            facts[f"{prefix}{key}"] = _render(value)


def _field_facts(spec: JsonObject, operation_id: str, ours: bool) -> dict[str, dict[str, str]]:
    fields: dict[str, dict[str, str]] = {}
    for path, schema, leaf, required in iter_fields(spec, operation_id):
        facts = {"required": _render(required)}
        _schema_facts("", schema, facts)
        if schema.get("type") == "array":
            _schema_facts("items.", leaf, facts)
        if ours:
            # Upstream has no counterpart of our documented-format rules: reported as ours only.
            extra = leaf.get("x-ymarket-patterns")
            if isinstance(extra, dict):
                facts["patterns"] = " or ".join(f"`{p}`" for p in extra.get("patterns", []))
            transform = leaf.get("x-ymarket-transform")
        else:
            transform = leaf.get("x-transform")
        if transform is not None:
            facts["transform"] = _render(transform)
        fields[path] = facts
    _method, _path, path_item, operation = operations(spec)[operation_id]
    for raw in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = deref(spec, raw)
        location = parameter.get("in")
        default_style = "form" if location in ("query", "cookie") else "simple"
        style = parameter.get("style", default_style)
        explode = parameter.get("explode", style == "form")
        facts = fields.setdefault(f"{location}.{parameter.get('name')}", {})
        facts["style"] = str(style)
        facts["explode"] = _render(explode)
    return fields


def _limit_text(amount: object, seconds: object, parallel: object) -> str:
    text = f"{_render(amount)} per {_render(seconds)} s"
    return text if parallel is None else f"{text}, at most {_render(parallel)} in flight"


def _upstream_limits(config: object) -> tuple[dict[str, str], list[str]]:
    """Rate-limit facts of ``x-resource-limit-config``, and the parts of unknown shape."""
    facts: dict[str, str] = {}
    unknown: list[str] = []
    if config is None:
        return facts, unknown
    if not isinstance(config, dict):
        facts["counted"] = UNREADABLE
        facts.update({f"limit[{tier}]": UNREADABLE for tier in TIER_NAMES})
        return facts, [f"is {type(config).__name__}: {config!r}"]
    counted = config.get("path")
    if counted == "resp":
        facts["counted"] = "requests"
    elif isinstance(counted, str) and counted.startswith("req."):
        facts["counted"] = f"items of {counted.removeprefix('req.')}"
    else:
        facts["counted"] = UNREADABLE
        unknown.append(f"path {counted!r}")
    parallel = config.get("parallel-limit-value")
    if parallel is not None and not isinstance(parallel, int):
        unknown.append(f"parallel-limit-value {parallel!r}")
        facts.update({f"limit[{tier}]": UNREADABLE for tier in TIER_NAMES})
        return facts, unknown
    for key, value in config.items():
        if key in ("path", "parallel-limit-value"):
            continue
        if key not in TIER_NAMES:
            unknown.append(f"key {key!r}")
            continue
        if (
            not isinstance(value, dict)
            or set(value) != _LIMIT_KEYS
            or not isinstance(value["amount"], int)
            or value["period"] not in _PERIODS
            or not isinstance(value["period-duration"], int)
        ):
            unknown.append(f"tier {key}: {value!r}")
            facts[f"limit[{key}]"] = UNREADABLE
            continue
        seconds = _PERIODS[value["period"]] * value["period-duration"]
        facts[f"limit[{key}]"] = _limit_text(value["amount"], seconds, parallel)
    return facts, unknown


def _our_limits(rate: object) -> dict[str, str]:
    facts: dict[str, str] = {}
    if not isinstance(rate, dict):
        return facts
    unit = rate.get("unit")
    facts["counted"] = f"items of {rate.get('itemsField')}" if unit == "items" else str(unit)
    tiers = rate.get("tiers", {})
    for upstream_name, our_name in TIER_NAMES.items():
        tier = tiers.get(our_name) or tiers.get(rate.get("defaultTier"), {})
        facts[f"limit[{upstream_name}]"] = _limit_text(
            tier.get("limit"), tier.get("periodSeconds"), tier.get("maxParallel")
        )
    return facts


def _string_list(value: object, what: str, unknown: list[str]) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    unknown.append(f"{what} {value!r}")
    return None


def _security(spec: JsonObject, operation: JsonObject) -> dict[str, str]:
    facts: dict[str, str] = {}
    requirements = operation.get("security", spec.get("security", []))
    names: list[str] = []
    for requirement in requirements if isinstance(requirements, list) else []:
        names += list(requirement) if isinstance(requirement, dict) else [str(requirement)]
    facts["security"] = _render(sorted(names))
    schemes = spec.get("components", {}).get("securitySchemes", {})
    for name in sorted(names):
        scheme = schemes.get(name, {}) if isinstance(schemes, dict) else {}
        scheme = scheme if isinstance(scheme, dict) else {}
        for key in ("type", "in", "name", "scheme"):
            facts[f"securitySchemes.{name}.{key}"] = _render(scheme.get(key))
    return facts


def _operation_facts(
    spec: JsonObject, operation_id: str, ours: bool
) -> tuple[dict[str, str], list[str]]:
    method, path, _item, operation = operations(spec)[operation_id]
    unknown: list[str] = []
    facts = {
        "method": method.upper(),
        "path": path,
        "responses": _render(sorted(str(code) for code in operation.get("responses", {}))),
        **_security(spec, operation),
    }
    if ours:
        facts["scopes"] = _render(sorted(operation.get("x-ymarket-scopes", [])))
        facts["placement models"] = _render(sorted(operation.get("x-ymarket-placement-models", [])))
        facts.update(_our_limits(operation.get("x-ymarket-rate-limit")))
    else:
        scopes = _string_list(operation.get("x-auth-scopes"), "x-auth-scopes", unknown)
        facts["scopes"] = UNREADABLE if scopes is None else _render(sorted(scopes))
        tags = _string_list(operation.get("tags"), "tags", unknown)
        facts["placement models"] = (
            UNREADABLE
            if tags is None
            else _render(sorted(tag.upper() for tag in tags if tag in PLACEMENT_TAGS))
        )
        limits, shape = _upstream_limits(operation.get("x-resource-limit-config"))
        facts.update(limits)
        unknown += [f"x-resource-limit-config {part}" for part in shape]
    return facts, unknown


def compare(upstream: JsonObject, ours: JsonObject) -> list[Difference]:
    """Every difference between upstream's and our facts, for each of our operations."""
    differences: list[Difference] = []
    upstream_operations = operations(upstream)
    for operation_id in operations(ours):
        if operation_id not in upstream_operations:
            differences.append(Difference(operation_id, OPERATION, "exists", "no", "yes"))
            continue
        theirs, unknown = _operation_facts(upstream, operation_id, ours=False)
        mine, _ = _operation_facts(ours, operation_id, ours=True)
        for text in unknown:
            differences.append(Difference(operation_id, OPERATION, "shape", text, "(known shape)"))
        for fact in sorted(set(theirs) | set(mine)):
            if theirs.get(fact) != UNREADABLE and theirs.get(fact, ABSENT) != mine.get(
                fact, ABSENT
            ):
                differences.append(
                    Difference(
                        operation_id,
                        OPERATION,
                        fact,
                        theirs.get(fact, ABSENT),
                        mine.get(fact, ABSENT),
                    )
                )
        try:
            their_fields = _field_facts(upstream, operation_id, ours=False)
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            differences.append(
                Difference(operation_id, OPERATION, "shape", f"unreadable fields: {error!r}", "—")
            )
            continue
        my_fields = _field_facts(ours, operation_id, ours=True)
        for place in sorted(set(their_fields) | set(my_fields)):
            if place not in my_fields or place not in their_fields:
                differences.append(
                    Difference(
                        operation_id,
                        place,
                        "field",
                        "present" if place in their_fields else ABSENT,
                        "present" if place in my_fields else ABSENT,
                    )
                )
                continue
            a, b = their_fields[place], my_fields[place]
            for fact in sorted(set(a) | set(b)):
                if a.get(fact, ABSENT) != b.get(fact, ABSENT):
                    differences.append(
                        Difference(
                            operation_id, place, fact, a.get(fact, ABSENT), b.get(fact, ABSENT)
                        )
                    )
    return differences


def _accept(
    differences: list[Difference], allowlist: list[AllowlistEntry]
) -> tuple[list[Difference], list[AllowlistEntry]]:
    """Mark the differences the allowlist accepts; also return the entries that matched nothing."""
    out: list[Difference] = []
    used: set[int] = set()
    for difference in differences:
        # The allowlist format is docs-check's: "docs" is the upstream value, "spec" ours.
        probe = _as_docs_difference(difference)
        for number, entry in enumerate(allowlist):
            if entry.matches(probe):
                used.add(number)
                difference = Difference(
                    difference.operation,
                    difference.field,
                    difference.fact,
                    difference.upstream,
                    difference.ours,
                    entry.reason,
                    number + 1,
                )
                break
        out.append(difference)
    return out, [entry for number, entry in enumerate(allowlist) if number not in used]


def _as_docs_difference(difference: Difference) -> AllowlistProbe:
    return AllowlistProbe(
        "upstream",
        difference.operation,
        difference.field,
        difference.fact,
        difference.upstream,
        difference.ours,
    )


def load_allowlist(path: Path = ALLOWLIST_PATH) -> list[AllowlistEntry]:
    """Read the reviewed allowlist; every entry needs operation, field, fact and reason.

    ``upstream``/``ours``, when given, pin the exact values, so a later change of
    either side is drift again. The format is docs-check's, its pages "upstream".
    """
    return load_docs_allowlist(path, pages=("upstream",), theirs="upstream", ours="ours")


# --- the lock --------------------------------------------------------------------


def read_lock(path: Path = LOCK_PATH) -> dict[str, str]:
    """The recorded upstream: commit, date, files (their count) and sha256."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(key): str(value) for key, value in data.items()} if isinstance(data, dict) else {}


def write_lock(upstream: Upstream, path: Path = LOCK_PATH) -> None:
    """Record ``upstream`` as the one the spec is reconciled with."""
    header = (
        "# The upstream (Yandex's published spec) spec/openapi.yaml was last reconciled with.\n"
        "# Written by `python -m generator upstream-check PATH --update-lock`; sha256 covers\n"
        "# the files the four operations use (names and contents).\n"
    )
    data = {
        "commit": upstream.commit or ABSENT,
        "date": upstream.date or ABSENT,
        "files": len(upstream.files),
        "sha256": upstream.digest(),
    }
    path.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _instant(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def lock_status(upstream: Upstream, lock: dict[str, str]) -> str:
    """One line saying how ``upstream`` relates to the lock."""
    if not lock:
        return "lock: none yet (run with --update-lock after reconciling)"
    same_files = lock.get("sha256") == upstream.digest()
    if upstream.commit == lock.get("commit") and same_files:
        return f"lock: reconciled with this upstream ({upstream.commit}, {upstream.date})"
    here, there = _instant(upstream.date), _instant(lock.get("date"))
    relation = "differs from"
    if here and there:
        relation = (
            "is newer than" if here > there else "is older than" if here < there else relation
        )
    files = (
        "the files the four operations use are unchanged"
        if same_files
        else "the files the four operations use CHANGED"
    )
    return (
        f"lock: PATH ({upstream.commit or 'unknown commit'}, {upstream.date or 'unknown date'}) "
        f"{relation} the lock ({lock.get('commit')}, {lock.get('date')}); {files}"
    )


# --- command ---------------------------------------------------------------------


def main(
    path: Path,
    spec_path: Path = SPEC_PATH,
    allowlist_path: Path | None = ALLOWLIST_PATH,
    lock_path: Path = LOCK_PATH,
    *,
    update_lock: bool = False,
) -> int:
    """Print every difference; 0 when all are accepted, 1 on drift, 2 when PATH is unreadable."""
    ours = load_spec(spec_path)
    try:
        upstream = read_upstream(path, operations(ours))
        allowlist = load_allowlist(allowlist_path) if allowlist_path else []
    except (UpstreamError, ValueError, OSError) as error:
        print(f"upstream-check: {error}")
        return 2
    differences, unused = _accept(compare(upstream.spec, ours), allowlist)
    for difference in differences:
        print(difference.line())
    for entry in unused:
        print(f"note: allowlist entry matched nothing (upstream now agrees?): {entry.describe()}")
    print(lock_status(upstream, read_lock(lock_path)))
    drift = [d for d in differences if d.accepted is None]
    print(
        f"upstream-check: {len(operations(ours))} operation(s), {len(drift)} drift, "
        f"{len(differences) - len(drift)} accepted deviation(s)"
    )
    if update_lock:
        write_lock(upstream, lock_path)
        print(f"wrote {lock_path.name}: {upstream.commit} {upstream.date}")
    if drift:
        print(
            "fix spec/openapi.yaml (then `python -m generator release`), or, after review, "
            "accept the deviation in spec/upstream-allowlist.yaml with its reason"
        )
    return 1 if drift else 0
