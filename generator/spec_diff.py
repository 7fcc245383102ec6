"""``python -m generator diff OLD NEW``: what changed between two specs, for users of the client.

Every change is classified:

- ``breaking``: code that worked against OLD may fail against NEW (removed
  operation or field, new required field, tightened constraint, narrowed
  request enum, changed path, method or type, a response field that may now be
  absent);
- ``additive``: new capability, nothing breaks (new operation, new optional
  field, loosened constraint, new enum value, new response code);
- ``patch``: behaviour or documentation only (the default tier, repeatability,
  constraints on what the server returns, descriptions).

The project's ``x-ymarket-*`` extensions are classified by their effect: a lower
rate or parallel limit, a new value transform or a removed placement model is
breaking, the opposite additive.

The proposed version bump is semver: breaking -> major, additive -> minor,
otherwise patch. ``info.version`` itself is not compared.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from generator.compile import load_spec
from generator.spec_walk import JsonObject, iter_fields, operations

__all__ = ["KINDS", "Change", "Kind", "bump", "bump_kind", "diff_specs", "main", "where"]

Kind = Literal["breaking", "additive", "patch"]
KINDS: tuple[Kind, ...] = ("breaking", "additive", "patch")
_BUMP = {"breaking": "major", "additive": "minor", "patch": "patch"}
# Bounds: for each keyword, whether a larger value accepts more (loosens).
_LOWER_BOUNDS = ("minimum", "minLength", "minItems")
_UPPER_BOUNDS = ("maximum", "maxLength", "maxItems")
_BOUND_WORDS = {
    "minimum": "a value of at least {}",
    "maximum": "a value of at most {}",
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
}


@dataclass(frozen=True)
class Change:
    """One change between two specs, in words a user of the client understands."""

    kind: Kind
    operations: tuple[str, ...]  # empty: the whole API
    text: str

    @property
    def subject(self) -> str:
        """The operations it concerns, as Markdown."""
        return ", ".join(f"`{name}`" for name in self.operations)

    def line(self) -> str:
        """The printed form."""
        subject = f"{self.subject}: " if self.operations else ""
        return f"{self.kind.upper():9} {subject}{self.text}"


def where(field: str) -> str:
    """``body.licenses[].outletId`` -> "`licenses[].outletId` in the request body"."""
    location, _, rest = field.partition(".")
    if location == "path":
        return f"path parameter `{rest}`"
    if location == "query":
        return f"query parameter `{rest}`"
    if location == "header":
        return f"header `{rest}`"
    if location == "body":
        return f"`{rest}` in the request body"
    code, _, name = rest.partition(".")
    return f"`{name}` in the {code} response"


def _type(schema: JsonObject, leaf: JsonObject) -> str:
    if schema.get("type") == "array":
        return _type(leaf, leaf) + "[]"
    kind = schema.get("type") or ("object" if "properties" in schema else "any")
    text = f"{kind}<{schema['format']}>" if schema.get("format") else str(kind)
    return text


def _fields(spec: JsonObject, operation_id: str) -> dict[str, tuple[JsonObject, JsonObject, bool]]:
    return {
        name: (schema, leaf, req) for name, schema, leaf, req in iter_fields(spec, operation_id)
    }


class _Collector:
    def __init__(self, operation: str | None) -> None:
        self.operation = operation
        self.changes: list[Change] = []

    def add(self, kind: Kind, text: str) -> None:
        self.changes.append(Change(kind, (self.operation,) if self.operation else (), text))


def _listed(values: Sequence[object]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _compare_field(
    out: _Collector,
    name: str,
    old: tuple[JsonObject, JsonObject, bool],
    new: tuple[JsonObject, JsonObject, bool],
) -> None:
    (old_schema, old_leaf, old_required), (new_schema, new_leaf, new_required) = old, new
    request = not name.startswith("responses.")
    place = where(name)
    # Which side a narrower set of values hurts: the client sends requests, reads responses.
    tighter: Kind = "breaking" if request else "patch"
    looser: Kind = "additive" if request else "patch"

    if old_required != new_required:
        if request:
            kind: Kind = "breaking" if new_required else "additive"
            text = "is now required" if new_required else "is now optional"
        else:
            kind = "patch" if new_required else "breaking"
            text = "is now always present" if new_required else "may now be absent"
        out.add(kind, f"{place} {text}.")
    old_type, new_type = _type(old_schema, old_leaf), _type(new_schema, new_leaf)
    if old_type != new_type:
        out.add("breaking", f"{place} changed type from `{old_type}` to `{new_type}`.")
    old_null, new_null = bool(old_schema.get("nullable")), bool(new_schema.get("nullable"))
    if old_null != new_null:
        if request:
            out.add(
                looser if new_null else tighter,
                f"{place} {'now' if new_null else 'no longer'} accepts null.",
            )
        else:
            out.add(
                "breaking" if new_null else "patch",
                f"{place} {'may now be' if new_null else 'is no longer'} null.",
            )

    for source_old, source_new, keys in (
        (old_schema, new_schema, ("minItems", "maxItems")),
        (old_leaf, new_leaf, ("minimum", "maximum", "minLength", "maxLength")),
    ):
        for key in keys:
            before, after = source_old.get(key), source_new.get(key)
            if before == after:
                continue
            lower = key in _LOWER_BOUNDS
            if before is None:
                loosened = False
            elif after is None:
                loosened = True
            else:
                loosened = after < before if lower else after > before
            words = _BOUND_WORDS[key]
            verb = "accepts" if request else "returns"
            if after is None:
                text = f"{place} no longer limited to {words.format(before)}."
            else:
                was = f" (was {before})" if before is not None else ""
                text = f"{place} {verb} {words.format(after)}{was}."
            out.add(looser if loosened else tighter, text)

    if bool(old_schema.get("uniqueItems")) != bool(new_schema.get("uniqueItems")):
        unique = bool(new_schema.get("uniqueItems"))
        text = f"{place} {'must now hold' if unique else 'may now repeat'} " + (
            "distinct items." if unique else "items."
        )
        out.add(tighter if unique else looser, text)

    old_enum, new_enum = old_leaf.get("enum"), new_leaf.get("enum")
    if old_enum != new_enum:
        if old_enum is None or new_enum is None:
            if new_enum is not None:
                out.add(tighter, f"{place} is now limited to {_listed(new_enum)}.")
            else:
                out.add(looser, f"{place} is no longer limited to a list of values.")
        else:
            added = [v for v in new_enum if v not in old_enum]
            removed = [v for v in old_enum if v not in new_enum]
            if added:
                verb = "accepts" if request else "may return"
                out.add("additive", f"{place} {verb} new value(s) {_listed(added)}.")
            if removed:
                verb = "no longer accepts" if request else "no longer returns"
                out.add(tighter, f"{place} {verb} {_listed(removed)}.")

    before_pattern, after_pattern = old_leaf.get("pattern"), new_leaf.get("pattern")
    if before_pattern != after_pattern:
        if after_pattern is None:
            out.add(looser, f"{place} no longer has to match `{before_pattern}`.")
        else:
            out.add(tighter, f"{place} must now match `{after_pattern}`.")

    old_extra = old_leaf.get("x-ymarket-patterns") or {}
    new_extra = new_leaf.get("x-ymarket-patterns") or {}
    if old_extra != new_extra:
        enforced = new_extra.get("severity") == "error"
        was_enforced = old_extra.get("severity") == "error"
        if not new_extra:
            out.add(
                looser if was_enforced else "patch", f"{place} has no documented format any more."
            )
        elif enforced and (
            not was_enforced or old_extra.get("patterns") != new_extra.get("patterns")
        ):
            out.add(tighter, f"{place} must now match {_listed(new_extra['patterns'])}.")
        elif was_enforced and not enforced:
            out.add(looser, f"{place} format is now only warned about, not refused.")
        else:
            out.add("patch", f"{place} format check ({new_extra.get('rule')}) changed.")

    old_transform = old_leaf.get("x-ymarket-transform")
    new_transform = new_leaf.get("x-ymarket-transform")
    if old_transform != new_transform:
        if new_transform is None:
            out.add(looser, f"{place} is no longer transformed ({old_transform}) by the server.")
        else:
            # Values that differed only in what the transform removes are now the same value.
            out.add(tighter, f"{place} is now transformed by the server: {new_transform}.")

    old_rule = old_leaf.get("x-ymarket-not-before") or {}
    new_rule = new_leaf.get("x-ymarket-not-before") or {}
    if old_rule != new_rule:
        for later, earlier in new_rule.items():
            if old_rule.get(later) != earlier:
                out.add(tighter, f"{place}: `{later}` may not be earlier than `{earlier}`.")
        for later, earlier in old_rule.items():
            if later not in new_rule:
                out.add(looser, f"{place}: `{later}` is no longer checked against `{earlier}`.")


def _tier_text(rate: JsonObject, tier: JsonObject) -> str:
    text = f"{tier['limit']:,} {rate['unit']} per {tier['periodSeconds']:g} s"
    if tier.get("maxParallel") is not None:
        text += f", at most {tier['maxParallel']} in flight"
    return text


def _parallel(value: object) -> float:
    return float("inf") if value is None else float(str(value))


def _compare_rate(out: _Collector, old_op: JsonObject, new_op: JsonObject) -> None:
    """Limits by their effect: a lower rate or parallel cap is breaking (callers that kept
    to the old limit now meet 420), a higher one additive, the default tier a patch."""
    old_rate = old_op.get("x-ymarket-rate-limit") or {}
    new_rate = new_op.get("x-ymarket-rate-limit") or {}
    if old_rate == new_rate:
        return
    if not old_rate or not new_rate:
        out.add(
            "breaking" if new_rate else "additive",
            "now has a rate limit." if new_rate else "no longer has a rate limit.",
        )
        return
    if (old_rate.get("unit"), old_rate.get("itemsField")) != (
        new_rate.get("unit"),
        new_rate.get("itemsField"),
    ):
        out.add("breaking", f"the rate limit now counts {new_rate.get('unit')}.")
    if old_rate.get("defaultTier") != new_rate.get("defaultTier"):
        out.add("patch", f"clients now pace to the `{new_rate.get('defaultTier')}` tier.")
    old_tiers, new_tiers = old_rate.get("tiers", {}), new_rate.get("tiers", {})
    for name in sorted(old_tiers.keys() | new_tiers.keys()):
        before, after = old_tiers.get(name), new_tiers.get(name)
        if before is None or after is None:
            out.add(
                "additive" if before is None else "breaking",
                f"rate-limit tier `{name}` {'added' if before is None else 'removed'}.",
            )
            continue
        slower = after["limit"] / after["periodSeconds"] < before["limit"] / before["periodSeconds"]
        faster = after["limit"] / after["periodSeconds"] > before["limit"] / before["periodSeconds"]
        fewer = _parallel(after.get("maxParallel")) < _parallel(before.get("maxParallel"))
        more = _parallel(after.get("maxParallel")) > _parallel(before.get("maxParallel"))
        if not (slower or faster or fewer or more):
            continue
        kind: Kind = "breaking" if slower or fewer else "additive"
        out.add(
            kind,
            f"rate limit (`{name}` tier) is now {_tier_text(new_rate, after)} "
            f"(was {_tier_text(old_rate, before)}); the client paces to it.",
        )


_HANDLED_EXTENSIONS = frozenset(
    {
        "x-ymarket-scopes",
        "x-ymarket-placement-models",
        "x-ymarket-rate-limit",
        "x-ymarket-bulk-field",
        "x-ymarket-patterns",
        "x-ymarket-not-before",
        "x-ymarket-transform",
        "x-ymarket-campaign-limits",
        "x-ymarket-repeatable",
    }
)


def _extensions(node: Any, pointer: str = "") -> dict[str, Any]:
    """Every ``x-ymarket-*`` value in ``node`` by where it is (``/paths/.../x-ymarket-k``)."""
    found: dict[str, Any] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{key}"
            if isinstance(key, str) and key.startswith("x-ymarket-"):
                found[here] = value
            else:
                found.update(_extensions(value, here))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.update(_extensions(value, f"{pointer}/{index}"))
    return found


def _compare_root(old: JsonObject, new: JsonObject) -> list[Change]:
    """Spec-level extensions, and any extension no rule above knows, by effect."""
    changes: list[Change] = []
    before = old.get("x-ymarket-campaign-limits") or {}
    after = new.get("x-ymarket-campaign-limits") or {}
    if before != after:
        old_cap, new_cap = _parallel(before.get("maxParallel")), _parallel(after.get("maxParallel"))
        if new_cap != old_cap:
            changes.append(
                Change(
                    "breaking" if new_cap < old_cap else "additive",
                    (),
                    f"at most {after.get('maxParallel', 'any number of')} requests in flight "
                    f"per campaign (was {before.get('maxParallel', 'no limit')}); "
                    "the client paces to it.",
                )
            )
        if before.get("message") != after.get("message"):
            changes.append(Change("patch", (), "the campaign limit's 420 message changed."))
    old_ext, new_ext = _extensions(old), _extensions(new)
    for pointer in sorted(old_ext.keys() | new_ext.keys()):
        if pointer.rsplit("/", 1)[1] in _HANDLED_EXTENSIONS:
            continue
        if old_ext.get(pointer) != new_ext.get(pointer):
            changes.append(Change("patch", (), f"`{pointer.lstrip('/')}` changed."))
    return changes


def _compare_operation(
    out: _Collector, old_spec: JsonObject, new_spec: JsonObject, operation_id: str
) -> None:
    old_method, old_path, _, old_op = operations(old_spec)[operation_id]
    new_method, new_path, _, new_op = operations(new_spec)[operation_id]
    if (old_method, old_path) != (new_method, new_path):
        out.add(
            "breaking",
            f"moved from {old_method.upper()} {old_path} to {new_method.upper()} {new_path}.",
        )
    for key, noun in (("x-ymarket-scopes", "scope"), ("x-ymarket-placement-models", "model")):
        before, after = old_op.get(key, []), new_op.get(key, [])
        removed = [v for v in before if v not in after]
        added = [v for v in after if v not in before]
        if removed:
            out.add("breaking", f"no longer available with {noun}(s) {_listed(removed)}.")
        if added:
            out.add("additive", f"now also available with {noun}(s) {_listed(added)}.")
    _compare_rate(out, old_op, new_op)
    old_repeat, new_repeat = old_op.get("x-ymarket-repeatable"), new_op.get("x-ymarket-repeatable")
    if old_repeat != new_repeat:
        out.add(
            "patch", f"repeatable after an ambiguous failure: now {new_repeat} (was {old_repeat})."
        )
    if old_op.get("x-ymarket-bulk-field") != new_op.get("x-ymarket-bulk-field"):
        out.add("patch", f"bulk calls now split `{new_op.get('x-ymarket-bulk-field')}`.")
    old_codes = {str(c) for c in old_op.get("responses", {})}
    new_codes = {str(c) for c in new_op.get("responses", {})}
    for code in sorted(new_codes - old_codes):
        out.add("additive", f"may now answer {code}.")
    for code in sorted(old_codes - new_codes):
        out.add("patch", f"no longer documents answer {code}.")
    old_body = "requestBody" in old_op and old_op["requestBody"].get("required", False)
    new_body = "requestBody" in new_op and new_op["requestBody"].get("required", False)
    if old_body != new_body:
        out.add(
            "breaking" if new_body else "additive",
            f"request body is now {'required' if new_body else 'optional'}.",
        )

    old_fields, new_fields = _fields(old_spec, operation_id), _fields(new_spec, operation_id)

    def parent_in_both(name: str) -> bool:
        parent = name.rsplit(".", 1)[0].removesuffix("[]")
        is_root = parent in ("path", "query", "header", "body") or (
            parent.startswith("responses.")
            and parent.count(".") == 1
            and parent.split(".")[1] in old_codes & new_codes
        )
        return is_root or (parent in old_fields and parent in new_fields)

    for name in new_fields:
        if name not in old_fields and parent_in_both(name):
            request = not name.startswith("responses.")
            if new_fields[name][2] and request:
                out.add("breaking", f"new required {where(name)}.")
            else:
                out.add(
                    "additive", f"new optional {where(name)}." if request else f"new {where(name)}."
                )
    for name in old_fields:
        if name not in new_fields and parent_in_both(name):
            out.add("breaking", f"{where(name)} was removed.")
    for name in old_fields.keys() & new_fields.keys():
        _compare_field(out, name, old_fields[name], new_fields[name])


def _without_version(spec: JsonObject) -> JsonObject:
    stripped = copy.deepcopy(spec)
    stripped.get("info", {}).pop("version", None)
    return stripped


def diff_specs(old: JsonObject, new: JsonObject) -> list[Change]:
    """Every change from ``old`` to ``new``, breaking first."""
    changes: list[Change] = []
    old_ops, new_ops = operations(old), operations(new)
    for operation_id in sorted(old_ops.keys() - new_ops.keys()):
        method, path, _, _ = old_ops[operation_id]
        changes.append(
            Change("breaking", (operation_id,), f"operation removed ({method.upper()} {path}).")
        )
    for operation_id in sorted(new_ops.keys() - old_ops.keys()):
        method, path, _, _ = new_ops[operation_id]
        changes.append(
            Change("additive", (operation_id,), f"new operation ({method.upper()} {path}).")
        )
    if [s.get("url") for s in old.get("servers", [])] != [
        s.get("url") for s in new.get("servers", [])
    ]:
        changes.append(Change("breaking", (), "the API's base URL changed."))
    for operation_id in sorted(old_ops.keys() & new_ops.keys()):
        collector = _Collector(operation_id)
        _compare_operation(collector, old, new, operation_id)
        changes += collector.changes
    changes += _compare_root(old, new)
    if not changes and _without_version(old) != _without_version(new):
        changes.append(Change("patch", (), "descriptions and other documentation changed."))
    return sorted(_merge(changes), key=lambda c: KINDS.index(c.kind))


_RESPONSE = re.compile(r"in the (\d{3}) response\b")


def _merge(changes: list[Change]) -> list[Change]:
    """One line for a change a shared schema makes in several responses and operations."""
    groups: dict[tuple[Kind, str], tuple[list[str], list[str]]] = {}
    for change in changes:
        codes = _RESPONSE.findall(change.text)
        key = (change.kind, _RESPONSE.sub("in the {codes}", change.text))
        operations_seen, codes_seen = groups.setdefault(key, ([], []))
        operations_seen += [o for o in change.operations if o not in operations_seen]
        codes_seen += [c for c in codes if c not in codes_seen]
    merged: list[Change] = []
    for (kind, text), (operation_names, codes) in groups.items():
        if codes:
            label = (
                f"{codes[0]} response"
                if len(codes) == 1
                else (", ".join(sorted(codes)) + " responses")
            )
            text = text.replace("{codes}", label)
        merged.append(Change(kind, tuple(sorted(operation_names)), text))
    return merged


def bump_kind(changes: Sequence[Change]) -> str | None:
    """``major``/``minor``/``patch``, or None when nothing changed."""
    for kind in KINDS:
        if any(c.kind == kind for c in changes):
            return _BUMP[kind]
    return None


def bump(version: str, part: str) -> str:
    """``bump("0.1.0", "minor") == "0.2.0"`` (pre-release or build suffixes are dropped)."""
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", version)
    if not match:
        raise ValueError(f"not a semantic version: {version!r}")
    major, minor, patch = (int(x) for x in match.groups())
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"unknown version part {part!r}")


def main(old_path: Path, new_path: Path) -> int:
    """Print the changes from ``old_path`` to ``new_path`` and the proposed bump."""
    old: Any = load_spec(old_path)
    new: Any = load_spec(new_path)
    changes = diff_specs(old, new)
    for change in changes:
        print(change.line())
    part = bump_kind(changes)
    version = str(old.get("info", {}).get("version", "0.0.0"))
    if part is None:
        print(f"no changes; version stays {version}")
    else:
        counts = ", ".join(f"{sum(c.kind == k for c in changes)} {k}" for k in KINDS)
        print(f"{counts}; proposed bump: {part} ({version} -> {bump(version, part)})")
    return 0
