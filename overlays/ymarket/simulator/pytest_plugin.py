"""pytest fixtures for testing code against the simulator, in-process (no port opened).

Registered through the ``pytest11`` entry point, so installing ymarket-partner
with the ``simulator`` extra makes them available in any project:

- ``ymarket_clock``: the :class:`~ymarket.simulator.FakeClock` of the simulator.
- ``ymarket_simulator``: a fresh :class:`~ymarket.simulator.Simulator` with the
  demo dataset on ``ymarket_clock``.
- ``ymarket_httpx_client`` / ``ymarket_async_httpx_client``: httpx clients wired
  to it, base URL ``http://simulator.local``, header ``Api-Key: demo-api-key``.
- ``ymarket_api_client``: the generated ``ymarket_api.AuthenticatedClient``
  wired to it (sync and async).
- ``ymarket_client`` / ``ymarket_async_client``: a real :class:`ymarket.Client` /
  :class:`ymarket.AsyncClient` wired to it with the demo API key, pacing on
  ``ymarket_clock`` with a sleep that advances it: a job that waits minutes
  for its quota runs in milliseconds. Their base URL is loopback
  (:data:`CLIENT_BASE_URL`), which the clients' plain-HTTP guard allows.

This module imports nothing heavy at import time, so it never breaks pytest
for projects that did not install the extra; using a fixture without it fails
with an explanation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx
    from ymarket_api import AuthenticatedClient

    from ymarket import AsyncClient, Client
    from ymarket.simulator import FakeClock, Simulator

__all__ = [
    "CLIENT_BASE_URL",
    "ymarket_api_client",
    "ymarket_async_client",
    "ymarket_async_httpx_client",
    "ymarket_client",
    "ymarket_clock",
    "ymarket_httpx_client",
    "ymarket_simulator",
]

#: The base URL of ``ymarket_client``/``ymarket_async_client``. Loopback, so the
#: clients' guard against credentials over plain HTTP lets it pass; nothing is
#: sent to it (the in-process transport answers).
CLIENT_BASE_URL = "http://127.0.0.1"


@pytest.fixture
def ymarket_clock() -> FakeClock:
    """The fake clock the simulator's rate limits and latency run on; ``.advance(s)``."""
    from ymarket.simulator import FakeClock

    return FakeClock()


@pytest.fixture
def ymarket_simulator(ymarket_clock: FakeClock) -> Simulator:
    """A fresh simulator holding the demo dataset, on ``ymarket_clock``."""
    from ymarket.simulator import Simulator

    return Simulator(clock=ymarket_clock)


@pytest.fixture
def ymarket_httpx_client(ymarket_simulator: Simulator) -> Iterator[httpx.Client]:
    """A sync httpx client talking to ``ymarket_simulator`` with the demo API key."""
    import httpx

    from ymarket.simulator import BASE_URL, DEMO_API_KEY

    with httpx.Client(
        transport=ymarket_simulator.sync_transport(),
        base_url=BASE_URL,
        headers={"Api-Key": DEMO_API_KEY},
    ) as client:
        yield client


@pytest.fixture
def ymarket_async_httpx_client(ymarket_simulator: Simulator) -> httpx.AsyncClient:
    """An async httpx client talking to ``ymarket_simulator`` with the demo API key.

    A plain (sync) fixture, so it works with any async test plugin (anyio,
    pytest-asyncio, trio); the in-process transport holds no sockets, so the
    client needs no closing.
    """
    import httpx

    from ymarket.simulator import BASE_URL, DEMO_API_KEY

    return httpx.AsyncClient(
        transport=ymarket_simulator.async_transport(),
        base_url=BASE_URL,
        headers={"Api-Key": DEMO_API_KEY},
    )


@pytest.fixture
def ymarket_api_client(ymarket_simulator: Simulator) -> Iterator[AuthenticatedClient]:
    """The generated client (sync and async) wired to ``ymarket_simulator`` (``Api-Key``)."""
    import httpx
    from ymarket_api import AuthenticatedClient

    from ymarket.simulator import BASE_URL, DEMO_API_KEY

    headers = {"Api-Key": DEMO_API_KEY}
    client = AuthenticatedClient(
        base_url=BASE_URL, token=DEMO_API_KEY, prefix="", auth_header_name="Api-Key"
    )
    client.set_httpx_client(
        httpx.Client(
            transport=ymarket_simulator.sync_transport(), base_url=BASE_URL, headers=headers
        )
    )
    client.set_async_httpx_client(
        httpx.AsyncClient(
            transport=ymarket_simulator.async_transport(), base_url=BASE_URL, headers=headers
        )
    )
    with client:
        yield client


@pytest.fixture
def ymarket_client(ymarket_simulator: Simulator, ymarket_clock: FakeClock) -> Iterator[Client]:
    """A :class:`ymarket.Client` on ``ymarket_simulator`` (demo key), paced on ``ymarket_clock``.

    Quota waits advance the fake clock instead of sleeping.
    """
    from ymarket import Client
    from ymarket.simulator import DEMO_API_KEY

    with Client(
        api_key=DEMO_API_KEY,
        base_url=CLIENT_BASE_URL,
        transport=ymarket_simulator.sync_transport(),
        clock=ymarket_clock,
        sleep=ymarket_clock.advance,
    ) as client:
        yield client


@pytest.fixture
def ymarket_async_client(ymarket_simulator: Simulator, ymarket_clock: FakeClock) -> AsyncClient:
    """A :class:`ymarket.AsyncClient` on ``ymarket_simulator``, paced on ``ymarket_clock``.

    A plain (sync) fixture, so it works with any way of running coroutines
    (``asyncio.run``, anyio, pytest-asyncio); the in-process transport holds no
    sockets, so the client needs no closing. Its sleep advances the fake clock
    and yields to the event loop once.
    """
    import asyncio

    from ymarket import AsyncClient
    from ymarket.simulator import DEMO_API_KEY

    async def sleep(seconds: float) -> None:
        ymarket_clock.advance(seconds)
        await asyncio.sleep(0)  # let other tasks run, as a real wait would

    return AsyncClient(
        api_key=DEMO_API_KEY,
        base_url=CLIENT_BASE_URL,
        transport=ymarket_simulator.async_transport(),
        clock=ymarket_clock,
        sleep=sleep,
    )
