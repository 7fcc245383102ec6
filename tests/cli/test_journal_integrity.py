"""Journal integrity (issue 12 items 5, 7): whole records or a clean stop, output paths checked
before the first request, finished jobs, resent marks across runs, SIGTERM, unexpected errors,
undecodable input."""

from __future__ import annotations

import errno
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ymarket.cli._app import cli
from ymarket.cli.journal import Journal, JournalWriteError

from tests.cli.support import CAMPAIGN, YMARKET, Server, run_ymarket, ymarket_env

OFFERS_PATH = f"/v2/campaigns/{CAMPAIGN}/offers/delete"
DELETE = ["offers", "delete", "--campaign-id", str(CAMPAIGN)]


def offer_requests(server: Server) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["path"] == OFFERS_PATH]


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def sku_file(tmp_path: Path, count: int) -> Path:
    source = tmp_path / "skus.txt"
    source.write_text("".join(f"R-{n:05d}\n" for n in range(1, count + 1)))
    return source


class FullDisk:
    """A journal file that accepts ``room`` more bytes, then fails like a full disk."""

    def __init__(self, real: Any, room: int, *, short: bool = False) -> None:
        self._real = real
        self._room = room
        self._short = short  # a full disk answers a short write (0 bytes) instead of ENOSPC

    def write(self, data: memoryview) -> int:
        if self._room <= 0:
            if self._short:
                return 0
            raise OSError(errno.ENOSPC, "No space left on device")
        written: int = self._real.write(data[: self._room])
        self._room -= written
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.mark.parametrize("short", [False, True], ids=["ENOSPC", "short write"])
def test_a_full_disk_leaves_no_torn_record_and_the_journal_resumes(
    tmp_path: Path, short: bool
) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path, operation="deleteCampaignOffers", campaign_id=1) as journal:
        journal.open()
        journal.sending(0, ["A", "B"])
        journal.done(0, ("B",), 1)
        journal._file = FullDisk(journal._file, 10, short=short)  # type: ignore[assignment]
        with pytest.raises(JournalWriteError, match="cannot write the journal"):
            journal.sending(1, ["C", "D"])
    assert [r["kind"] for r in records(path)] == ["job", "sending", "done"]
    with Journal(path, operation="deleteCampaignOffers", campaign_id=1) as journal:
        state = journal.open()
        assert state.done == {"A", "B"} and not state.in_flight and state.next_chunk == 1


def test_a_journal_that_cannot_be_written_stops_the_job_before_its_next_request(
    sim: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sku_file(tmp_path, 1200)  # three chunks
    journal = tmp_path / "job.journal"
    args = [*DELETE, "--from-file", str(source), "--journal", str(journal)]
    real_sending = Journal.sending

    def sending(self: Journal, chunk: int, offer_ids: list[str]) -> None:
        if chunk == 1:
            self._file = FullDisk(self._file, 5)  # type: ignore[assignment]
        real_sending(self, chunk, offer_ids)

    monkeypatch.setattr(Journal, "sending", sending)
    monkeypatch.setenv("YANDEX_MARKET_BASE_URL", sim.url)
    monkeypatch.setenv("YANDEX_MARKET_API_KEY", "cli-test-key")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 7, result.output
    assert "cannot write the journal" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(offer_requests(sim)) == 1  # chunk 1 was never sent
    monkeypatch.setattr(Journal, "sending", real_sending)

    again = run_ymarket(*args, url=sim.url)
    assert again.returncode == 3, again.stderr
    sent = [sku for r in offer_requests(sim) for sku in r["body"]["offerIds"]]
    assert sorted(sent) == sorted(source.read_text().split())  # each SKU exactly once


@pytest.mark.parametrize("option", ["--journal", "--not-deleted-out"])
def test_an_output_path_that_cannot_be_written_exits_2_before_any_request(
    sim: Server, tmp_path: Path, option: str
) -> None:
    target = tmp_path / "missing-dir" / "out"
    result = run_ymarket(*DELETE, "R-00001", option, str(target), url=sim.url)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and option in result.stderr
    assert "Traceback" not in result.stderr
    assert offer_requests(sim) == []


def test_a_finished_journal_says_so_and_sends_nothing(sim: Server, tmp_path: Path) -> None:
    journal = tmp_path / "job.journal"
    args = ["--json", *DELETE, "R-00001", "R-00002", "--journal", str(journal)]
    first = run_ymarket(*args, url=sim.url)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["finishedEarlier"] is None
    sim.control("POST", "reset")  # the SKUs are back, as in a recurring job
    second = run_ymarket(*args, url=sim.url)
    assert second.returncode == 0
    assert json.loads(second.stdout)["finishedEarlier"]
    assert offer_requests(sim) == []
    text = run_ymarket(*args[1:], url=sim.url)
    assert "the journal's job finished earlier" in text.stdout


def test_resent_marks_are_kept_across_runs(sim: Server, tmp_path: Path) -> None:
    journal = tmp_path / "job.journal"
    # An earlier run stopped with a chunk in flight that the server had applied.
    journal.write_text(
        json.dumps({"kind": "job", "version": 1, "operation": "deleteCampaignOffers"})[:-1]
        + f', "campaignId": {CAMPAIGN}}}\n'
        + json.dumps({"kind": "sending", "chunk": 0, "offerIds": ["R-00001", "R-00002"]})
        + "\n"
    )
    assert run_ymarket(*DELETE, "R-00001", url=sim.url).returncode == 0
    args = ["--json", *DELETE, "R-00001", "R-00002", "--journal", str(journal)]
    for _ in range(2):  # the run that resends, then a run of the finished job
        document = json.loads(run_ymarket(*args, url=sim.url).stdout)
        assert document["resent"] == 2
        assert document["resentNotDeleted"] == ["R-00001"]


def test_sigterm_leaves_a_resumable_journal_and_says_how_to_resume(
    sim: Server, tmp_path: Path
) -> None:
    source = sku_file(tmp_path, 2000)
    sim.control("PUT", "faults", {"latency_seconds": 0.3})
    run = subprocess.Popen(
        [YMARKET, *DELETE, "--from-file", str(source)],
        env=ymarket_env(sim.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(r["status"] == 200 for r in offer_requests(sim)):
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.1)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=30)
    sim.control("DELETE", "faults")
    assert run.returncode == 130, stderr
    assert "interrupted (SIGTERM)" in stderr and "Traceback" not in stderr
    resume = stderr.split("run it again with --journal ", 1)[1].split()[0]
    assert Path(resume).exists()
    again = run_ymarket(*DELETE, "--from-file", str(source), "--journal", resume, url=sim.url)
    assert again.returncode == 3, again.stderr
    deleted = {
        sku for r in offer_requests(sim) if r["status"] == 200 for sku in r["body"]["offerIds"]
    }
    assert deleted == set(source.read_text().split())
    Path(resume).unlink()


def test_an_unexpected_error_keeps_the_temporary_journal(
    sim: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ymarket import Client

    source = sku_file(tmp_path, 1200)
    real = Client.delete_campaign_offers
    calls = []

    def failing(self: Client, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bug")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Client, "delete_campaign_offers", failing)
    monkeypatch.setenv("YANDEX_MARKET_BASE_URL", sim.url)
    monkeypatch.setenv("YANDEX_MARKET_API_KEY", "cli-test-key")
    result = CliRunner().invoke(cli, [*DELETE, "--from-file", str(source)])
    assert isinstance(result.exception, RuntimeError)
    kept = Path(result.stderr.split("run it again with --journal ", 1)[1].split()[0])
    assert [r["kind"] for r in records(kept)][:3] == ["job", "sending", "done"]
    kept.unlink()


def test_an_undecodable_argument_is_one_line_and_exit_2(sim: Server) -> None:
    result = subprocess.run(
        [YMARKET, *DELETE, b"R-\xff"],
        env=ymarket_env(sim.url),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.decode().startswith("ymarket: error: argument 1: not UTF-8")
    assert result.stderr.count(b"\n") == 1
    assert offer_requests(sim) == []
