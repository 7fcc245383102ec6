"""ymarket: a client for the Yandex Market Partner API (seller API).

The generated core lives in :mod:`ymarket_api`; this package adds what a
seller's code needs on top of it: :class:`Client` and :class:`AsyncClient`
with validation before sending, typed errors, safe retries, pacing to the
spec's quotas and bulk calls. The version is the spec's ``info.version``.
"""

from ymarket._client import AsyncClient, Client
from ymarket._core import DEFAULT_BASE_URL, AllRemainingItems
from ymarket._dates import TzLike, license_datetime
from ymarket._ratelimit import RateLimiter
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
from ymarket.spec import spec_version
from ymarket.validation import FormatWarning, Problem, ValidationError

__version__: str = spec_version()

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
    "Problem",
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
