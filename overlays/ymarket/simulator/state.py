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

from ymarket.spec import operation

__all__ = [
    "Campaign",
    "Credential",
    "CredentialKind",
    "License",
    "Offer",
    "Order",
    "OrderItem",
    "Outlet",
    "SimulatorError",
    "State",
]

CredentialKind = Literal["api-key", "oauth"]


class SimulatorError(Exception):
    """A request the simulator refuses: answered with ``status`` and the spec's error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@attrs.define
class Campaign:
    """A store (campaign) and its placement model (FBY, FBS, EXPRESS, DBS or LAAS).

    ``locked`` campaigns answer 423 to assortment changes; ``rate_limit_tier``
    picks the tier of ``x-ymarket-rate-limit`` enforced (None: each operation's
    default tier).
    """

    id: int
    placement_model: str
    locked: bool = False
    rate_limit_tier: str | None = None


@attrs.define
class Credential:
    """An API key (``api-key``, with scopes) or an OAuth token (``oauth``, not scope-checked)."""

    kind: CredentialKind
    value: str
    campaign_ids: frozenset[int]
    scopes: frozenset[str] = frozenset()


@attrs.define
class Outlet:
    """A point of sale of a campaign."""

    id: int
    campaign_id: int
    name: str = ""


@attrs.define
class License:
    """A license of an outlet; ``id`` is assigned by the simulator."""

    id: int
    outlet_id: int
    license_type: str
    number: str
    date_of_issue: str
    date_of_expiry: str


@attrs.define
class Offer:
    """A SKU of a campaign; one stored in a Market warehouse cannot be deleted."""

    campaign_id: int
    offer_id: str
    in_market_warehouse: bool = False


@attrs.define
class OrderItem:
    """One item of an order."""

    id: int
    offer_id: str
    count: int
    price: Decimal
    from_special_offer: bool = False
    labelled: bool = False
    instances: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.define
class Order:
    """An order of a campaign with its status, substatus and items."""

    id: int
    campaign_id: int
    status: str
    substatus: str
    items: list[OrderItem]
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
            raise SimulatorError(403, "UNKNOWN_CREDENTIALS", f"{what} is not valid")
        return found

    def check_scope(self, credential: Credential, operation_id: str) -> None:
        """403 when an API key has none of the operation's scopes (``x-ymarket-scopes``).

        OAuth tokens are not scope-checked (as the spec says).
        """
        op = operation(operation_id)
        if credential.kind == "api-key" and not credential.scopes & set(op.scopes):
            raise SimulatorError(
                403,
                "SCOPE_MISSING",
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
            raise SimulatorError(404, "CAMPAIGN_NOT_FOUND", f"campaignId {campaign_id} not found")
        if campaign_id not in credential.campaign_ids:
            raise SimulatorError(
                403,
                "CAMPAIGN_FORBIDDEN",
                f"these credentials may not access campaign {campaign_id}",
            )
        if campaign.placement_model not in op.placement_models:
            raise SimulatorError(
                403,
                "PLACEMENT_MODEL_NOT_SUPPORTED",
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
        own = self.campaign_licenses(campaign_id)
        deleted = [license_id for license_id in ids if license_id in own]
        for license_id in deleted:
            del self.licenses[license_id]
        return deleted

    def update_outlet_licenses(
        self, campaign_id: int, licenses: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        """Create (no ``id``) or change (``id`` given) licenses; all or nothing.

        Returns the ids of the licenses written, in request order.
        """
        own = self.campaign_licenses(campaign_id)
        for index, given in enumerate(licenses):
            where = f"licenses[{index}]"
            outlet = self.outlets.get(given["outletId"])
            if outlet is None or outlet.campaign_id != campaign_id:
                raise SimulatorError(
                    404,
                    "OUTLET_NOT_FOUND",
                    f"{where}.outletId: outlet {given['outletId']} is not an outlet of "
                    f"campaign {campaign_id}",
                )
            if "id" in given and given["id"] not in own:
                raise SimulatorError(
                    404,
                    "LICENSE_NOT_FOUND",
                    f"{where}.id: license {given['id']} is not a license of campaign "
                    f"{campaign_id}; leave id out to create a license",
                )
            if given["licenseType"] != "ALCOHOL":
                raise SimulatorError(
                    400,
                    "LICENSE_TYPE_NOT_SUPPORTED",
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
            raise SimulatorError(
                423,
                "CAMPAIGN_LOCKED",
                f"campaign {campaign.id} is locked; its assortment cannot be changed now",
            )
        not_deleted = []
        for sku in offer_ids:
            offer = self.offers.get((campaign.id, sku))
            if offer is None or offer.in_market_warehouse:
                not_deleted.append(sku)
            else:
                del self.offers[(campaign.id, sku)]
        return not_deleted

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
            raise SimulatorError(
                404, "ORDER_NOT_FOUND", f"order {order_id} not found in campaign {campaign_id}"
            )
        if (order.status, order.substatus) != _EDITABLE_STATUS:
            raise SimulatorError(
                400,
                "ORDER_STATUS_NOT_ALLOWED",
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
                raise SimulatorError(
                    400, "ITEM_NOT_FOUND", f"{where}.id: order {order_id} has no item {item_id}"
                )
            if item_id in new_counts:
                raise SimulatorError(
                    400, "DUPLICATE_ITEM", f"{where}.id: item {item_id} is listed more than once"
                )
            item = current[item_id]
            count = given["count"]
            if count > item.count:
                raise SimulatorError(
                    400,
                    "COUNT_INCREASED",
                    f"{where}.count: {count} is more than the {item.count} ordered; "
                    "counts can only be reduced",
                )
            instances = given.get("instances") or []
            if item.labelled and count > 0 and len(instances) != count:
                raise SimulatorError(
                    400,
                    "INSTANCES_MISMATCH",
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
                raise SimulatorError(
                    400,
                    "ITEM_FROM_SPECIAL_OFFER",
                    f"item {item.id} was added by a special offer and cannot be {action}; "
                    "cancel the order instead",
                )
            if len(order.items) == 1:
                raise SimulatorError(
                    400,
                    "ONLY_ITEM",
                    f"item {item.id} is the only item of order {order_id} and cannot be "
                    f"{action}; cancel the order instead",
                )
            if total > 0 and item.price * item.count >= total * _MAIN_ITEM_SHARE:
                raise SimulatorError(
                    400,
                    "MAIN_ITEM",
                    f"item {item.id} is worth 99% or more of order {order_id} and cannot be "
                    f"{action}; cancel the order instead",
                )
        if not any(new_counts.values()):
            raise SimulatorError(
                400,
                "ORDER_WOULD_BE_EMPTY",
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
