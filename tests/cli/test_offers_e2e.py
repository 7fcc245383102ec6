"""``ymarket offers delete`` end to end: a subprocess against ``ymarket simulator`` on loopback."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.cli.support import CAMPAIGN, YMARKET, Server, run_ymarket, ymarket_env

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
OFFERS_PATH = f"/v2/campaigns/{CAMPAIGN}/offers/delete"


def input_skus() -> list[str]:
    """5,000 SKUs: the dataset's 4,990 with 10 it does not have spread among them."""
    skus = [f"R-{n:05d}" for n in range(1, 4991)]
    for k in range(10):
        skus.insert(k * 499, f"ABSENT-{k:02d}")
    return skus


def in_warehouse(sku: str) -> bool:
    return sku.startswith("R-") and int(sku[2:]) % 97 == 0


def offer_requests(server: Server) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["path"] == OFFERS_PATH]


def journal_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def assert_clean(text: str) -> None:
    """Output that is not a terminal has no control characters (colours, cursor moves)."""
    assert not CONTROL.search(text), repr(CONTROL.search(text))


def test_killed_with_sigkill_and_resumed_loses_nothing_and_resends_nothing_done(
    sim: Server, tmp_path: Path
) -> None:
    skus = input_skus()
    source = tmp_path / "skus.txt"
    source.write_text("\n".join(skus) + "\n")
    journal = tmp_path / "job.journal"
    kept_file = tmp_path / "kept.txt"
    command = [
        "--rate-tier",
        "extended",
        "offers",
        "delete",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        str(source),
        "--journal",
        str(journal),
        "--not-deleted-out",
        str(kept_file),
    ]
    # Slow answers, so the kill lands while a chunk is in flight.
    sim.control("PUT", "faults", {"latency_seconds": 0.15})
    first = subprocess.Popen(
        [YMARKET, *command],
        env=ymarket_env(sim.url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        # Kill once 3 chunks are done and the next one is in flight (sent, not answered).
        while not _three_done_and_one_in_flight(_safe_records(journal)):
            assert first.poll() is None, "the first run ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    time.sleep(0.3)  # the server finishes the request the killed run left in flight
    sim.control("DELETE", "faults")

    records = journal_records(journal)
    sending = {r["chunk"]: r["offerIds"] for r in records if r["kind"] == "sending"}
    done = {r["chunk"] for r in records if r["kind"] == "done"}
    done_skus = {sku for chunk in done for sku in sending[chunk]}
    in_flight = {sku for chunk in set(sending) - done for sku in sending[chunk]}
    assert len(done) >= 3 and in_flight
    assert done_skus and len(done_skus) < len(skus)
    first_run = offer_requests(sim)
    # A request of the first run that the server applied although its answer was lost.
    lost_applied = {
        sku for r in first_run if r["status"] == 200 for sku in r["body"]["offerIds"]
    } - done_skus

    second = run_ymarket(*command, url=sim.url)
    assert second.returncode == 3, second.stderr
    assert_clean(second.stdout + second.stderr)

    second_run = offer_requests(sim)[len(first_run) :]
    resent = [sku for r in second_run for sku in r["body"]["offerIds"]]
    # No SKU of a chunk that succeeded was sent again; each other SKU was sent once.
    assert not done_skus & set(resent)
    assert sorted(resent) == sorted(set(skus) - done_skus)
    assert in_flight <= set(resent)
    assert all(r["status"] == 200 for r in second_run)

    kept = kept_file.read_text().splitlines()
    assert len(kept) == len(set(kept)), "a SKU is listed twice"
    expected = {s for s in skus if in_warehouse(s) or s.startswith("ABSENT")} | lost_applied
    assert set(kept) == expected
    # Every other SKU was deleted: it went out in a request the server answered 200.
    applied = {
        sku for r in offer_requests(sim) if r["status"] == 200 for sku in r["body"]["offerIds"]
    }
    assert set(skus) - set(kept) <= applied
    assert f"skipped, done in an earlier run (journal): {len(done_skus)}" in second.stdout
    assert f"deleted: {len(skus) - len(expected)}" in second.stdout

    # Run again: everything is done, nothing is sent.
    third = run_ymarket(*command, url=sim.url)
    assert third.returncode == 3
    assert len(offer_requests(sim)) == len(first_run) + len(second_run)
    assert "sent now: 0 SKU(s) in 0 request(s)" in third.stdout


def _three_done_and_one_in_flight(records: list[dict[str, Any]]) -> bool:
    done = sum(r["kind"] == "done" for r in records)
    return done >= 3 and bool(records[-1]["kind"] == "sending")


def _safe_records(path: Path) -> list[dict[str, Any]]:
    try:
        return journal_records(path)
    except (FileNotFoundError, ValueError):
        return []


def test_a_bad_sku_is_reported_by_line_before_anything_is_sent(sim: Server, tmp_path: Path) -> None:
    lines = [f"R-{n:05d}" for n in range(1, 1201)]
    lines[700] = "x" * 256
    lines[1100] = "R-00003"
    source = tmp_path / "skus.txt"
    source.write_text("\n".join(lines) + "\n")
    result = run_ymarket(
        "offers", "delete", "--campaign-id", str(CAMPAIGN), "--from-file", str(source), url=sim.url
    )
    assert result.returncode == 2
    assert "line 701: maxLength" in result.stderr
    assert "line 1101: uniqueItems: 'R-00003' repeats line 3" in result.stderr
    assert "Traceback" not in result.stderr
    assert offer_requests(sim) == []
    assert_clean(result.stdout + result.stderr)


def test_a_420_burst_is_survived(sim: Server, tmp_path: Path) -> None:
    sim.control("PUT", "faults", {"rate_limit_burst": 2})
    skus = [f"R-{n:05d}" for n in range(1, 601)]
    result = run_ymarket(
        "-v",
        "--retry-backoff",
        "0.01",
        "offers",
        "delete",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        "-",
        stdin="\n".join(skus) + "\n",
        url=sim.url,
    )
    assert result.returncode == 3, result.stderr  # R-00097 .. R-00582 are in a warehouse
    statuses = [r["status"] for r in offer_requests(sim)]
    assert statuses == [420, 420, 200, 200]
    assert "420 retry 1 of 8" in result.stderr and "RateLimitError" in result.stderr
    assert "deleted: 594" in result.stdout and "not deleted: 6" in result.stdout
    assert_clean(result.stdout + result.stderr)


def test_a_500_burst_is_survived_and_reported_in_json(sim: Server, tmp_path: Path) -> None:
    sim.control("PUT", "faults", {"error_rate": 0.5, "seed": 11})
    skus = [f"R-{n:05d}" for n in range(1, 1501)]
    source = tmp_path / "skus.txt"
    source.write_text("\n".join(skus) + "\n")
    result = run_ymarket(
        "--json",
        # Every attempt spends the client's pacing quota, 500s included.
        "--rate-tier",
        "extended",
        "--max-retries",
        "10",
        "--retry-backoff",
        "0.01",
        "offers",
        "delete",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        str(source),
        url=sim.url,
    )
    assert result.returncode == 3, result.stderr
    statuses = [r["status"] for r in offer_requests(sim)]
    assert 500 in statuses and statuses.count(200) == 3
    document = json.loads(result.stdout)
    assert document["deleted"] == 1500 - 15
    assert document["notDeletedOfferIds"] == [s for s in skus if in_warehouse(s)]
    assert document["exitCode"] == 3
    assert_clean(result.stderr)


def test_an_api_error_is_one_line_with_its_code_and_the_job_resumes(
    sim: Server, tmp_path: Path
) -> None:
    sim.control("PATCH", f"campaigns/{CAMPAIGN}", {"locked": True})
    journal = tmp_path / "job.journal"
    args = ["offers", "delete", "--campaign-id", str(CAMPAIGN), "--journal", str(journal)]
    result = run_ymarket(*args, "R-00001", "R-00002", url=sim.url)
    assert result.returncode == 4
    assert "ymarket: error: deleteCampaignOffers: HTTP 423: LOCKED" in result.stderr
    assert "Traceback" not in result.stderr
    sim.control("PATCH", f"campaigns/{CAMPAIGN}", {"locked": False})
    again = run_ymarket(*args, "R-00001", "R-00002", url=sim.url)
    assert again.returncode == 0, again.stderr
    assert "deleted: 2" in again.stdout


def test_skus_deleted_by_a_failed_attempt_are_flagged_not_lost(sim: Server, tmp_path: Path) -> None:
    """A 500 after the deletion was applied: the repeat finds those SKUs gone and reports
    them as not deleted; the summary flags them as resent, so nothing is misread."""
    sim.control("PUT", "faults", {"error_rate": 0.5, "after_processing": True, "seed": 11})
    skus = [f"R-{n:05d}" for n in range(1, 1501)]
    source = tmp_path / "skus.txt"
    source.write_text("\n".join(skus) + "\n")
    result = run_ymarket(
        "--json",
        "--rate-tier",
        "off",
        "--max-retries",
        "10",
        "--retry-backoff",
        "0.01",
        "offers",
        "delete",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        str(source),
        url=sim.url,
    )
    assert result.returncode == 3, result.stderr
    assert 500 in [r["status"] for r in offer_requests(sim)]
    document = json.loads(result.stdout)
    not_deleted = set(document["notDeletedOfferIds"])
    already_gone = not_deleted - {s for s in skus if in_warehouse(s)}
    assert already_gone, "the seed makes at least one applied attempt fail"
    assert already_gone <= set(document["resentNotDeleted"])
    assert document["deleted"] + document["notDeleted"] == len(skus)
