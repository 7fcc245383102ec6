"""The journal of ``offers delete``: records, resume state, torn tails, ownership, locking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ymarket.cli.journal import Journal, JournalError, outcomes


def journal(path: Path, campaign_id: int = 1001) -> Journal:
    return Journal(path, operation="deleteCampaignOffers", campaign_id=campaign_id)


def test_done_chunks_are_skipped_and_chunks_in_flight_are_not(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with journal(path) as j:
        state = j.open()
        assert (state.done, state.in_flight, state.next_chunk) == (set(), set(), 0)
        j.sending(0, ["A", "B"])
        j.done(0, ("B",), 1)
        j.sending(1, ["C"])  # in flight when the run stopped
        j.sending(2, ["D"])
        j.failed(2, "HTTP 400", ambiguous=False)  # refused: not in flight
    with journal(path) as j:
        state = j.open()
    assert state.done == {"A", "B"}
    assert state.in_flight == {"C"}
    assert state.next_chunk == 3
    assert list(outcomes(path)) == [(["A", "B"], ["B"])]


def test_a_torn_last_record_is_dropped_and_the_journal_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with journal(path) as j:
        j.open()
        j.sending(0, ["A"])
    with path.open("ab") as file:
        file.write(b'{"kind":"done","chunk":0,"notDel')  # killed while writing
    with journal(path) as j:
        state = j.open()
        assert state.done == set() and state.in_flight == {"A"}
        j.sending(1, ["A"])
        j.done(1, (), 1)
    lines = path.read_text().splitlines()
    assert all(json.loads(line) for line in lines)
    with journal(path) as j:
        assert j.open().done == {"A"}


def test_a_journal_of_another_campaign_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with journal(path) as j:
        j.open()
    with pytest.raises(
        JournalError, match="campaign 1001, not of deleteCampaignOffers on campaign 2"
    ):
        journal(path, campaign_id=2).open()


def test_a_corrupt_line_in_the_middle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with journal(path) as j:
        j.open()
        j.sending(0, ["A"])
    text = path.read_text().splitlines()
    path.write_text("\n".join([text[0], "garbage", text[1]]) + "\n")
    with pytest.raises(JournalError, match="line 2: not a journal record"):
        journal(path).open()


def test_one_process_at_a_time(tmp_path: Path) -> None:
    pytest.importorskip("fcntl")
    path = tmp_path / "j.jsonl"
    with journal(path) as first:
        first.open()
        with pytest.raises(JournalError, match="in use"):
            journal(path).open()
