"""Doc pages in the markdown-crawl layout, rendered from a spec, for docs-check's own tests.

A page rendered from ``spec/openapi.yaml`` states exactly the spec's facts, so
docs-check must find no difference in it; a page edited by one fact must give one
drift. The tests need no crawl of Yandex's site (no ``../shared``).
"""

from __future__ import annotations

from typing import Any

from generator.spec_walk import JsonObject, deref, merged, operations

BASE_URL = "https://api.partner.market.yandex.ru"
_PERIODS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
_REASONS = {
    "200": "OK",
    "400": "Bad Request",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "Not Found",
    "420": "Enhance Your Calm",
    "423": "Locked",
    "500": "Internal Server Error",
}


def _ref_name(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("$ref"), str):
        return str(raw["$ref"]).rsplit("/", 1)[-1]
    return None


class _Page:
    def __init__(self, spec: JsonObject) -> None:
        self.spec = spec
        self.sections: dict[str, list[str]] = {}

    def type_text(self, raw: Any) -> str:
        schema = merged(self.spec, raw)
        if schema.get("type") == "array":
            return self.type_text(schema.get("items", {})) + "[]"
        name = _ref_name(raw)
        if "properties" in schema:
            name = name or "Object"
            if name not in self.sections:
                self.sections[name] = []
                self.sections[name] = self.rows(schema)
            return f"[{name}](#{name.lower()})"
        text = str(schema.get("type"))
        return f"{text}<{schema['format']}>" if schema.get("format") else text

    def facts(self, schema: JsonObject, leaf: JsonObject) -> str:
        out: list[str] = []
        for key, label in (
            ("minimum", "Min value"),
            ("maximum", "Max value"),
            ("minLength", "Min length"),
            ("maxLength", "Max length"),
            ("pattern", "Pattern"),
        ):
            if key in leaf:
                out.append(f"_{label}:_ `{leaf[key]}`")
        if "enum" in leaf:
            out.append("_Enum:_ " + ", ".join(f"`{v}`" for v in leaf["enum"]))
        extra = leaf.get("x-ymarket-patterns")
        if extra and extra.get("severity") == "error":
            out.append(
                "Must match the regular expression: "
                + " or ".join(f"`{p}`" for p in extra["patterns"])
                + "."
            )
        for key, label in (("minItems", "Min items"), ("maxItems", "Max items")):
            if key in schema:
                out.append(f"_{label}:_ `{schema[key]}`")
        if schema.get("uniqueItems"):
            out.append("_Unique items_")
        return " ".join(out)

    def row(self, name: str, raw: Any, required: bool) -> str:
        schema = merged(self.spec, raw)
        leaf = merged(self.spec, schema["items"]) if schema.get("type") == "array" else schema
        star = "*" if required else ""
        facts = self.facts(schema, leaf)
        return f"{name}{star} |  **Type:** {self.type_text(raw)} A field.  \n{facts}  ".rstrip()

    def rows(self, schema: JsonObject) -> list[str]:
        required = set(schema.get("required", []))
        return [
            self.row(name, sub, name in required)
            for name, sub in schema.get("properties", {}).items()
        ]

    def render_sections(self, out: list[str], start: int) -> None:
        for name in list(self.sections)[start:]:
            out += [f"###  [](#{name.lower()}){name}", "An object.", *_table(self.sections[name])]


def _table(rows: list[str]) -> list[str]:
    return ["**Name** |  **Description**  ", "---|---  ", *rows]


def render_markdown(spec: JsonObject, operation_id: str) -> str:
    """The page of ``operation_id`` as the markdown crawl lays it out, facts from ``spec``."""
    method, path, path_item, operation = operations(spec)[operation_id]
    page = _Page(spec)
    out = [
        "---",
        f"title: {operation.get('summary', operation_id)} | Yandex.Market API for sellers",
        f"url: https://yandex.ru/dev/market/partner-api/doc/en/reference/x/{operation_id}",
        "---",
        "",
        f"# {operation.get('summary', operation_id)}",
    ]
    models = operation.get("x-ymarket-placement-models", [])
    out.append(f"**The method is available for the {', '.join(models)} models.**")
    out.append(
        "**If you are using an API Key token, one of the accesses in the list is required "
        "to call the method**"
    )
    out += [f"  * {scope} — Access" for scope in operation.get("x-ymarket-scopes", [])]
    out += ["", "", "What it does."]
    rate = operation.get("x-ymarket-rate-limit")
    if rate:
        tier = rate["tiers"][rate.get("docsTier", rate["defaultTier"])]
        period = _PERIODS[int(tier["periodSeconds"])]
        out.append(f"**, Limit:** {tier['limit']:,} {rate['unit']} per {period}  ")
    out += ["---  ", "##  [](#request)Request", method.upper(), "```", BASE_URL + path, "", "```"]
    parameters: dict[str, list[str]] = {}
    for raw in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = deref(spec, raw)
        parameters.setdefault(parameter["in"], []).append(
            page.row(parameter["name"], parameter["schema"], bool(parameter.get("required")))
        )
    for location, rows in parameters.items():
        title = f"{location.capitalize()} parameters"
        out += [f"###  [](#{location}-parameters){title}", *_table(rows)]
    if "requestBody" in operation:
        body = deref(spec, operation["requestBody"])["content"]["application/json"]["schema"]
        out += ["###  [](#body)Body", "application/json", *_table(page.rows(merged(spec, body)))]
        page.render_sections(out, 0)
    out.append("##  [](#responses)Responses")
    for code, raw_response in operation.get("responses", {}).items():
        response = deref(spec, raw_response)
        out += [f"##  [](#{code}){code} {_REASONS.get(str(code), 'Answer')}", "An answer."]
        content = response.get("content", {}).get("application/json")
        if content:
            known = len(page.sections)
            rows = page.rows(merged(spec, content["schema"]))
            out += ["###  [](#body)Body", "application/json", *_table(rows)]
            page.render_sections(out, known)
    return "\n".join(out) + "\n"
