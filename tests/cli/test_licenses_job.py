"""``ymarket licenses upsert`` journaled (issue 12 item 6): a lost answer makes creations
uncertain, never resent on their own; a resumed job sends no row twice."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from ymarket.cli._app import cli
from ymarket.cli._exit import ExitCode
from ymarket.cli._session import Settings
from ymarket.simulator import Simulator

from tests.cli.support import API_KEY, CAMPAIGN, Server, cli_dataset, run_ymarket

LICENSES_PATH = f"/v2/campaigns/{CAMPAIGN}/outlets/licenses"
UPSERT = ["licenses", "upsert", "--campaign-id", str(CAMPAIGN), "--tz", "+03:00"]
ROWS = 1200  # three chunks of the spec's 500


def write_rows(path: Path, numbers: list[int]) -> Path:
    path.write_text(
        "outletId,licenseType,number,dateOfIssue,dateOfExpiry\n"
        + "".join(f"501,ALCOHOL,77RPA{n:07d},2025-03-01,2030-02-28\n" for n in numbers)
    )
    return path


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """The test dataset in an in-process simulator that every command run here talks to."""
    from ymarket import Client
    from ymarket.simulator import BASE_URL, Dataset

    data = tmp_path / "dataset.json"
    data.write_text(json.dumps(cli_dataset()))
    simulator = Simulator(Dataset.load(data))

    def client(_settings: Settings) -> Client:
        return Client(
            api_key=API_KEY,
            base_url=BASE_URL,
            allow_insecure_http=True,
            transport=simulator.sync_transport(),
        )

    monkeypatch.setattr(Settings, "client", client)
    return simulator


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def numbers_of(simulator: Simulator) -> Counter[str]:
    return Counter(lic.number for lic in simulator.state.licenses.values())


@pytest.mark.parametrize("applied", [True, False], ids=["applied", "not applied"])
def test_a_lost_answer_leaves_uncertain_rows_and_resuming_creates_each_license_once(
    local: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, applied: bool
) -> None:
    from ymarket import Client

    numbers = list(range(ROWS))
    source = write_rows(tmp_path / "licenses.csv", numbers)
    journal = tmp_path / "licenses.journal"
    args = [*UPSERT, "--from-file", str(source), "--journal", str(journal)]
    before = numbers_of(local)

    # The second chunk's request fails with a 500 (after it took effect when ``applied``):
    # its creations are uncertain, the third chunk is not attempted.
    real = Client.update_outlet_licenses
    calls: list[int] = []

    def second_fails(self: Client, *a: Any, **k: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            local.faults.configure(error_rate=1.0, after_processing=applied)
        return real(self, *a, **k)

    monkeypatch.setattr(Client, "update_outlet_licenses", second_fails)
    first = run("--json", *args)
    monkeypatch.setattr(Client, "update_outlet_licenses", real)
    local.faults.configure(error_rate=0.0)
    assert first.exit_code == ExitCode.API_ERROR, first.output
    rows = json.loads(first.stdout)["error"]["rows"]
    assert rows["done"] == 500 and rows["notAttempted"] == 200
    assert rows["uncertain"] == [f"line {n}" for n in range(502, 1002)]
    assert "500 row(s) done, 500 uncertain, 200 not attempted" in first.stderr
    assert "no call to read licenses" in first.stderr and "seller cabinet" in first.stderr

    # Resume: the rows not attempted are sent; the uncertain ones are not.
    second = run("--json", *args)
    assert second.exit_code == ExitCode.UNCERTAIN, second.output
    document = json.loads(second.stdout)
    assert document["sent"] == 200 and document["skippedAsDone"] == 500
    assert len(document["rows"]["uncertain"]) == 500
    assert "seller cabinet" in second.stderr

    # The user looks in the seller cabinet, drops the rows found there, resends the others.
    created = numbers_of(local) - before
    missing = {n for n in numbers if f"77RPA{n:07d}" not in created}
    assert len(missing) == (0 if applied else 500)
    kept = write_rows(tmp_path / "kept.csv", [n for n in numbers if n in missing or n < 500])
    third = run(*UPSERT, "--from-file", str(kept), "--journal", str(journal), "--resend-uncertain")
    assert third.exit_code == 0, third.output
    final = numbers_of(local) - before
    assert sorted(final) == sorted(f"77RPA{n:07d}" for n in numbers)
    assert set(final.values()) == {1}  # every license created once


def test_a_finished_license_job_resent_sends_nothing_twice(sim: Server, tmp_path: Path) -> None:
    source = write_rows(tmp_path / "licenses.csv", list(range(3)))
    journal = tmp_path / "licenses.journal"
    args = [*UPSERT, "--from-file", str(source), "--journal", str(journal)]
    assert run_ymarket(*args, url=sim.url).returncode == 0
    again = run_ymarket(*args, url=sim.url)
    assert again.returncode == 0
    assert "skipped, done in an earlier run (journal): 3" in again.stdout
    assert len([r for r in sim.requests() if r["path"] == LICENSES_PATH]) == 1
