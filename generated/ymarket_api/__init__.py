"""A client library for accessing Yandex Market Partner API (ymarket-partner subset)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
