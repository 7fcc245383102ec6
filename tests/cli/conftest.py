"""Fixtures of the CLI tests: ``ymarket simulator`` served on 127.0.0.1 in a subprocess."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.support import Server, cli_dataset, serve_dataset


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The test dataset served by ``ymarket simulator`` (reset before each test)."""
    with serve_dataset(tmp_path_factory.mktemp("dataset"), cli_dataset()) as served:
        yield served


@pytest.fixture
def sim(server: Server) -> Server:
    """The served simulator, back to its dataset (state, limits, faults, request log)."""
    server.control("POST", "reset")
    return server
