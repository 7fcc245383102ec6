"""The simulator's state and business rules, kept apart from HTTP.

Every method of :class:`State` either changes the state or raises
:class:`SimulatorError` (status, code, message) without changing anything: a
rejected request leaves no trace. Request shapes are already checked against
the spec when these methods run; they only apply the rules of the docs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs

from ymarket.simulator.errors import ApiError, SimulatorError
from ymarket.spec import operation, operations

__all__ = [
    "Campaign",
    "Credential",
    "CredentialKind",
    "DatasetField",
    "License",
    "Offer",
    "Order",
    "OrderItem",
    "Outlet",
    "SimulatorError",
    "State",
    "dataset_field",
    "dataset_fields",
]

CredentialKind = Literal["api-key", "oauth"]


# -- the dataset format -------------------------------------------------------
# The classes below are also the definition of a dataset file: each field that
# a dataset holds carries a ``DatasetField`` (its JSON Schema, its JSON name when
# not the camelCase of the attribute, the collection it refers to). The dataset
# schema, its reference checks, the building of a state and the summary are
# derived from them (``ymarket.simulator.dataset``); a field without one is
# state only.

_DATASET = "ymarket-dataset"
_ID: dict[str, Any] = {"type": "integer", "minimum": 1}
_STRING: dict[str, Any] = {"type": "string"}
_BOOLEAN: dict[str, Any] = {"type": "boolean"}


@attrs.frozen
class DatasetField:
    """How an attribute is written in a dataset file.

    ``schema`` is its JSON Schema (for a list of ``item_class``, the array's
    own keywords); ``refers_to`` names the collection whose ids it holds.
    """

    schema: dict[str, Any]
    json_name: str | None = None
    refers_to: str | None = None
    item_class: type | None = None


def dataset_field(
    schema: dict[str, Any],
    *,
    json_name: str | None = None,
    refers_to: str | None = None,
    item_class: type | None = None,
) -> dict[str, DatasetField]:
    """The ``metadata`` of an attrs field stored in dataset files."""
    return {_DATASET: DatasetField(schema, json_name, refers_to, item_class)}


def dataset_fields(cls: type) -> list[tuple[str, attrs.Attribute[Any], DatasetField]]:
    """(JSON name, attribute, definition) of each dataset field of ``cls``, in order."""
    out = []
    for attribute in attrs.fields(cls):
        field = attribute.metadata.get(_DATASET)
        if field is not None:
            head, *rest = attribute.name.split("_")
            camel = head + "".join(word.title() for word in rest)
            out.append((field.json_name or camel, attribute, field))
    return out


def _instances(value: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(value)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# Every placement model some operation of the spec serves (x-ymarket-placement-models).
_PLACEMENT_MODELS = sorted({m for op in operations().values() for m in op.placement_models})


@attrs.define
class Campaign:
    """A store (campaign) and its placement model (any the spec's operations name).

    ``locked`` campaigns answer 423 to assortment changes; ``rate_limit_tier``
    picks the tier of ``x-ymarket-rate-limit`` enforced (None: each operation's
    default tier).
    """

    id: int = attrs.field(metadata=dataset_field(_ID))
    placement_model: str = attrs.field(metadata=dataset_field({"enum": _PLACEMENT_MODELS}))
    locked: bool = attrs.field(default=False, metadata=dataset_field(_BOOLEAN))
    rate_limit_tier: str | None = attrs.field(
        default=None, metadata=dataset_field({"type": ["string", "null"]})
    )


@attrs.define
class Credential:
    """An API key (``api-key``, with scopes) or an OAuth token (``oauth``, not scope-checked)."""

    kind: CredentialKind = attrs.field(
        metadata=dataset_field({"enum": ["api-key", "oauth"]}, json_name="type")
    )
    value: str = attrs.field(metadata=dataset_field({"type": "string", "minLength": 1}))
    campaign_ids: frozenset[int] = attrs.field(
        converter=frozenset,
        metadata=dataset_field({"type": "array", "items": _ID}, refers_to="campaigns"),
    )
    scopes: frozenset[str] = attrs.field(
        default=frozenset(),
        converter=frozenset,
        metadata=dataset_field({"type": "array", "items": _STRING}),
    )


@attrs.define
class Outlet:
    """A point of sale of a campaign."""

    id: int = attrs.field(metadata=dataset_field(_ID))
    campaign_id: int = attrs.field(metadata=dataset_field(_ID, refers_to="campaigns"))
    name: str = attrs.field(default="", metadata=dataset_field(_STRING))


@attrs.define
class License:
    """A license of an outlet; ``id`` is assigned by the simulator."""

    id: int = attrs.field(metadata=dataset_field(_ID))
    outlet_id: int = attrs.field(metadata=dataset_field(_ID, refers_to="outlets"))
    license_type: str = attrs.field(metadata=dataset_field(_STRING))
    number: str = attrs.field(metadata=dataset_field(_STRING))
    date_of_issue: str = attrs.field(metadata=dataset_field(_STRING))
    date_of_expiry: str = attrs.field(metadata=dataset_field(_STRING))


@attrs.define
class Offer:
    """A SKU of a campaign; one stored in a Market warehouse cannot be deleted."""

    campaign_id: int = attrs.field(metadata=dataset_field(_ID, refers_to="campaigns"))
    offer_id: str = attrs.field(metadata=dataset_field({"type": "string", "minLength": 1}))
    in_market_warehouse: bool = attrs.field(default=False, metadata=dataset_field(_BOOLEAN))


@attrs.define
class OrderItem:
    """One item of an order."""

    id: int = attrs.field(metadata=dataset_field({"type": "integer"}))
    offer_id: str = attrs.field(metadata=dataset_field(_STRING))
    count: int = attrs.field(metadata=dataset_field({"type": "integer", "minimum": 1}))
    price: Decimal = attrs.field(
        converter=_decimal, metadata=dataset_field({"type": ["number", "string"]})
    )
    from_special_offer: bool = attrs.field(default=False, metadata=dataset_field(_BOOLEAN))
    labelled: bool = attrs.field(default=False, metadata=dataset_field(_BOOLEAN))
    instances: list[dict[str, Any]] = attrs.field(
        factory=list,
        converter=_instances,
        metadata=dataset_field({"type": "array", "items": {"type": "object"}}),
    )


@attrs.define
class Order:
    """An order of a campaign with its status, substatus and items."""

    id: int = attrs.field(metadata=dataset_field({"type": "integer"}))
    campaign_id: int = attrs.field(metadata=dataset_field(_ID, refers_to="campaigns"))
    status: str = attrs.field(metadata=dataset_field(_STRING))
    substatus: str = attrs.field(metadata=dataset_field(_STRING))
    items: list[OrderItem] = attrs.field(
        metadata=dataset_field({"type": "array", "minItems": 1}, item_class=OrderItem)
    )
    change_reason: str | None = None


# The only status/substatus in which the docs allow changing the items.
_EDITABLE_STATUS = ("PROCESSING", "STARTED")
# An item worth this share of the order or more cannot be removed or reduced.
_MAIN_ITEM_SHARE = Decimal("0.99")


@attrs.define
class State:
    """Campaigns, credentials, outlets, licenses, offers and orders, with the docs' rules."""

    campaigns: dict[int, Campaign] = attrs.field(factory=dict)
    credentials: dict[tuple[CredentialKind, str], Credential] = attrs.field(factory=dict)
    outlets: dict[int, Outlet] = attrs.field(factory=dict)
    licenses: dict[int, License] = attrs.field(factory=dict)
    # (campaign id, SKU) -> offer
    offers: dict[tuple[int, str], Offer] = attrs.field(factory=dict)
    orders: dict[tuple[int, int], Order] = attrs.field(factory=dict)
    _license_ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def __attrs_post_init__(self) -> None:
        self._license_ids = itertools.count(max(self.licenses, default=0) + 1)

    # -- access ---------------------------------------------------------------

    def credential(self, kind: CredentialKind, value: str) -> Credential:
        """The credential sent, or 403 when the simulator does not know it."""
        found = self.credentials.get((kind, value))
        if found is None:
            what = "API key" if kind == "api-key" else "OAuth token"
            raise ApiError.FORBIDDEN.error(f"{what} is not valid")
        return found

    def check_scope(self, credential: Credential, operation_id: str) -> None:
        """403 when an API key has none of the operation's scopes (``x-ymarket-scopes``).

        OAuth tokens are not scope-checked (as the spec says).
        """
        op = operation(operation_id)
        if credential.kind == "api-key" and not credential.scopes & set(op.scopes):
            raise ApiError.FORBIDDEN.error(
                f"{operation_id} needs an API key with one of the scopes "
                f"{', '.join(op.scopes)}; this key has "
                f"{', '.join(sorted(credential.scopes)) or 'none'}",
            )

    def campaign_for(self, credential: Credential, operation_id: str, campaign_id: int) -> Campaign:
        """The campaign, if it exists (404), the credential may touch it (403) and the
        operation is available for its placement model (403, ``x-ymarket-placement-models``).
        """
        op = operation(operation_id)
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise ApiError.CAMPAIGN_NOT_FOUND.error(f"campaignId {campaign_id} not found")
        if campaign_id not in credential.campaign_ids:
            raise ApiError.FORBIDDEN.error(
                f"these credentials may not access campaign {campaign_id}",
            )
        if campaign.placement_model not in op.placement_models:
            raise ApiError.CAMPAIGN_TYPE_NOT_SUPPORTED.error(
                f"{operation_id} is available for {', '.join(op.placement_models)} campaigns; "
                f"campaign {campaign_id} is {campaign.placement_model}",
            )
        return campaign

    # -- outlet licenses ------------------------------------------------------

    def campaign_licenses(self, campaign_id: int) -> dict[int, License]:
        """Licenses of the campaign's outlets, by id."""
        return {
            license_id: lic
            for license_id, lic in self.licenses.items()
            if self.outlets[lic.outlet_id].campaign_id == campaign_id
        }

    def delete_outlet_licenses(self, campaign_id: int, ids: Iterable[int]) -> list[int]:
        """Delete the campaign's licenses with these ids; unknown ids are ignored.

        Returns the ids deleted. Ignoring unknown ids makes a retried call after
        a lost answer harmless.
        """
        # Each id looked up (not every license of the campaign listed first).
        deleted = []
        for license_id in ids:
            if self._is_campaign_license(campaign_id, license_id):
                del self.licenses[license_id]
                deleted.append(license_id)
        return deleted

    def _is_campaign_license(self, campaign_id: int, license_id: Any) -> bool:
        """Whether ``license_id`` is a license of one of the campaign's outlets."""
        lic = self.licenses.get(license_id)
        return lic is not None and self.outlets[lic.outlet_id].campaign_id == campaign_id

    def update_outlet_licenses(
        self, campaign_id: int, licenses: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        """Create (no ``id``) or change (``id`` given) licenses; all or nothing.

        Returns the ids of the licenses written, in request order.
        """
        for index, given in enumerate(licenses):
            where = f"licenses[{index}]"
            outlet = self.outlets.get(given["outletId"])
            if outlet is None or outlet.campaign_id != campaign_id:
                raise ApiError.NOT_FOUND.error(
                    f"{where}.outletId: outlet {given['outletId']} is not an outlet of "
                    f"campaign {campaign_id}",
                )
            if "id" in given and not self._is_campaign_license(campaign_id, given["id"]):
                raise ApiError.NOT_FOUND.error(
                    f"{where}.id: license {given['id']} is not a license of campaign "
                    f"{campaign_id}; leave id out to create a license",
                )
            if given["licenseType"] != "ALCOHOL":
                raise ApiError.CONSTRAINT_VIOLATION.error(
                    f"{where}.licenseType: only ALCOHOL licenses are supported, "
                    f"got {given['licenseType']}",
                )
        written = []
        for given in licenses:
            license_id = given["id"] if "id" in given else next(self._license_ids)
            self.licenses[license_id] = License(
                id=license_id,
                outlet_id=given["outletId"],
                license_type=given["licenseType"],
                number=given["number"],
                date_of_issue=given["dateOfIssue"],
                date_of_expiry=given["dateOfExpiry"],
            )
            written.append(license_id)
        return written

    # -- offers ---------------------------------------------------------------

    def delete_campaign_offers(self, campaign: Campaign, offer_ids: Sequence[str]) -> list[str]:
        """Delete the campaign's offers; return the SKUs not deleted, in request order.

        Not deleted: SKUs the campaign does not have and SKUs stored in a
        Market warehouse. A locked campaign refuses the whole call (423).
        """
        if campaign.locked:
            raise ApiError.LOCKED.error(
                f"campaign {campaign.id} is locked; its assortment cannot be changed now",
            )
        # Comprehensions and map (a 500-SKU call is the simulator's hottest loop); the
        # SKUs of a checked request are unique, so looking all up first is the same.
        offers = self.offers
        keys = list(zip(itertools.repeat(campaign.id), offer_ids))
        found = list(map(offers.get, keys))
        kept = [offer is None or offer.in_market_warehouse for offer in found]
        for key, keep in zip(keys, kept, strict=True):
            if not keep:
                del offers[key]
        return list(itertools.compress(offer_ids, kept))

    # -- orders ---------------------------------------------------------------

    def update_order_items(
        self,
        campaign_id: int,
        order_id: int,
        items: Sequence[Mapping[str, Any]],
        reason: str | None = None,
    ) -> None:
        """Replace the order's items with ``items`` (the docs' rules; all or nothing)."""
        order = self.orders.get((campaign_id, order_id))
        if order is None:
            raise ApiError.NOT_FOUND.error(f"order {order_id} not found in campaign {campaign_id}")
        if (order.status, order.substatus) != _EDITABLE_STATUS:
            raise ApiError.STATUS_NOT_ALLOWED.error(
                f"order {order_id} is {order.status}/{order.substatus}; items can only be "
                f"changed in {_EDITABLE_STATUS[0]}/{_EDITABLE_STATUS[1]}",
            )
        current = {item.id: item for item in order.items}
        new_counts: dict[int, int] = {}
        new_instances: dict[int, list[dict[str, Any]]] = {}
        for index, given in enumerate(items):
            where = f"items[{index}]"
            item_id = given["id"]
            if item_id not in current:
                raise ApiError.ITEM_NOT_FOUND.error(
                    f"{where}.id: order {order_id} has no item {item_id}"
                )
            if item_id in new_counts:
                raise ApiError.ITEM_DUPLICATE.error(
                    f"{where}.id: item {item_id} is listed more than once"
                )
            item = current[item_id]
            count = given["count"]
            if count > item.count:
                raise ApiError.ITEMS_ADDITION_NOT_SUPPORTED.error(
                    f"{where}.count: {count} is more than the {item.count} ordered; "
                    "counts can only be reduced",
                )
            instances = given.get("instances") or []
            if item.labelled and count > 0 and len(instances) != count:
                mismatch = (
                    ApiError.TOO_FEW_CISES_FOR_ITEM
                    if len(instances) < count
                    else ApiError.TOO_MANY_CISES_FOR_ITEM
                )
                raise mismatch.error(
                    f"{where}.instances: item {item_id} is labelled; give one instance per "
                    f"unit that stays ({count}), got {len(instances)}",
                )
            new_counts[item_id] = count
            new_instances[item_id] = list(instances)
        total = sum((item.price * item.count for item in order.items), Decimal(0))
        for item in order.items:
            count = new_counts.get(item.id, 0)
            if count >= item.count:
                continue
            action = "removed" if count == 0 else "reduced"
            if item.from_special_offer:
                raise ApiError.PROMO_PROHIBITS_DELETE.error(
                    f"item {item.id} was added by a special offer and cannot be {action}; "
                    "cancel the order instead",
                )
            if len(order.items) == 1:
                raise ApiError.CANNOT_REMOVE_LAST_ITEM.error(
                    f"item {item.id} is the only item of order {order_id} and cannot be "
                    f"{action}; cancel the order instead",
                )
            if total > 0 and item.price * item.count >= total * _MAIN_ITEM_SHARE:
                raise ApiError.DELETED_ITEMS_EXCEEDS_THRESHOLD.error(
                    f"item {item.id} is worth 99% or more of order {order_id} and cannot be "
                    f"{action}; cancel the order instead",
                )
        if not any(new_counts.values()):
            raise ApiError.CANNOT_REMOVE_LAST_ITEM.error(
                f"the request removes every item of order {order_id}; cancel the order instead",
            )
        kept = []
        for item in order.items:
            count = new_counts.get(item.id, 0)
            if count == 0:
                continue
            if count < item.count or item.labelled:
                item = attrs.evolve(
                    item,
                    count=count,
                    instances=new_instances[item.id] if item.labelled else item.instances,
                )
            kept.append(item)
        order.items = kept
        order.change_reason = reason
