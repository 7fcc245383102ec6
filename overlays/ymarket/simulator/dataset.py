"""Datasets: the simulator's initial state, as a documented JSON document.

A dataset is plain JSON (see ``DATASET_SCHEMA`` and the README): campaigns,
credentials, outlets, licenses, offers and orders. :func:`demo_dataset` is the
built-in one that ``python -m ymarket.simulator`` and ``ymarket demo`` serve.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema_rs

from ymarket.simulator.state import (
    Campaign,
    Credential,
    License,
    Offer,
    Order,
    OrderItem,
    Outlet,
    State,
)

__all__ = [
    "DATASET_SCHEMA",
    "DEMO_API_KEY",
    "DEMO_OAUTH_TOKEN",
    "DEMO_OFFERS_ONLY_API_KEY",
    "Dataset",
    "DatasetError",
    "demo_dataset",
]

DEMO_API_KEY = "demo-api-key"
DEMO_OFFERS_ONLY_API_KEY = "demo-offers-only"
DEMO_OAUTH_TOKEN = "demo-oauth-token"

_ID = {"type": "integer", "minimum": 1}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_IDS = {"type": "array", "items": _ID}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


# The format of a dataset file (the simulator's own format, not the API's).
DATASET_SCHEMA: dict[str, Any] = _object(
    ["campaigns", "credentials"],
    {
        "description": {"type": "string"},
        "campaigns": {
            "type": "array",
            "items": _object(
                ["id", "placementModel"],
                {
                    "id": _ID,
                    "placementModel": {"enum": ["FBY", "FBS", "EXPRESS", "DBS", "LAAS"]},
                    "locked": {"type": "boolean"},
                    "rateLimitTier": {"type": ["string", "null"]},
                },
            ),
        },
        "credentials": {
            "type": "array",
            "items": _object(
                ["type", "value", "campaignIds"],
                {
                    "type": {"enum": ["api-key", "oauth"]},
                    "value": {"type": "string", "minLength": 1},
                    "scopes": _STRINGS,
                    "campaignIds": _IDS,
                },
            ),
        },
        "outlets": {
            "type": "array",
            "items": _object(
                ["id", "campaignId"],
                {"id": _ID, "campaignId": _ID, "name": {"type": "string"}},
            ),
        },
        "licenses": {
            "type": "array",
            "items": _object(
                ["id", "outletId", "licenseType", "number", "dateOfIssue", "dateOfExpiry"],
                {
                    "id": _ID,
                    "outletId": _ID,
                    "licenseType": {"type": "string"},
                    "number": {"type": "string"},
                    "dateOfIssue": {"type": "string"},
                    "dateOfExpiry": {"type": "string"},
                },
            ),
        },
        "offers": {
            "type": "array",
            "items": _object(
                ["campaignId", "offerId"],
                {
                    "campaignId": _ID,
                    "offerId": {"type": "string", "minLength": 1},
                    "inMarketWarehouse": {"type": "boolean"},
                },
            ),
        },
        "orders": {
            "type": "array",
            "items": _object(
                ["id", "campaignId", "status", "substatus", "items"],
                {
                    "id": {"type": "integer"},
                    "campaignId": _ID,
                    "status": {"type": "string"},
                    "substatus": {"type": "string"},
                    "items": {
                        "type": "array",
                        "minItems": 1,
                        "items": _object(
                            ["id", "offerId", "count", "price"],
                            {
                                "id": {"type": "integer"},
                                "offerId": {"type": "string"},
                                "count": {"type": "integer", "minimum": 1},
                                "price": {"type": ["number", "string"]},
                                "fromSpecialOffer": {"type": "boolean"},
                                "labelled": {"type": "boolean"},
                                "instances": {"type": "array", "items": {"type": "object"}},
                            },
                        ),
                    },
                },
            ),
        },
    },
)

_VALIDATOR = jsonschema_rs.Draft7Validator(DATASET_SCHEMA)


class DatasetError(ValueError):
    """A dataset document is not in the documented format or refers to unknown ids."""


class Dataset:
    """An initial state of the simulator, held as its JSON document.

    Every :meth:`build_state` call returns a fresh, independent :class:`State`.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        problems = [
            f"{'/'.join(map(str, error.instance_path)) or '$'}: {error.message}"
            for error in _VALIDATOR.iter_errors(document)
        ]
        if problems:
            raise DatasetError("invalid dataset:\n  " + "\n  ".join(problems[:20]))
        self.document: dict[str, Any] = copy.deepcopy(document)
        self._check_references()

    @classmethod
    def load(cls, path: str | Path) -> Dataset:
        """Read a dataset from a JSON file."""
        try:
            document = json.loads(Path(path).read_text("utf-8"))
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}: not valid JSON: {error}") from error
        return cls(document)

    def to_json(self) -> str:
        """The dataset as a JSON document (the ``--data`` format)."""
        return json.dumps(self.document, indent=2, ensure_ascii=False)

    def _check_references(self) -> None:
        campaigns = {c["id"] for c in self.document["campaigns"]}
        outlets = {o["id"]: o["campaignId"] for o in self.document.get("outlets", [])}
        problems = []
        for kind in ("credentials",):
            for entry in self.document[kind]:
                problems += [
                    f"{kind}: unknown campaign {c}"
                    for c in entry["campaignIds"]
                    if c not in campaigns
                ]
        for kind in ("outlets", "offers", "orders"):
            problems += [
                f"{kind}: unknown campaign {e['campaignId']}"
                for e in self.document.get(kind, [])
                if e["campaignId"] not in campaigns
            ]
        problems += [
            f"licenses: unknown outlet {lic['outletId']}"
            for lic in self.document.get("licenses", [])
            if lic["outletId"] not in outlets
        ]
        if problems:
            raise DatasetError("invalid dataset:\n  " + "\n  ".join(problems[:20]))

    def build_state(self) -> State:
        """A fresh state holding this dataset."""
        doc = self.document
        return State(
            campaigns={
                c["id"]: Campaign(
                    id=c["id"],
                    placement_model=c["placementModel"],
                    locked=c.get("locked", False),
                    rate_limit_tier=c.get("rateLimitTier"),
                )
                for c in doc["campaigns"]
            },
            credentials={
                (c["type"], c["value"]): Credential(
                    kind=c["type"],
                    value=c["value"],
                    campaign_ids=frozenset(c["campaignIds"]),
                    scopes=frozenset(c.get("scopes", ())),
                )
                for c in doc["credentials"]
            },
            outlets={
                o["id"]: Outlet(id=o["id"], campaign_id=o["campaignId"], name=o.get("name", ""))
                for o in doc.get("outlets", [])
            },
            licenses={
                lic["id"]: License(
                    id=lic["id"],
                    outlet_id=lic["outletId"],
                    license_type=lic["licenseType"],
                    number=lic["number"],
                    date_of_issue=lic["dateOfIssue"],
                    date_of_expiry=lic["dateOfExpiry"],
                )
                for lic in doc.get("licenses", [])
            },
            offers={
                (o["campaignId"], o["offerId"]): Offer(
                    campaign_id=o["campaignId"],
                    offer_id=o["offerId"],
                    in_market_warehouse=o.get("inMarketWarehouse", False),
                )
                for o in doc.get("offers", [])
            },
            orders={
                (o["campaignId"], o["id"]): Order(
                    id=o["id"],
                    campaign_id=o["campaignId"],
                    status=o["status"],
                    substatus=o["substatus"],
                    items=[
                        OrderItem(
                            id=i["id"],
                            offer_id=i["offerId"],
                            count=i["count"],
                            price=Decimal(str(i["price"])),
                            from_special_offer=i.get("fromSpecialOffer", False),
                            labelled=i.get("labelled", False),
                            instances=list(i.get("instances", [])),
                        )
                        for i in o["items"]
                    ],
                )
                for o in doc.get("orders", [])
            },
        )

    def summary(self) -> str:
        """A human-readable description (printed when the server starts)."""
        doc = self.document
        lines = [doc.get("description", "Dataset"), "", "Campaigns:"]
        for c in doc["campaigns"]:
            offers = [o["offerId"] for o in doc.get("offers", []) if o["campaignId"] == c["id"]]
            stored = [
                o["offerId"]
                for o in doc.get("offers", [])
                if o["campaignId"] == c["id"] and o.get("inMarketWarehouse")
            ]
            line = f"  {c['id']}  {c['placementModel']}"
            line += "  LOCKED (deleteCampaignOffers answers 423)" if c.get("locked") else ""
            line += f"  {len(offers)} offers"
            if offers:
                line += f", e.g. {', '.join(_short(o) for o in offers[:3])}"
            if stored:
                shown = ", ".join(_short(o) for o in stored[:5])
                line += f"; {len(stored)} in a Market warehouse: {shown}"
                line += " ..." if len(stored) > 5 else ""
            lines.append(line)
        lines.append("Credentials:")
        for cred in doc["credentials"]:
            header = "Api-Key: " if cred["type"] == "api-key" else "Authorization: Bearer "
            scopes = (
                f"  scopes {', '.join(cred.get('scopes', []))}" if cred["type"] == "api-key" else ""
            )
            lines.append(
                f"  {header}{cred['value']}{scopes}  campaigns "
                + ", ".join(map(str, cred["campaignIds"]))
            )
        lines.append("Outlets and licenses:")
        for outlet in doc.get("outlets", []):
            ids = [
                str(lic["id"]) for lic in doc.get("licenses", []) if lic["outletId"] == outlet["id"]
            ]
            lines.append(
                f"  outlet {outlet['id']} (campaign {outlet['campaignId']})  "
                f"licenses: {', '.join(ids) or '-'}"
            )
        lines.append("Orders:")
        for order in doc.get("orders", []):
            items = "; ".join(
                f"item {i['id']} {i['offerId']} x{i['count']} @ {i['price']}"
                + (" special-offer" if i.get("fromSpecialOffer") else "")
                + (" labelled" if i.get("labelled") else "")
                for i in order["items"]
            )
            lines.append(
                f"  {order['id']} (campaign {order['campaignId']}) "
                f"{order['status']}/{order['substatus']}: {items}"
            )
        return "\n".join(lines)


# A SKU with Cyrillic letters and a tab (allowed: tab is the one control character).
TEA_SKU = "\u0427\u0430\u0439 \u0447\u0451\u0440\u043d\u044b\u0439\t250 g"


def _short(sku: str) -> str:
    return repr(sku) if len(sku) <= 24 else repr(sku[:21] + "...")


def _cis(n: int) -> str:
    # A CIS without crypto-tail: (01) GTIN of 14 digits, (21) serial of 13 printable chars.
    return f"0104601234567890{21:02d}SERIAL{n:07d}"


def demo_dataset() -> Dataset:
    """The built-in demo dataset (documented in the README)."""
    offers: list[dict[str, Any]] = [
        {"campaignId": 1001, "offerId": f"SKU-{n:05d}", "inMarketWarehouse": n % 100 == 0}
        for n in range(1, 1601)
    ]
    offers += [
        {"campaignId": 1001, "offerId": sku} for sku in ("tea green 100 g", TEA_SKU, "x" * 255)
    ]
    offers += [
        {"campaignId": 2002, "offerId": f"FBS-{n:04d}", "inMarketWarehouse": n % 10 == 0}
        for n in range(1, 101)
    ]
    offers += [{"campaignId": 3003, "offerId": f"LOCKED-{n:03d}"} for n in range(1, 11)]
    document: dict[str, Any] = {
        "description": "ymarket-partner simulator: demo dataset",
        "campaigns": [
            {"id": 1001, "placementModel": "DBS"},
            {"id": 2002, "placementModel": "FBS"},
            {"id": 3003, "placementModel": "DBS", "locked": True},
        ],
        "credentials": [
            {
                "type": "api-key",
                "value": DEMO_API_KEY,
                "scopes": ["all-methods"],
                "campaignIds": [1001, 2002, 3003],
            },
            {
                "type": "api-key",
                "value": DEMO_OFFERS_ONLY_API_KEY,
                "scopes": ["offers-and-cards-management"],
                "campaignIds": [1001, 2002],
            },
            {"type": "oauth", "value": DEMO_OAUTH_TOKEN, "campaignIds": [1001]},
        ],
        "outlets": [
            {"id": 501, "campaignId": 1001, "name": "Wine shop, Tverskaya 1"},
            {"id": 502, "campaignId": 1001, "name": "Wine shop, Arbat 10"},
            {"id": 601, "campaignId": 2002, "name": "FBS pickup point"},
            {"id": 701, "campaignId": 3003, "name": "Locked store outlet"},
        ],
        "licenses": [
            {
                "id": 9001,
                "outletId": 501,
                "licenseType": "ALCOHOL",
                "number": "77RPA0012345",
                "dateOfIssue": "2024-01-15T00:00:00+03:00",
                "dateOfExpiry": "2029-01-14T00:00:00+03:00",
            },
            {
                "id": 9002,
                "outletId": 501,
                "licenseType": "ALCOHOL",
                "number": "77RPA0012346",
                "dateOfIssue": "2023-06-01T00:00:00+03:00",
                "dateOfExpiry": "2028-05-31T00:00:00+03:00",
            },
            {
                "id": 9003,
                "outletId": 502,
                "licenseType": "ALCOHOL",
                "number": "77RPA0099999",
                "dateOfIssue": "2022-03-10T00:00:00+03:00",
                "dateOfExpiry": "2027-03-09T00:00:00+03:00",
            },
        ],
        "offers": offers,
        "orders": [
            {
                "id": 70001,
                "campaignId": 1001,
                "status": "PROCESSING",
                "substatus": "STARTED",
                "items": [
                    {
                        "id": 1,
                        "offerId": "SKU-00001",
                        "count": 3,
                        "price": 1200,
                        "labelled": True,
                        "instances": [{"cis": _cis(n)} for n in range(1, 4)],
                    },
                    {"id": 2, "offerId": "SKU-00002", "count": 2, "price": 450},
                    {
                        "id": 3,
                        "offerId": "SKU-00003",
                        "count": 1,
                        "price": 10,
                        "fromSpecialOffer": True,
                    },
                ],
            },
            {
                "id": 70002,
                "campaignId": 1001,
                "status": "PROCESSING",
                "substatus": "READY_TO_SHIP",
                "items": [
                    {"id": 1, "offerId": "SKU-00004", "count": 1, "price": 300},
                    {"id": 2, "offerId": "SKU-00005", "count": 1, "price": 300},
                ],
            },
            {
                "id": 70003,
                "campaignId": 1001,
                "status": "DELIVERED",
                "substatus": "DELIVERY_SERVICE_DELIVERED",
                "items": [{"id": 1, "offerId": "SKU-00006", "count": 2, "price": 99}],
            },
            {
                "id": 70004,
                "campaignId": 1001,
                "status": "PROCESSING",
                "substatus": "STARTED",
                "items": [{"id": 1, "offerId": "SKU-00007", "count": 4, "price": 250}],
            },
            {
                "id": 70005,
                "campaignId": 1001,
                "status": "PROCESSING",
                "substatus": "STARTED",
                "items": [
                    {"id": 1, "offerId": "SKU-00008", "count": 1, "price": 99000},
                    {"id": 2, "offerId": "SKU-00009", "count": 1, "price": 500},
                ],
            },
            {
                "id": 80001,
                "campaignId": 2002,
                "status": "PROCESSING",
                "substatus": "STARTED",
                "items": [{"id": 1, "offerId": "FBS-0001", "count": 2, "price": 700}],
            },
        ],
    }
    return Dataset(document)
