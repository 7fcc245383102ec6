"""Compiles the OpenAPI 3.0 spec into the JSON the package reads at run time.

The compiled form holds, per operation, the resolved JSON Schemas (Draft 4, the dialect of
OpenAPI 3.0, where ``1.0`` is not an integer) of
its parameters and request body, its declared responses and the vendor
extensions (scopes, placement models, rate limits, bulk field). Overlays and
the simulator read only this, so nothing parses YAML on a hot path and the
installed wheel does not need ``spec/``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from generator.fast_patterns import has_look_around, look_ahead_free

__all__ = [
    "LIST_PATTERN_KEY",
    "SPEC_PATTERN_KEY",
    "compile_spec",
    "compiled_json",
    "load_spec",
    "to_json_schema",
]

JsonObject = dict[str, Any]
#: Where a compiled schema keeps the spec's own pattern when ``pattern`` holds its
#: look-ahead-free equivalent (:mod:`generator.fast_patterns`); messages name it.
SPEC_PATTERN_KEY = "x-ymarket-spec-pattern"
#: Key of the pattern a whole list of such values is checked with, joined by the
#: separator beside it (:attr:`generator.fast_patterns.FastPattern.list_pattern`).
LIST_PATTERN_KEY = "x-ymarket-list-pattern"

# Keywords of OpenAPI's schema object that JSON Schema does not have or that
# only document; dropped so a JSON Schema validator sees a plain schema.
_OPENAPI_ONLY_KEYWORDS = frozenset(
    {
        "nullable",
        "example",
        "discriminator",
        "readOnly",
        "writeOnly",
        "xml",
        "externalDocs",
        "deprecated",
    }
)
# `format: int32/int64` bound the value; JSON Schema validators ignore these
# formats, so the bounds are written out as minimum/maximum.
_INTEGER_FORMAT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load_spec(path: Path) -> JsonObject:
    """Read the OpenAPI document at ``path``."""
    with path.open(encoding="utf-8") as spec_file:
        spec: JsonObject = yaml.safe_load(spec_file)
    return spec


def _resolve_ref(spec: JsonObject, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _deref(spec: JsonObject, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _resolve_ref(spec, node["$ref"])
    return node


def to_json_schema(spec: JsonObject, schema: Any, _seen: tuple[str, ...] = ()) -> Any:
    """Return ``schema`` with every $ref inlined, as a plain JSON Schema Draft 4."""
    if isinstance(schema, list):
        return [to_json_schema(spec, item, _seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref in _seen:
            raise ValueError(f"recursive schema {ref} cannot be inlined")
        return to_json_schema(spec, _resolve_ref(spec, ref), (*_seen, ref))
    out: JsonObject = {}
    for key, value in schema.items():
        if key in _OPENAPI_ONLY_KEYWORDS:
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(spec, sub, _seen) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = to_json_schema(spec, value, _seen)
        else:
            out[key] = copy.deepcopy(value)
    if isinstance(out.get("pattern"), str) and has_look_around(out["pattern"]):
        # jsonschema-rs runs look-around on its slow backtracking engine: validate with the
        # derived equivalent, keep the spec's own pattern for messages.
        fast = look_ahead_free(out["pattern"])
        out[SPEC_PATTERN_KEY] = out["pattern"]
        out["pattern"] = fast.pattern
        out["minLength"] = max(out.get("minLength", 0), fast.min_length)
        out["maxLength"] = min(out.get("maxLength", fast.max_length), fast.max_length)
        out[LIST_PATTERN_KEY] = {"pattern": fast.list_pattern, "separator": fast.list_separator}
    if out.get("type") == "integer" and out.get("format") in _INTEGER_FORMAT_BOUNDS:
        low, high = _INTEGER_FORMAT_BOUNDS[out["format"]]
        out.setdefault("minimum", low)
        out.setdefault("maximum", high)
    if schema.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _parameters_schema(spec: JsonObject, parameters: list[JsonObject]) -> JsonObject:
    """One object schema per location (path, query, header), keyed by name."""
    by_location: dict[str, JsonObject] = {}
    for parameter in parameters:
        location = by_location.setdefault(
            parameter["in"], {"type": "object", "properties": {}, "required": []}
        )
        location["properties"][parameter["name"]] = to_json_schema(spec, parameter["schema"])
        if parameter.get("required"):
            location["required"].append(parameter["name"])
    return {"type": "object", "properties": by_location, "required": sorted(by_location)}


def _operation(spec: JsonObject, path: str, method: str, path_item: JsonObject) -> JsonObject:
    operation = path_item[method]
    parameters: list[JsonObject] = []
    for raw in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = _deref(spec, raw)
        parameters = [
            p for p in parameters if (p["name"], p["in"]) != (parameter["name"], parameter["in"])
        ]
        parameters.append(parameter)
    compiled_parameters = [
        {
            "name": p["name"],
            "in": p["in"],
            "required": bool(p.get("required", False)),
            "style": p.get("style", "simple" if p["in"] in ("path", "header") else "form"),
            "explode": p.get(
                "explode", p.get("style", "form") == "form" and p["in"] in ("query", "cookie")
            ),
            "schema": to_json_schema(spec, p["schema"]),
        }
        for p in parameters
    ]
    request_body = None
    if "requestBody" in operation:
        body = _deref(spec, operation["requestBody"])
        request_body = {
            "required": bool(body.get("required", False)),
            "contentType": "application/json",
            "schema": to_json_schema(spec, body["content"]["application/json"]["schema"]),
        }
    responses: JsonObject = {}
    for status, raw_response in operation["responses"].items():
        response = _deref(spec, raw_response)
        content = response.get("content", {}).get("application/json")
        responses[str(status)] = {
            "description": response.get("description", ""),
            "schema": to_json_schema(spec, content["schema"]) if content else None,
        }
    return {
        "operationId": operation["operationId"],
        "method": method.upper(),
        "path": path,
        "tags": operation.get("tags", []),
        "summary": operation.get("summary", ""),
        "parameters": compiled_parameters,
        "parametersSchema": _parameters_schema(spec, parameters),
        "requestBody": request_body,
        "responses": responses,
        "security": operation.get("security", spec.get("security", [])),
        "scopes": operation.get("x-ymarket-scopes", []),
        "placementModels": operation.get("x-ymarket-placement-models", []),
        "rateLimit": operation.get("x-ymarket-rate-limit"),
        "bulkField": operation.get("x-ymarket-bulk-field"),
        "repeatable": operation.get("x-ymarket-repeatable", False),
    }


def compile_spec(spec: JsonObject) -> JsonObject:
    """Return the compiled form of ``spec`` (see the module docstring)."""
    operations: JsonObject = {}
    for path, path_item in spec["paths"].items():
        for method in _HTTP_METHODS:
            if method in path_item:
                compiled = _operation(spec, path, method, path_item)
                operations[compiled["operationId"]] = compiled
    components = spec.get("components", {})
    return {
        "openapi": spec["openapi"],
        "info": {"title": spec["info"]["title"], "version": str(spec["info"]["version"])},
        "servers": [server["url"] for server in spec.get("servers", [])],
        "securitySchemes": components.get("securitySchemes", {}),
        "campaignLimits": spec.get("x-ymarket-campaign-limits"),
        "operations": dict(sorted(operations.items())),
        "schemas": {
            name: to_json_schema(spec, schema)
            for name, schema in sorted(components.get("schemas", {}).items())
        },
    }


def compiled_json(spec: JsonObject) -> str:
    """The compiled spec as deterministic JSON text (what the generator writes)."""
    return json.dumps(compile_spec(spec), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
