"""Reading an OpenAPI document the way docs-check and diff compare it.

Fields are named by where a user meets them: ``path.campaignId``,
``query.ids``, ``body.licenses[].outletId``, ``responses.200.result.notDeletedOfferIds``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["HTTP_METHODS", "JsonObject", "deref", "iter_fields", "merged", "operations"]

JsonObject = dict[str, Any]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def deref(spec: JsonObject, node: Any) -> Any:
    """``node`` with its local ``$ref`` chain followed."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def merged(spec: JsonObject, schema: Any) -> JsonObject:
    """``schema`` dereferenced, with its ``allOf`` members merged in."""
    schema = deref(spec, schema)
    if not isinstance(schema, dict):
        return {}
    if "allOf" not in schema:
        return schema
    out: JsonObject = {k: v for k, v in schema.items() if k != "allOf"}
    properties: JsonObject = dict(out.get("properties", {}))
    required: list[str] = list(out.get("required", []))
    for member in schema["allOf"]:
        part = merged(spec, member)
        properties.update(part.get("properties", {}))
        required += [name for name in part.get("required", []) if name not in required]
        for key, value in part.items():
            if key not in ("properties", "required"):
                out.setdefault(key, value)
    out["properties"] = properties
    out["required"] = required
    return out


def operations(spec: JsonObject) -> dict[str, tuple[str, str, JsonObject, JsonObject]]:
    """operationId -> (method, path, path item, operation)."""
    found: dict[str, tuple[str, str, JsonObject, JsonObject]] = {}
    for path, path_item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in path_item:
                operation = path_item[method]
                found[operation["operationId"]] = (method, path, path_item, operation)
    return found


def _walk(
    spec: JsonObject, path: str, raw: Any, required: bool
) -> Iterator[tuple[str, JsonObject, JsonObject, bool]]:
    schema = merged(spec, raw)
    leaf = merged(spec, schema.get("items", {})) if schema.get("type") == "array" else schema
    yield path, schema, leaf, required
    if "properties" in leaf:
        prefix = f"{path}[]." if schema.get("type") == "array" else f"{path}."
        yield from _properties(spec, leaf, prefix)


def _properties(
    spec: JsonObject, schema: JsonObject, prefix: str
) -> Iterator[tuple[str, JsonObject, JsonObject, bool]]:
    required = set(schema.get("required", []))
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(spec, f"{prefix}{name}", sub, name in required)


def iter_fields(
    spec: JsonObject, operation_id: str
) -> Iterator[tuple[str, JsonObject, JsonObject, bool]]:
    """Every parameter and body field of an operation: (name, schema, leaf, required).

    ``leaf`` is the items schema of an array (where its value constraints live),
    else ``schema`` itself.
    """
    _method, _path, path_item, operation = operations(spec)[operation_id]
    parameters: dict[tuple[str, str], JsonObject] = {}
    for raw in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = deref(spec, raw)
        parameters[(parameter["in"], parameter["name"])] = parameter
    for (location, name), parameter in parameters.items():
        yield from _walk(
            spec, f"{location}.{name}", parameter["schema"], bool(parameter.get("required"))
        )
    if "requestBody" in operation:
        body = deref(spec, operation["requestBody"])
        schema = merged(spec, body["content"]["application/json"]["schema"])
        yield from _properties(spec, schema, "body.")
    for code, raw_response in operation.get("responses", {}).items():
        content = deref(spec, raw_response).get("content", {}).get("application/json")
        if content:
            yield from _properties(spec, merged(spec, content["schema"]), f"responses.{code}.")
