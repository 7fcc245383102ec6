"""Helpers of the client tests: a fake clock and clients on httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import ymarket

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


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


ClientFactory = Callable[..., tuple[ymarket.Client, Recorder]]
AsyncClientFactory = Callable[..., tuple[ymarket.AsyncClient, Recorder]]


@pytest.fixture
def make_client(fake_time: FakeTime) -> ClientFactory:
    """A Client on a MockTransport answering with ``handler``, on the fake clock."""

    def make(handler: Handler = ok_handler, **kwargs: Any) -> tuple[ymarket.Client, Recorder]:
        recorder = Recorder(handler)
        kwargs.setdefault("api_key", API_KEY)
        client = ymarket.Client(
            transport=httpx.MockTransport(recorder),
            clock=fake_time.clock,
            sleep=fake_time.sleep,
            **kwargs,
        )
        return client, recorder

    return make


@pytest.fixture
def make_async_client(fake_time: FakeTime) -> AsyncClientFactory:
    """An AsyncClient on a MockTransport answering with ``handler``, on the fake clock."""

    def make(handler: Handler = ok_handler, **kwargs: Any) -> tuple[ymarket.AsyncClient, Recorder]:
        recorder = Recorder(handler)
        kwargs.setdefault("api_key", API_KEY)
        client = ymarket.AsyncClient(
            transport=httpx.MockTransport(recorder),
            clock=fake_time.clock,
            sleep=fake_time.async_sleep,
            **kwargs,
        )
        return client, recorder

    return make


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
