"""Datasets: the simulator's initial state, as a documented JSON document.

A dataset is plain JSON (see ``DATASET_SCHEMA`` and the README): campaigns,
credentials, outlets, licenses, offers and orders. :func:`demo_dataset` is the
built-in one that ``python -m ymarket.simulator`` and ``ymarket demo`` serve.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable, Hashable
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import attrs
import jsonschema_rs

from ymarket.simulator.state import (
    Campaign,
    Credential,
    License,
    Offer,
    Order,
    Outlet,
    State,
    dataset_fields,
)

__all__ = [
    "DATASET_SCHEMA",
    "DEMO_API_KEY",
    "DEMO_OAUTH_TOKEN",
    "DEMO_OFFERS_ONLY_API_KEY",
    "Dataset",
    "DatasetError",
    "demo_dataset",
    "dump_demo",
    "state_document",
]

DEMO_API_KEY = "demo-api-key"
DEMO_OFFERS_ONLY_API_KEY = "demo-offers-only"
DEMO_OAUTH_TOKEN = "demo-oauth-token"


@attrs.frozen
class _Collection:
    """A top-level array of a dataset: its items' class and their key in :class:`State`."""

    name: str
    item_class: type
    key: Callable[[Any], Hashable]
    required: bool = False

    @property
    def singular(self) -> str:
        return self.name.removesuffix("s")


# The collections of a dataset, in file order; :class:`State` has an attribute of each name.
_COLLECTIONS = (
    _Collection("campaigns", Campaign, lambda c: c.id, required=True),
    _Collection("credentials", Credential, lambda c: (c.kind, c.value), required=True),
    _Collection("outlets", Outlet, lambda o: o.id),
    _Collection("licenses", License, lambda lic: lic.id),
    _Collection("offers", Offer, lambda o: (o.campaign_id, o.offer_id)),
    _Collection("orders", Order, lambda o: (o.campaign_id, o.id)),
)


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def _schema_of(cls: type) -> dict[str, Any]:
    required, properties = [], {}
    for name, attribute, field in dataset_fields(cls):
        properties[name] = (
            field.schema
            if field.item_class is None
            else {**field.schema, "items": _schema_of(field.item_class)}
        )
        if attribute.default is attrs.NOTHING:
            required.append(name)
    return _object(required, properties)


def _structure(cls: type, entry: dict[str, Any]) -> Any:
    values = {}
    for name, attribute, field in dataset_fields(cls):
        if name in entry:
            value = entry[name]
            if field.item_class is not None:
                value = [_structure(field.item_class, item) for item in value]
            values[attribute.name] = value
    return cls(**values)


# The format of a dataset file (the simulator's own format, not the API's).
DATASET_SCHEMA: dict[str, Any] = _object(
    [c.name for c in _COLLECTIONS if c.required],
    {
        "description": {"type": "string"},
        **{c.name: {"type": "array", "items": _schema_of(c.item_class)} for c in _COLLECTIONS},
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
        by_name = {c.name: c for c in _COLLECTIONS}
        # Referred to by id: campaigns and outlets.
        ids = {c.name: {e.get("id") for e in self.document.get(c.name, [])} for c in _COLLECTIONS}
        problems = []
        for collection in _COLLECTIONS:
            for name, _attribute, field in dataset_fields(collection.item_class):
                if field.refers_to is None:
                    continue
                target = by_name[field.refers_to]
                for entry in self.document.get(collection.name, []):
                    value = entry[name]
                    problems += [
                        f"{collection.name}: unknown {target.singular} {v}"
                        for v in (value if isinstance(value, list) else [value])
                        if v not in ids[target.name]
                    ]
        if problems:
            raise DatasetError("invalid dataset:\n  " + "\n  ".join(problems[:20]))

    def build_state(self) -> State:
        """A fresh state holding this dataset."""
        collections: dict[str, Any] = {}
        for c in _COLLECTIONS:
            items = (_structure(c.item_class, entry) for entry in self.document.get(c.name, []))
            collections[c.name] = {c.key(item): item for item in items}
        return State(**collections)

    def summary(self) -> str:
        """A human-readable description (printed when the server starts)."""
        state = self.build_state()
        offers = list(state.offers.values())
        lines = [self.document.get("description", "Dataset"), "", "Campaigns:"]
        for c in state.campaigns.values():
            own = [o.offer_id for o in offers if o.campaign_id == c.id]
            stored = [o.offer_id for o in offers if o.campaign_id == c.id and o.in_market_warehouse]
            line = f"  {c.id}  {c.placement_model}"
            line += "  LOCKED (deleteCampaignOffers answers 423)" if c.locked else ""
            line += f"  {len(own)} offers"
            if own:
                line += f", e.g. {', '.join(_short(o) for o in own[:3])}"
            if stored:
                shown = ", ".join(_short(o) for o in stored[:5])
                line += f"; {len(stored)} in a Market warehouse: {shown}"
                line += " ..." if len(stored) > 5 else ""
            lines.append(line)
        lines.append("Credentials:")
        for cred in state.credentials.values():
            header = "Api-Key: " if cred.kind == "api-key" else "Authorization: Bearer "
            scopes = f"  scopes {', '.join(sorted(cred.scopes))}" if cred.kind == "api-key" else ""
            lines.append(
                f"  {header}{cred.value}{scopes}  campaigns "
                + ", ".join(map(str, sorted(cred.campaign_ids)))
            )
        lines.append("Outlets and licenses:")
        for outlet in state.outlets.values():
            ids = [str(i) for i, lic in state.licenses.items() if lic.outlet_id == outlet.id]
            lines.append(
                f"  outlet {outlet.id} (campaign {outlet.campaign_id})  "
                f"licenses: {', '.join(ids) or '-'}"
            )
        lines.append("Orders:")
        for order in state.orders.values():
            items = "; ".join(
                f"item {i.id} {i.offer_id} x{i.count} @ {i.price}"
                + (" special-offer" if i.from_special_offer else "")
                + (" labelled" if i.labelled else "")
                for i in order.items
            )
            lines.append(
                f"  {order.id} (campaign {order.campaign_id}) "
                f"{order.status}/{order.substatus}: {items}"
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


def _unstructure(item: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for name, attribute, field in dataset_fields(type(item)):
        value = getattr(item, attribute.name)
        if field.item_class is not None:
            value = [_unstructure(v) for v in value]
        elif isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, Decimal):
            value = str(value)
        entry[name] = value
    return entry


def state_document(state: State) -> dict[str, Any]:
    """The current state in the dataset format (``GET /__simulator__/state``)."""
    return {
        c.name: [_unstructure(item) for item in getattr(state, c.name).values()]
        for c in _COLLECTIONS
    }


def dump_demo(file: TextIO | None = None) -> None:
    """Print the demo dataset as JSON (``--dump-demo``), to ``file`` or stdout."""
    print(demo_dataset().to_json(), file=file if file is not None else sys.stdout)
