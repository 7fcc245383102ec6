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


# Whether a code is one of Yandex's published ``ApiErrorCodeType`` or the simulator's own.
_YANDEX = True
_OWN = False


class ApiError(enum.Enum):
    """An error code of the simulator's answers: ``status``, meaning, and whether it is
    Yandex's (``ApiErrorCodeType`` of the published spec) or the simulator's own
    (only where none of Yandex's fits; the README lists them).

    The member's name is the code sent in the error body.
    """

    # Request shape, routing and transport.
    BAD_REQUEST = (400, "a parameter or the body breaks the spec", _YANDEX)
    UNAUTHORIZED = (401, "no credentials sent", _OWN)
    NOT_FOUND = (404, "no such operation, outlet, license or order", _YANDEX)
    METHOD_NOT_ALLOWED = (405, "the path has no operation for this method", _OWN)
    ERROR = (0, "any other HTTP error of the routing layer", _OWN)
    LIMIT_EXCEEDED = (420, "over a quota or a limit of calls in flight, or a 420 fault", _YANDEX)
    INTERNAL_ERROR = (500, "an injected server error", _YANDEX)
    # Credentials and campaign access.
    FORBIDDEN = (403, "unknown credentials, a missing scope or another's campaign", _YANDEX)
    CAMPAIGN_NOT_FOUND = (404, "no such campaign", _YANDEX)
    CAMPAIGN_TYPE_NOT_SUPPORTED = (403, "not available for the placement model", _YANDEX)
    # Business rules.
    CONSTRAINT_VIOLATION = (400, "a rule of the docs beyond the spec (license type)", _YANDEX)
    LOCKED = (423, "the campaign's assortment cannot be changed now", _YANDEX)
    STATUS_NOT_ALLOWED = (400, "the order's status does not allow changing items", _YANDEX)
    ITEM_NOT_FOUND = (400, "the order has no such item", _YANDEX)
    ITEM_DUPLICATE = (400, "an item is listed more than once", _YANDEX)
    ITEMS_ADDITION_NOT_SUPPORTED = (400, "counts can only be reduced", _YANDEX)
    TOO_FEW_CISES_FOR_ITEM = (400, "a labelled item has fewer instances than units", _YANDEX)
    TOO_MANY_CISES_FOR_ITEM = (400, "a labelled item has more instances than units", _YANDEX)
    PROMO_PROHIBITS_DELETE = (400, "an item of a special offer cannot be reduced", _YANDEX)
    CANNOT_REMOVE_LAST_ITEM = (400, "the order would lose its last item", _YANDEX)
    DELETED_ITEMS_EXCEEDS_THRESHOLD = (400, "an item worth 99% or more of the order", _YANDEX)

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
    def yandex(self) -> bool:
        """Whether the code is one of Yandex's published ``ApiErrorCodeType``."""
        yandex: bool = self.value[2]
        return yandex

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
