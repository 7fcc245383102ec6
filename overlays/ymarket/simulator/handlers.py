"""One handler per API operation, registered against its operationId.

A handler gets the state and a request that passed every check of the HTTP
layer (credentials, parameters, body, campaign, quotas) and answers it by the
operation's business rules (methods of :class:`~ymarket.simulator.state.State`).
The app dispatches by operationId through :data:`HANDLERS`; an operation of
the spec without a handler fails the simulator's tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from starlette.responses import Response

from ymarket.simulator.jsonbody import FastJSONResponse
from ymarket.simulator.state import Campaign, State
from ymarket.spec import Operation, operations

__all__ = ["HANDLERS", "CheckedRequest", "Handler", "handles"]


@attrs.frozen
class CheckedRequest:
    """A request that passed every check before its business rules."""

    operation: Operation
    campaign: Campaign
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any


Handler = Callable[[State, CheckedRequest], Response]

#: operationId -> its handler.
HANDLERS: dict[str, Handler] = {}


def handles(operation_id: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``operation_id`` (once)."""
    if operation_id not in operations():
        raise ValueError(f"{operation_id} is not an operation of the spec")

    def register(handler: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise ValueError(f"{operation_id} already has a handler")
        HANDLERS[operation_id] = handler
        return handler

    return register


_OK = {"status": "OK"}


@handles("deleteOutletLicenses")
def delete_outlet_licenses(state: State, request: CheckedRequest) -> Response:
    """Delete the campaign's licenses listed in ``ids``."""
    state.delete_outlet_licenses(request.campaign.id, request.query["ids"])
    return FastJSONResponse(_OK)


@handles("updateOutletLicenses")
def update_outlet_licenses(state: State, request: CheckedRequest) -> Response:
    """Create or change the licenses of the body."""
    state.update_outlet_licenses(request.campaign.id, request.body["licenses"])
    return FastJSONResponse(_OK)


@handles("deleteCampaignOffers")
def delete_campaign_offers(state: State, request: CheckedRequest) -> Response:
    """Delete the SKUs of the body; answer those not deleted."""
    not_deleted = state.delete_campaign_offers(request.campaign, request.body["offerIds"])
    # notDeletedOfferIds has minItems 1: left out when every SKU was deleted.
    result = {"notDeletedOfferIds": not_deleted} if not_deleted else {}
    return FastJSONResponse({**_OK, "result": result})


@handles("updateOrderItems")
def update_order_items(state: State, request: CheckedRequest) -> Response:
    """Replace the items of the order; the answer has no body."""
    state.update_order_items(
        request.campaign.id,
        request.path["orderId"],
        request.body["items"],
        request.body.get("reason"),
    )
    return Response(status_code=200)
