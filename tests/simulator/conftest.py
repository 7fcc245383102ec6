"""Fixtures of the simulator tests: a simulator served by uvicorn on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from ymarket.simulator import Simulator
from ymarket.simulator.server import config


class LiveServer:
    """A simulator served by uvicorn in a thread on 127.0.0.1 (a free port)."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(config(simulator, "127.0.0.1", self.port))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    """The demo simulator on a real socket (real clock)."""
    with LiveServer(Simulator()) as server:
        yield server
