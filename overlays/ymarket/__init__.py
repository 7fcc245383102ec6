"""ymarket: a client for the Yandex Market Partner API (seller API).

The generated core lives in :mod:`ymarket_api`; this package adds what a
seller's code needs on top of it: :class:`Client` and :class:`AsyncClient`
with validation before sending, typed errors, safe retries, pacing to the
spec's quotas and bulk calls. The version is the spec's ``info.version``.

Names are imported on first use (PEP 562), so ``import ymarket`` and the
``ymarket`` command's ``--help`` do not pay for httpx and jsonschema-rs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ymarket._client import AsyncClient, Client
    from ymarket._config import DEFAULT_BASE_URL
    from ymarket._convert import AllRemainingItems
    from ymarket._dates import TzLike, license_datetime
    from ymarket._ratelimit import Quota, RateLimiter
    from ymarket._redis_pacing import PacingStoreError
    from ymarket._retry import RetryPolicy
    from ymarket.errors import (
        ApiError,
        BadRequestError,
        ErrorDetail,
        ForbiddenError,
        InsecureTransportError,
        LockedError,
        NotFoundError,
        RateLimitError,
        ServerError,
        TransportError,
        UnauthorizedError,
        UnexpectedResponseError,
        YMarketError,
    )
    from ymarket.results import (
        BulkProgress,
        ChunkResult,
        DeleteOffersResult,
        LicensesResult,
        OrderItemsResult,
    )
    from ymarket.validation import FormatWarning, Problem, ValidationError

    __version__: str

__all__ = [
    "DEFAULT_BASE_URL",
    "AllRemainingItems",
    "ApiError",
    "AsyncClient",
    "BadRequestError",
    "BulkProgress",
    "ChunkResult",
    "Client",
    "DeleteOffersResult",
    "ErrorDetail",
    "ForbiddenError",
    "FormatWarning",
    "InsecureTransportError",
    "LicensesResult",
    "LockedError",
    "NotFoundError",
    "OrderItemsResult",
    "PacingStoreError",
    "Problem",
    "Quota",
    "RateLimitError",
    "RateLimiter",
    "RetryPolicy",
    "ServerError",
    "TransportError",
    "TzLike",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "ValidationError",
    "YMarketError",
    "__version__",
    "license_datetime",
]

_HOMES = {
    # Each client from its own module: a sync program does not load asyncio.
    "ymarket._async_client": ("AsyncClient",),
    "ymarket._sync_client": ("Client",),
    "ymarket._config": ("DEFAULT_BASE_URL",),
    "ymarket._convert": ("AllRemainingItems",),
    "ymarket._dates": ("TzLike", "license_datetime"),
    "ymarket._ratelimit": ("Quota", "RateLimiter"),
    "ymarket._redis_pacing": ("PacingStoreError",),
    "ymarket._retry": ("RetryPolicy",),
    "ymarket.errors": (
        "ApiError",
        "BadRequestError",
        "ErrorDetail",
        "ForbiddenError",
        "InsecureTransportError",
        "LockedError",
        "NotFoundError",
        "RateLimitError",
        "ServerError",
        "TransportError",
        "UnauthorizedError",
        "UnexpectedResponseError",
        "YMarketError",
    ),
    "ymarket.results": (
        "BulkProgress",
        "ChunkResult",
        "DeleteOffersResult",
        "LicensesResult",
        "OrderItemsResult",
    ),
    "ymarket.validation": ("FormatWarning", "Problem", "ValidationError"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from ymarket.spec import spec_version

        value: Any = spec_version()
    elif name in _HOME_OF:
        value = getattr(importlib.import_module(_HOME_OF[name]), name)
    else:
        raise AttributeError(f"module 'ymarket' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
