"""The simulator's error catalogue: every error code it answers, each defined once.

A code's status and meaning live here; the rest of the simulator raises
``ApiError.<CODE>.error(message)`` (or answers ``error_response(ApiError.<CODE>, ...)``)
and never spells a code as a string.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["ApiError", "SimulatorError", "error_body"]

# Error bodies list at most this many problems (a 500-SKU body could have 500).
_MAX_ERRORS = 100


class SimulatorError(Exception):
    """A request the simulator refuses: answered with ``status`` and the spec's error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class ApiError(enum.Enum):
    """An error code of the simulator's answers: ``status`` and what it means.

    The member's name is the code sent in the error body.
    """

    # Request shape and transport.
    BAD_REQUEST = (400, "a parameter or the body breaks the spec")
    UNAUTHORIZED = (401, "no credentials sent")
    NOT_FOUND = (404, "no operation at this path")
    METHOD_NOT_ALLOWED = (405, "the path has no operation for this method")
    ERROR = (0, "any other HTTP error of the routing layer")
    LIMIT_EXCEEDED = (420, "over a quota of x-ymarket-rate-limit, or a 420 burst fault")
    INTERNAL_ERROR = (500, "an injected server error")
    # Credentials and campaign access.
    UNKNOWN_CREDENTIALS = (403, "the key or token is not in the dataset")
    SCOPE_MISSING = (403, "the API key has none of the operation's scopes")
    CAMPAIGN_NOT_FOUND = (404, "no such campaign")
    CAMPAIGN_FORBIDDEN = (403, "the credentials may not access the campaign")
    PLACEMENT_MODEL_NOT_SUPPORTED = (403, "the operation is not available for the placement model")
    # Outlet licenses.
    OUTLET_NOT_FOUND = (404, "the outlet is not an outlet of the campaign")
    LICENSE_NOT_FOUND = (404, "the license is not a license of the campaign")
    LICENSE_TYPE_NOT_SUPPORTED = (400, "only ALCOHOL licenses are supported")
    # Offers.
    CAMPAIGN_LOCKED = (423, "the campaign's assortment cannot be changed now")
    # Orders.
    ORDER_NOT_FOUND = (404, "no such order in the campaign")
    ORDER_STATUS_NOT_ALLOWED = (400, "the order's status does not allow changing items")
    ITEM_NOT_FOUND = (400, "the order has no such item")
    DUPLICATE_ITEM = (400, "an item is listed more than once")
    COUNT_INCREASED = (400, "counts can only be reduced")
    INSTANCES_MISMATCH = (400, "a labelled item needs one instance per unit that stays")
    ITEM_FROM_SPECIAL_OFFER = (400, "an item of a special offer cannot be removed or reduced")
    ONLY_ITEM = (400, "the only item of an order cannot be removed or reduced")
    MAIN_ITEM = (400, "an item worth 99% or more of the order cannot be removed or reduced")
    ORDER_WOULD_BE_EMPTY = (400, "the request removes every item of the order")

    @property
    def code(self) -> str:
        """The code sent in the error body."""
        return self.name

    @property
    def status(self) -> int:
        """The HTTP status answered (0 for ``ERROR``: the status of the routing error)."""
        status: int = self.value[0]
        return status

    @property
    def meaning(self) -> str:
        """What the code means (documentation)."""
        meaning: str = self.value[1]
        return meaning

    def error(self, message: str, status: int | None = None) -> SimulatorError:
        """The exception refusing a request with this code (``status`` overrides the default)."""
        return SimulatorError(self.status if status is None else status, self.code, message)


def error_body(errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The spec's error body (``ApiErrorResponse``) of (code, message) pairs."""
    shown = errors[:_MAX_ERRORS]
    if len(errors) > _MAX_ERRORS:
        more = f"... and {len(errors) - _MAX_ERRORS} more problems"
        shown.append((ApiError.BAD_REQUEST.code, more))
    return {"status": "ERROR", "errors": [{"code": c, "message": m} for c, m in shown]}
