"""Shared helpers of the client tests: a fake clock, recording transports, per-operation tables.

Test modules import from here (never from each other or from conftest.py);
the fixtures that build clients live in conftest.py.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx
import ymarket
from ymarket.spec import operations

API_KEY = "test-secret-key-42"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        # Threads sleep on one clock: `now += s` must not lose an update to a race.
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Recorder:
    """A MockTransport handler that records every request and answers with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def ok_handler(request: httpx.Request) -> httpx.Response:
    """200 for everything; deleteCampaignOffers keeps SKUs starting with 'keep'."""
    if request.url.path.endswith("/offers/delete"):
        skus = json.loads(request.content)["offerIds"]
        kept = [s for s in skus if s.startswith("keep")]
        result = {"notDeletedOfferIds": kept} if kept else {}
        return httpx.Response(200, json={"status": "OK", "result": result})
    return httpx.Response(200, json={"status": "OK"})


def error_body(code: str = "BAD_REQUEST", message: str = "bad") -> dict[str, Any]:
    return {"status": "ERROR", "errors": [{"code": code, "message": message}]}


def run(coroutine: Awaitable[Any]) -> Any:
    """Run a coroutine to completion (no pytest async plugin needed)."""

    async def main() -> Any:
        return await coroutine

    return asyncio.run(main())


LICENSE = {
    "outletId": 5,
    "licenseType": "ALCOHOL",
    "number": "77RPA0001",
    "dateOfIssue": "2017-11-13T00:00:00+03:00",
    "dateOfExpiry": "2022-11-20T00:00:00+03:00",
}

NEW_LICENSE = [LICENSE]  # no id: a creation
KNOWN_LICENSE = [{**LICENSE, "id": 17}]  # with id: a change

ClientFactory = Callable[..., tuple[ymarket.Client, Recorder]]
AsyncClientFactory = Callable[..., tuple[ymarket.AsyncClient, Recorder]]

T = TypeVar("T")


def for_each_operation(table: Mapping[str, T]) -> dict[str, T]:
    """``table`` in the order of the spec's operations; a LookupError names a missing one.

    A per-operation table of the tests passes through this, so an operation
    added to the spec without a row fails the collection of the test module.
    """
    missing = sorted(set(operations()) - set(table))
    if missing:
        raise LookupError(f"no row for the operation(s) {missing} of the spec in this table")
    return {operation_id: table[operation_id] for operation_id in operations()}


EXAMPLE_CALLS: dict[str, Callable[[ymarket.Client], object]] = for_each_operation(
    {
        "deleteCampaignOffers": lambda c: c.delete_campaign_offers(1001, ["sku-1"]),
        "deleteOutletLicenses": lambda c: c.delete_outlet_licenses(1001, [7]),
        # With an id: a change, repeatable after an ambiguous failure.
        "updateOutletLicenses": lambda c: c.update_outlet_licenses(1001, [{**LICENSE, "id": 3}]),
        "updateOrderItems": lambda c: c.update_order_items(1001, 9, [{"id": 1, "count": 1}]),
    }
)
"""One valid call of each operation of the spec, made with a client."""


class SyncView:
    """An AsyncClient driven through the interface of Client, on its own event loop.

    Every coroutine method is run to completion, so a test written against
    Client exercises AsyncClient with the same assertions.
    """

    def __init__(self, client: ymarket.AsyncClient) -> None:
        self.async_client = client
        self._loop = asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.async_client, name)
        if not inspect.iscoroutinefunction(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(value(*args, **kwargs))

        return call

    def __repr__(self) -> str:
        return repr(self.async_client)

    def __enter__(self) -> SyncView:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client's pool (the loop stays until :meth:`dispose`: closed clients raise)."""
        self._loop.run_until_complete(self.async_client.aclose())

    def dispose(self) -> None:
        """Close the event loop."""
        self._loop.close()
