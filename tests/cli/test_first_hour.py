"""The command as a new user meets it (issue 13 item 5): global options anywhere, plain HTTP
by choice, license files in any encoding, a missing extra named, the address of a failed
connection."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from ymarket.cli._app import global_options_first
from ymarket.cli._session import Failure, Settings

from tests.cli.support import CAMPAIGN, Server, run_ymarket

LICENSES_PATH = f"/v2/campaigns/{CAMPAIGN}/outlets/licenses"
UPSERT = ["licenses", "upsert", "--campaign-id", str(CAMPAIGN), "--tz", "+03:00"]
ROW = "501,ALCOHOL,77RPA-ЁЛКА,2025-03-01,2030-02-28\n"
HEADER = "outletId,licenseType,number,dateOfIssue,dateOfExpiry\n"


def test_global_options_after_the_subcommand_are_moved_before_it() -> None:
    args = ["offers", "delete", "--campaign-id", "1", "A", "--json", "-vv", "--api-key", "K"]
    assert global_options_first([*args, "--rate-tier=off", "--", "--json"]) == [
        "--json",
        "-vv",
        "--api-key",
        "K",
        "--rate-tier=off",
        "offers",
        "delete",
        "--campaign-id",
        "1",
        "A",
        "--",
        "--json",
    ]
    # Before the subcommand, a global option's value is not taken for the subcommand.
    assert global_options_first(["--base-url", "offers", "licenses"]) == [
        "--base-url",
        "offers",
        "licenses",
    ]


def test_json_after_the_subcommand_works_end_to_end() -> None:
    result = run_ymarket(
        "offers", "delete", "--campaign-id", "1001", "SKU-00401", "--simulator", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert '"deleted": 1' in result.stdout


def test_plain_http_to_another_host_needs_allow_insecure_http() -> None:
    remote = {"api_key": "k", "base_url": "http://192.0.2.1:8080"}
    with pytest.raises(Failure, match="--allow-insecure-http"):
        Settings(**remote).client()  # type: ignore[arg-type]
    with Settings(allow_insecure_http=True, **remote).client() as client:  # type: ignore[arg-type]
        assert client is not None


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8-sig", "utf-8"])
def test_license_files_in_a_common_encoding(sim: Server, tmp_path: Path, encoding: str) -> None:
    source = tmp_path / "licenses.csv"
    source.write_bytes((HEADER + ROW).encode(encoding))
    extra = ["--encoding", encoding] if encoding == "cp1251" else []
    result = run_ymarket(*UPSERT, "--from-file", str(source), *extra, url=sim.url)
    assert result.returncode == 0, result.stderr
    (sent,) = [r for r in sim.requests() if r["path"] == LICENSES_PATH]
    assert sent["body"]["licenses"][0]["number"] == "77RPA-ЁЛКА"


def test_an_undecodable_license_file_is_one_line_with_its_line_and_a_hint(
    sim: Server, tmp_path: Path
) -> None:
    source = tmp_path / "licenses.csv"
    source.write_bytes((HEADER + ROW + ROW).encode("cp1251"))
    result = run_ymarket(*UPSERT, "--from-file", str(source), url=sim.url)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "line 2: not utf-8" in result.stderr and "--encoding cp1251" in result.stderr
    assert sim.requests() == []


def test_a_missing_extra_says_which_to_install() -> None:
    code = "import sys; sys.modules['click'] = None; from ymarket.cli import main; main(['--help'])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "ymarket: error: the command needs the 'cli' extra (click is missing): "
        "pip install 'ymarket-partner[cli]'"
    )


def test_a_connection_error_names_the_address() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"  # closed once the block ends
    result = run_ymarket(
        "--max-retries", "0", "offers", "delete", "--campaign-id", "1001", "SKU-1", url=url
    )
    assert result.returncode == 5
    assert f"(address: {url})" in result.stderr


def test_dump_demo_into_a_reader_that_stops_early_is_quiet_and_exits_0() -> None:
    # `ymarket simulator --dump-demo | head`: the demo (~180 kB) outgrows the pipe, so the
    # command is still writing when the reader goes away.
    from tests.cli.support import YMARKET, ymarket_env

    process = subprocess.Popen(
        [YMARKET, "simulator", "--dump-demo"],
        env=ymarket_env(None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10).startswith(b"{")
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""
