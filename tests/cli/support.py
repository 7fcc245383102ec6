"""Helpers shared by the CLI tests: ``ymarket`` run as a subprocess, the test dataset, and
``ymarket simulator`` served on 127.0.0.1 (the fixtures that use them are in conftest)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

YMARKET = shutil.which("ymarket", path=str(Path(sys.executable).parent)) or "ymarket"
CAMPAIGN = 1001
API_KEY = "cli-test-key"


def ymarket_env(url: str | None = None) -> dict[str, str]:
    """The environment of a ``ymarket`` subprocess (credentials of the test dataset)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YANDEX_MARKET_")}
    env.update({"NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
    if url is not None:
        env.update({"YANDEX_MARKET_BASE_URL": url, "YANDEX_MARKET_API_KEY": API_KEY})
    return env


def run_ymarket(
    *args: str, url: str | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``ymarket ARGS`` to the end (stdout and stderr are pipes, not terminals)."""
    return subprocess.run(
        [YMARKET, *args],
        env=ymarket_env(url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_dataset() -> dict[str, Any]:
    """Campaign 1001 with 4,990 SKUs R-00001.., every 97th stored in a Market warehouse."""
    return {
        "description": "CLI tests",
        "campaigns": [{"id": CAMPAIGN, "placementModel": "DBS", "rateLimitTier": "extended"}],
        "credentials": [
            {
                "type": "api-key",
                "value": API_KEY,
                "scopes": ["all-methods"],
                "campaignIds": [CAMPAIGN],
            }
        ],
        "offers": [
            {"campaignId": CAMPAIGN, "offerId": f"R-{n:05d}", "inMarketWarehouse": n % 97 == 0}
            for n in range(1, 4991)
        ],
        "outlets": [{"id": 501, "campaignId": CAMPAIGN}],
        "licenses": [
            {
                "id": 9001,
                "outletId": 501,
                "licenseType": "ALCOHOL",
                "number": "77RPA0012345",
                "dateOfIssue": "2024-01-15T00:00:00+03:00",
                "dateOfExpiry": "2029-01-14T00:00:00+03:00",
            }
        ],
        "orders": [
            {
                "id": 70001,
                "campaignId": CAMPAIGN,
                "status": "PROCESSING",
                "substatus": "STARTED",
                "items": [
                    {"id": n, "offerId": f"R-{n:05d}", "count": 2, "price": 100} for n in (1, 2, 3)
                ],
            }
        ],
    }


class Server:
    """``ymarket simulator`` in a subprocess on a free loopback port; its control API."""

    def __init__(self, data: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [YMARKET, "simulator", "--port", str(self.port), "--data", str(data)],
            env=ymarket_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.control("GET", "faults")
                break
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("ymarket simulator did not start") from None
                time.sleep(0.05)

    def control(self, method: str, route: str, body: Any = None) -> Any:
        """Call the simulator's control API (``/__simulator__/ROUTE``)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/__simulator__/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"null")

    def requests(self) -> list[dict[str, Any]]:
        """The recorded API requests."""
        result: list[dict[str, Any]] = self.control("GET", "requests")
        return result

    def stop(self) -> None:
        """Stop the server (always)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


COMMAND_OF_OPERATION: dict[str, tuple[str, ...]] = {
    "deleteCampaignOffers": ("offers", "delete"),
    "deleteOutletLicenses": ("licenses", "delete"),
    "updateOrderItems": ("orders", "update-items"),
    "updateOutletLicenses": ("licenses", "upsert"),
}
"""The ``ymarket`` command of each operation of the spec (a test keeps it complete)."""


@contextlib.contextmanager
def serve_dataset(folder: Path, dataset: dict[str, Any]) -> Iterator[Server]:
    """``dataset`` served by ``ymarket simulator`` until the block ends."""
    data = folder / "dataset.json"
    data.write_text(json.dumps(dataset))
    started = Server(data)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI test dataset served by ``ymarket simulator`` (reset before each test)."""
    with serve_dataset(tmp_path_factory.mktemp("dataset"), cli_dataset()) as served:
        yield served


@pytest.fixture
def sim(server: Server) -> Server:
    """The served simulator, back to its dataset (state, limits, faults, request log)."""
    server.control("POST", "reset")
    return server


def leaf_commands() -> list[tuple[str, ...]]:
    """Every command of ``ymarket`` that runs something (not a group), as its words."""
    import click
    from ymarket.cli._app import cli

    def walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                yield from walk(sub, (*path, name))
        else:
            yield path

    return list(walk(cli, ()))
