"""The compiled spec: what ``spec/openapi.yaml`` says, as the code reads it.

The generator writes ``ymarket_api/_compiled_spec.json`` next to the generated
client. This module loads it once and offers typed views of what overlays and
the simulator need: each operation's JSON Schemas, scopes, placement models,
rate-limit tiers and bulk chunk size. No constraint is written in Python.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

import attrs

__all__ = [
    "CampaignLimits",
    "Operation",
    "RateLimit",
    "RateLimitTier",
    "campaign_limits",
    "compiled_spec",
    "operation",
    "operations",
    "spec_version",
]

JsonObject = dict[str, Any]


@attrs.frozen
class RateLimitTier:
    """One tier of an operation's quota: ``limit`` units per ``period_seconds``."""

    name: str
    limit: int
    period_seconds: float
    max_parallel: int | None
    source: str


@attrs.frozen
class RateLimit:
    """An operation's quota (``x-ymarket-rate-limit``).

    ``unit`` is ``"requests"`` (each call spends 1) or ``"items"`` (each call
    spends the length of the request array ``items_field``).
    """

    unit: Literal["requests", "items"]
    items_field: str | None
    scope: str
    default_tier: str
    docs_tier: str
    tiers: Mapping[str, RateLimitTier]

    def tier(self, name: str | None = None) -> RateLimitTier:
        """The tier called ``name``; the default tier when ``name`` is None or unknown here."""
        if name is not None and name in self.tiers:
            return self.tiers[name]
        return self.tiers[self.default_tier]

    def cost(self, body: Mapping[str, Any] | None) -> int:
        """Units one call with ``body`` spends."""
        if self.unit == "items" and self.items_field is not None and body is not None:
            return len(body.get(self.items_field, ()))
        return 1


@attrs.frozen
class Operation:
    """One operation of the spec, as compiled."""

    operation_id: str
    method: str
    path: str
    scopes: tuple[str, ...]
    placement_models: tuple[str, ...]
    rate_limit: RateLimit | None
    bulk_field: str | None
    repeatable: bool | Mapping[str, str]
    parameters: tuple[JsonObject, ...]
    parameters_schema: JsonObject
    request_body_schema: JsonObject | None
    responses: Mapping[str, JsonObject]

    def repeat_blocker(self, body: Any) -> str | None:
        """None when ``body`` may be sent again after an ambiguous failure, else why not.

        Reads ``x-ymarket-repeatable``.
        """
        if self.repeatable is True:
            return None
        if isinstance(self.repeatable, Mapping):
            field, required = self.repeatable["everyItemOf"], self.repeatable["has"]
            items = body.get(field, []) if isinstance(body, Mapping) else []
            if all(isinstance(item, Mapping) and required in item for item in items):
                return None
            return f"{field} without an {required} would be created a second time"
        return f"{self.operation_id} is not repeatable"

    @property
    def status_codes(self) -> frozenset[int]:
        """Every status code the spec declares for this operation."""
        return frozenset(int(code) for code in self.responses)

    @property
    def bulk_max_items(self) -> int | None:
        """maxItems of the bulk field: the chunk size a bulk call splits into."""
        if self.bulk_field is None:
            return None
        schema = self.bulk_field_schema
        max_items = schema.get("maxItems") if schema else None
        return int(max_items) if max_items is not None else None

    def chunking(self) -> tuple[str, int]:
        """(bulk field, chunk size) of a bulk operation; ValueError if the spec has none."""
        size = self.bulk_max_items
        if self.bulk_field is None or size is None:
            raise ValueError(f"{self.operation_id} has no x-ymarket-bulk-field with maxItems")
        return self.bulk_field, size

    @property
    def bulk_field_schema(self) -> JsonObject | None:
        """The array schema of the bulk field (a body property or a query parameter)."""
        if self.bulk_field is None:
            return None
        if self.request_body_schema is not None:
            properties = self.request_body_schema.get("properties", {})
            if self.bulk_field in properties:
                schema: JsonObject = properties[self.bulk_field]
                return schema
        for parameter in self.parameters:
            if parameter["name"] == self.bulk_field:
                parameter_schema: JsonObject = parameter["schema"]
                return parameter_schema
        return None


@cache
def compiled_spec() -> JsonObject:
    """The whole compiled spec (parsed once per process)."""
    text = resources.files("ymarket_api").joinpath("_compiled_spec.json").read_text("utf-8")
    data: JsonObject = json.loads(text)
    return data


def spec_version() -> str:
    """``info.version`` of the spec: also the package version."""
    return str(compiled_spec()["info"]["version"])


def _rate_limit(raw: JsonObject | None) -> RateLimit | None:
    if raw is None:
        return None
    tiers = {
        name: RateLimitTier(
            name=name,
            limit=int(tier["limit"]),
            period_seconds=float(tier["periodSeconds"]),
            max_parallel=tier.get("maxParallel"),
            source=str(tier.get("source", "")),
        )
        for name, tier in raw["tiers"].items()
    }
    return RateLimit(
        unit=raw["unit"],
        items_field=raw.get("itemsField"),
        scope=raw.get("scope", "campaign"),
        default_tier=raw["defaultTier"],
        docs_tier=str(raw.get("docsTier", raw["defaultTier"])),
        tiers=tiers,
    )


@attrs.frozen
class CampaignLimits:
    """Limits across all operations of one campaign (``x-ymarket-campaign-limits``).

    ``max_parallel`` requests may be in flight at once per campaign; over it the
    API answers 420 with ``message`` (``{limit}`` and ``{campaignId}`` filled in).
    """

    max_parallel: int
    message: str

    def refusal(self, campaign_id: object) -> str:
        """The 420 message for ``campaign_id``."""
        return self.message.format(limit=self.max_parallel, campaignId=campaign_id)


@cache
def campaign_limits() -> CampaignLimits | None:
    """The campaign-wide limits of the spec (None when it states none)."""
    raw = compiled_spec().get("campaignLimits")
    if raw is None:
        return None
    return CampaignLimits(max_parallel=int(raw["maxParallel"]), message=str(raw["message"]))


@cache
def operations() -> Mapping[str, Operation]:
    """Every operation of the spec, by operationId."""
    result: dict[str, Operation] = {}
    for operation_id, raw in compiled_spec()["operations"].items():
        body = raw.get("requestBody")
        result[operation_id] = Operation(
            operation_id=operation_id,
            method=raw["method"],
            path=raw["path"],
            scopes=tuple(raw["scopes"]),
            placement_models=tuple(raw["placementModels"]),
            rate_limit=_rate_limit(raw.get("rateLimit")),
            bulk_field=raw.get("bulkField"),
            repeatable=raw.get("repeatable", False),
            parameters=tuple(raw["parameters"]),
            parameters_schema=raw["parametersSchema"],
            request_body_schema=body["schema"] if body else None,
            responses=raw["responses"],
        )
    return result


def operation(operation_id: str) -> Operation:
    """The operation called ``operation_id`` (KeyError if the spec has none)."""
    return operations()[operation_id]
