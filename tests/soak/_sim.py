"""A simulator with many SKUs, outlets and licenses, served on loopback from a thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from ymarket.simulator import Dataset, Simulator
from ymarket.simulator.server import config

__all__ = ["API_KEY", "CAMPAIGN", "bench_dataset", "in_warehouse", "serve_in_thread", "sku"]

CAMPAIGN = 1001
API_KEY = "bench-api-key"
_WAREHOUSE_EVERY = 97  # every 97th SKU is stored in a Market warehouse: never deleted


def sku(n: int) -> str:
    """The n-th SKU of the benchmark store."""
    return f"SKU-{n:07d}"


def in_warehouse(n: int) -> bool:
    """Whether the n-th SKU is stored in a Market warehouse (the API keeps it)."""
    return n % _WAREHOUSE_EVERY == 0


def bench_dataset(
    offers: int, *, outlets: int = 0, licenses: int = 0, rate_limit_tier: str | None = None
) -> Dataset:
    """Campaign 1001 (DBS) with ``offers`` SKUs, ``outlets`` outlets and ``licenses`` licenses.

    License ``i`` (id 100000 + i) belongs to outlet 501 + i % outlets, number ``OLD-<i>``.
    Order 70001 (PROCESSING/STARTED) has item 1 (2 units) and item 2 (3 units).
    """
    document: dict[str, Any] = {
        "description": "ymarket-partner benchmark dataset",
        "campaigns": [{"id": CAMPAIGN, "placementModel": "DBS", "rateLimitTier": rate_limit_tier}],
        "credentials": [
            {
                "type": "api-key",
                "value": API_KEY,
                "scopes": ["all-methods"],
                "campaignIds": [CAMPAIGN],
            }
        ],
        "outlets": [
            {"id": 501 + i, "campaignId": CAMPAIGN, "name": f"Outlet {i}"} for i in range(outlets)
        ],
        "licenses": [
            {
                "id": 100000 + i,
                "outletId": 501 + i % outlets,
                "licenseType": "ALCOHOL",
                "number": f"OLD-{i:06d}",
                "dateOfIssue": "2024-01-15T00:00:00+03:00",
                "dateOfExpiry": "2029-01-14T00:00:00+03:00",
            }
            for i in range(licenses if outlets else 0)
        ],
        "offers": [
            {"campaignId": CAMPAIGN, "offerId": sku(n), "inMarketWarehouse": in_warehouse(n)}
            for n in range(offers)
        ],
        "orders": [
            {
                "id": 70001,
                "campaignId": CAMPAIGN,
                "status": "PROCESSING",
                "substatus": "STARTED",
                "items": [
                    {"id": 1, "offerId": sku(1), "count": 2, "price": 500},
                    {"id": 2, "offerId": sku(2), "count": 3, "price": 700},
                ],
            }
        ],
    }
    return Dataset(document)


@contextlib.contextmanager
def serve_in_thread(simulator: Simulator) -> Iterator[int]:
    """Serve ``simulator`` on 127.0.0.1 (a free port) from a thread; yields the port."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    server = uvicorn.Server(config(simulator, "127.0.0.1", port))
    run: Callable[[], None] = lambda: server.run(sockets=[sock])  # noqa: E731
    thread = threading.Thread(target=run, daemon=True, name="simulator")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the simulator did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
