"""Fixtures of the simulator tests: a simulator served by uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ymarket.simulator import Simulator

from tests.simulator.support import LiveServer


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    """The demo simulator on a real socket (real clock)."""
    with LiveServer(Simulator()) as server:
        yield server
