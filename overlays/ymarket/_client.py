"""ymarket.Client and ymarket.AsyncClient, from their modules.

``AsyncClient`` is written in :mod:`ymarket._async_client`; ``Client`` is
generated from it into :mod:`ymarket._sync_client` (``uv run python -m generator``).
"""

from __future__ import annotations

from ymarket._async_client import AsyncClient
from ymarket._sync_client import Client

__all__ = ["AsyncClient", "Client"]
