"""Fixtures of the shared-pacing tests: a real server on 127.0.0.1, a key prefix per test."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator

import pytest

from tests.cli.support import server, sim
from tests.pacing._redis import RedisServer

# The CLI tests' served simulator (server, sim) is used by the --rate-limit-url tests.
__all__ = ["prefix", "redis_server", "server", "sim"]


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
