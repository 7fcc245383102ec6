"""Fixtures of the client tests: the fake clock and clients on httpx.MockTransport.

``make_each_client`` runs each test twice, once with ``Client`` and once with
``AsyncClient`` seen through :class:`tests.client.support.SyncView`, so every
client behaviour is checked for both. ``make_client`` builds a ``Client`` only,
for what only the sync client has (threads sharing it); ``make_async_client``
is for tests that drive coroutines themselves (tasks sharing it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
import ymarket

from tests.client.support import API_KEY, Handler, Recorder, SyncView

# Re-exported: test_ratelimit.py imports these from here.
from tests.client.support import AsyncClientFactory as AsyncClientFactory
from tests.client.support import ClientFactory as ClientFactory
from tests.client.support import FakeTime as FakeTime
from tests.client.support import ok_handler as ok_handler
from tests.client.support import run as run


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


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


@pytest.fixture(params=["Client", "AsyncClient"])
def make_each_client(
    request: pytest.FixtureRequest,
    make_client: ClientFactory,
    make_async_client: AsyncClientFactory,
) -> Iterator[ClientFactory]:
    """A client of each kind, used through the interface of Client."""
    if request.param == "Client":
        yield make_client
        return
    views: list[SyncView] = []

    def make(handler: Handler = ok_handler, **kwargs: Any) -> tuple[ymarket.Client, Recorder]:
        client, recorder = make_async_client(handler, **kwargs)
        views.append(SyncView(client))
        # The view has every method of Client (run to completion): typed as one.
        return cast(ymarket.Client, views[-1]), recorder

    yield make
    for view in views:
        view.dispose()
