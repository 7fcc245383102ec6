"""Helpers the simulator tests share: what the compiled spec says, read generically."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ymarket.spec import compiled_spec

__all__ = ["EXTENSION_RULES", "error_rules", "extension_rules"]

# "body $.offerIds[3]: pattern: ..." -> location, path, rule
_PROBLEM = re.compile(r"^(path|query|body) (\$\S*): ([\w-]+): ")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def extension_rules() -> frozenset[str]:
    """Rule names of the checks JSON Schema cannot express (``x-ymarket-*`` in the spec)."""
    rules = set()
    for node in _walk(compiled_spec()):
        if "x-ymarket-not-before" in node:
            rules.add("not-before")
        patterns = node.get("x-ymarket-patterns")
        if isinstance(patterns, dict) and patterns.get("severity") == "error":
            rules.add(patterns["rule"])
    return frozenset(rules)


EXTENSION_RULES = extension_rules()


def error_rules(body: Any) -> list[tuple[str, str | None, str | None]]:
    """(code, path, rule) of each error of an error body; path and rule for spec problems."""
    out: list[tuple[str, str | None, str | None]] = []
    for error in body.get("errors", []) if isinstance(body, dict) else []:
        match = _PROBLEM.match(error.get("message", ""))
        out.append(
            (error["code"], match.group(2) if match else None, match.group(3) if match else None)
        )
    return out
