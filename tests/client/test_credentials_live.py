"""A credential never shows, over a real loopback connection, in any output channel.

The simulator is served by uvicorn on 127.0.0.1 (the library) or run as
``ymarket simulator`` (the CLI). Each channel (log records of ymarket, httpx
and httpcore at DEBUG, error messages and reprs, the CLI's stdout and stderr
with ``-vv`` and with ``--json``) is searched for the secret and for its first
8 characters: a key read from a CRLF ``.env`` file, the key itself used
properly, and a wrong key.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ymarket
from ymarket.simulator import Dataset, Simulator

from tests.cli.support import YMARKET, Server, cli_dataset, serve_dataset, ymarket_env
from tests.simulator.support import LiveServer

SECRET = "Zq7-live-secret-0123456789abcdef"
WRONG = "Wx9-wrong-secret-fedcba9876543210"
CAMPAIGN = 1001
OTHER_CAMPAIGN = 4242  # not the key's: 403


def _dataset() -> dict[str, Any]:
    document = cli_dataset()
    document["credentials"][0]["value"] = SECRET
    return document


def _leaks(text: str) -> list[str]:
    return [s for s in (SECRET, SECRET[:8], WRONG, WRONG[:8]) if s in text]


def _channels_of(records: list[logging.LogRecord]) -> str:
    lines = []
    for record in records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        lines.extend(repr(v) for k, v in vars(record).items() if k not in ("msg", "args"))
    return "\n".join(lines)


@pytest.fixture
def served() -> Iterator[LiveServer]:
    with LiveServer(Simulator(Dataset(_dataset()))) as server:
        yield server


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in ("ymarket", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_library_channels_over_loopback(
    served: LiveServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    with pytest.raises(ValueError) as refused:
        ymarket.Client(api_key=f"{SECRET}\r\n", base_url=served.url)
    seen += [str(refused.value), repr(refused.value)]
    assert served.simulator.requests == []  # refused before anything was sent

    with ymarket.Client(api_key=SECRET, base_url=served.url, log_bodies=True) as client:
        seen.append(repr(client))
        client.delete_campaign_offers(CAMPAIGN, ["R-00001", "NO-SUCH"])
        with pytest.raises(ymarket.ApiError) as forbidden:
            client.delete_campaign_offers(OTHER_CAMPAIGN, ["R-00002"])
        seen += [str(forbidden.value), repr(forbidden.value), repr(vars(forbidden.value))]
    with ymarket.Client(api_key=WRONG, base_url=served.url) as client:
        with pytest.raises(ymarket.ApiError) as unauthorized:
            client.delete_campaign_offers(CAMPAIGN, ["R-00003"])
        seen += [str(unauthorized.value), repr(vars(unauthorized.value))]
    statuses = [r.status for r in served.simulator.requests]
    assert statuses[0] == 200 and all(s is not None and s >= 400 for s in statuses[1:])
    logged = _channels_of(debug_logs.records)
    assert {r.name.split(".")[0] for r in debug_logs.records} >= {"ymarket", "httpx", "httpcore"}
    assert _leaks(logged) == []
    assert _leaks("\n".join(seen)) == []


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_dataset(tmp_path_factory.mktemp("secret"), _dataset()) as served:
        yield served


def _ymarket(
    server: Server, *args: str, env_key: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = ymarket_env()
    env["YANDEX_MARKET_BASE_URL"] = server.url
    if env_key is not None:
        env["YANDEX_MARKET_API_KEY"] = env_key
    return subprocess.run(
        [YMARKET, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd or os.getcwd(),
    )


CLI_CASES = {
    "crlf key from the environment": ((), f"{SECRET}\r\n", CAMPAIGN),
    "crlf key as an option": (("--api-key", f"{SECRET}\r\n"), None, CAMPAIGN),
    "the key, another campaign": ((), SECRET, OTHER_CAMPAIGN),
    "a wrong key": ((), WRONG, CAMPAIGN),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
@pytest.mark.parametrize("output", [("-vv",), ("-vv", "--json")])
def test_cli_channels_over_loopback(
    cli_server: Server, case: str, output: tuple[str, ...], tmp_path: Path
) -> None:
    options, env_key, campaign = CLI_CASES[case]
    cli_server.control("POST", "reset")
    journal = tmp_path / "journal"
    done = _ymarket(
        cli_server,
        *options,
        *output,
        "offers",
        "delete",
        "--campaign-id",
        str(campaign),
        "--journal",
        str(journal),
        "R-00010",
        "R-00011",
        env_key=env_key,
        cwd=tmp_path,
    )
    assert done.returncode != 0  # refused, forbidden or unauthorized
    channels = done.stdout + done.stderr
    channels += "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert _leaks(channels) == [], channels
    if env_key is not None and not env_key.endswith("\n"):
        assert cli_server.requests()  # the credential was really sent
    else:
        assert cli_server.requests() == []  # refused before sending
