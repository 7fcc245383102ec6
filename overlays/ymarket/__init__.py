"""ymarket: a client for the Yandex Market Partner API (seller API).

The generated core lives in :mod:`ymarket_api`; this package adds what a
seller's code needs on top of it. The version is the spec's ``info.version``.
"""

from ymarket.spec import spec_version

__version__: str = spec_version()

__all__ = ["__version__"]
