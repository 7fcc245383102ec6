"""The journal of a bulk SKU deletion: what was sent and what came back, for resuming.

An append-only file of JSON lines, each flushed and fsynced before the job
goes on, so it survives Ctrl-C, ``kill -9`` and a lost network:

- ``{"kind": "job", "version": 1, "operation": ..., "campaignId": N}``: the first line;
- ``{"kind": "sending", "chunk": K, "offerIds": [...]}``: written BEFORE a chunk's request;
- ``{"kind": "done", "chunk": K, "notDeleted": [...], "attempts": A, "resent": [...]}``:
  after its answer; ``resent`` (optional) lists its SKUs sent again after an interrupted
  run or an ambiguous failure (deleted by then, they come back as not deleted);
- ``{"kind": "failed", "chunk": K, "error": "...", "maybeApplied": B}``: the request failed;
  B is true after an ambiguous failure (one that may have been applied);
- ``{"kind": "finished", "input": N, "at": "..."}``: every SKU of the job was answered.

On resume every SKU of a ``done`` chunk is skipped; a chunk ``sending`` without
``done`` (in flight when the run stopped, or failed) is sent again. Its SKUs
that the lost attempt did delete then come back as not deleted (no longer
found): :attr:`JournalState.in_flight` lets the job say which those may be.
A torn last line (the process died while writing it) is dropped: that record
never happened. A record is written whole or not at all: when a write fails
(disk full, I/O error) the partial record is cut off and :class:`JournalWriteError`
stops the job before its next request. Only one process may use a journal at a
time (an OS lock).
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import attrs

__all__ = [
    "Journal",
    "JournalError",
    "JournalState",
    "JournalWriteError",
    "Outcome",
    "chunk_outcomes",
    "outcomes",
    "resume_hint",
    "temporary_journal",
]

_VERSION = 1


class JournalError(ValueError):
    """The journal cannot be used: another job's, corrupt, unopenable, or locked by another
    process (found before any request)."""


class JournalWriteError(OSError):
    """A record could not be written whole (disk full, I/O error): the job stops before its
    next request; the journal holds every record before it and can be resumed."""


@attrs.define
class JournalState:
    """What a journal says so far.

    ``done``: SKUs of chunks answered with success; ``in_flight``: SKUs of chunks
    sent without a recorded answer; ``next_chunk``: the number for the next chunk;
    ``finished_at``: when the job was recorded finished (None while it is not).
    """

    done: set[str] = attrs.field(factory=set)
    in_flight: set[str] = attrs.field(factory=set)
    next_chunk: int = 0
    done_chunks: int = 0
    finished_at: str | None = None


class Journal:
    """An open journal (a context manager); see the module's docstring for the format."""

    def __init__(
        self,
        path: Path,
        *,
        operation: str,
        campaign_id: int,
        fsync: bool = True,
        items_key: str = "offerIds",
    ) -> None:
        self.path = path
        self.operation = operation
        self.campaign_id = campaign_id
        self.items_key = items_key
        """The key of a ``sending`` record's items (``offerIds``; a license job: ``licenses``)."""
        self._fsync = fsync
        self._file: IO[bytes] | None = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- opening --------------------------------------------------------------

    def open(self) -> JournalState:
        """Open (create) the journal, lock it, and read what it holds."""
        # Not "a": a torn tail must be cut off before appending.
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise JournalError(
                f"--journal {self.path}: cannot open it for writing ({error.strerror}); "
                "nothing was sent"
            ) from error
        self._file = os.fdopen(fd, "r+b", buffering=0)
        self._lock()
        state = self._read()
        if self._file.tell() == 0:
            self._write(
                {
                    "kind": "job",
                    "version": _VERSION,
                    "operation": self.operation,
                    "campaignId": self.campaign_id,
                }
            )
        return state

    def _lock(self) -> None:
        assert self._file is not None
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; one process per journal is on the user
            return
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            self.close()
            raise JournalError(
                f"journal {self.path} is in use by another ymarket process"
            ) from error

    def _records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """The records with their line numbers; truncates a torn last line."""
        assert self._file is not None
        self._file.seek(0)
        good_end = 0
        line_number = 0
        reader = os.fdopen(os.dup(self._file.fileno()), "rb")
        with reader:
            for raw in reader:
                line_number += 1
                complete = raw.endswith(b"\n")
                try:
                    record = json.loads(raw) if complete else None
                except ValueError:
                    record = None
                if not isinstance(record, dict):
                    if not complete or not reader.peek(1):
                        break  # the torn last line: dropped below
                    raise JournalError(f"{self.path}, line {line_number}: not a journal record")
                good_end += len(raw)
                yield line_number, record
        self._file.truncate(good_end)
        self._file.seek(good_end)

    def _read(self) -> JournalState:
        state = JournalState()
        pending: dict[int, list[str]] = {}
        for line_number, record in self._records():
            kind = record.get("kind")
            if line_number == 1:
                self._check_header(record)
                continue
            if kind == "finished":
                state.finished_at = str(record.get("at", ""))
                continue
            chunk = record.get("chunk")
            if not isinstance(chunk, int):
                raise JournalError(f"{self.path}, line {line_number}: record without a chunk")
            state.next_chunk = max(state.next_chunk, chunk + 1)
            if kind == "sending":
                pending[chunk] = list(record.get(self.items_key, ()))
            elif kind == "done":
                state.done.update(pending.pop(chunk, ()))
                state.done_chunks += 1
            elif kind == "failed" and record.get("maybeApplied") is False:
                pending.pop(chunk, None)  # refused or unsent: not applied, simply sent again
        for skus in pending.values():
            state.in_flight.update(skus)
        state.in_flight -= state.done
        return state

    def _check_header(self, record: dict[str, Any]) -> None:
        if record.get("kind") != "job" or record.get("version") != _VERSION:
            raise JournalError(f"{self.path} is not a ymarket journal (version {_VERSION})")
        if record.get("operation") != self.operation or record.get("campaignId") != (
            self.campaign_id
        ):
            raise JournalError(
                f"{self.path} is the journal of {record.get('operation')} on campaign "
                f"{record.get('campaignId')}, not of {self.operation} on campaign "
                f"{self.campaign_id}; give another --journal file"
            )

    # -- writing --------------------------------------------------------------

    def _write(self, record: dict[str, Any]) -> None:
        """Append ``record`` whole and fsync it, or cut it off and raise JournalWriteError."""
        assert self._file is not None
        data = memoryview(
            (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        )
        start = self._file.tell()
        try:
            while data:  # an unbuffered write may write part of the bytes
                written = self._file.write(data)
                if not written:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                data = data[written:]
            if self._fsync:
                os.fsync(self._file.fileno())
        except OSError as error:
            with contextlib.suppress(OSError):  # else the reader drops the torn last line
                self._file.truncate(start)
                self._file.seek(start)
            raise JournalWriteError(
                error.errno,
                f"cannot write the journal {self.path} ({error.strerror or error}); "
                "stopped before the next request",
            ) from error

    def sending(self, chunk: int, offer_ids: list[str]) -> None:
        """Record a chunk about to be sent (before its request)."""
        self._write({"kind": "sending", "chunk": chunk, self.items_key: offer_ids})

    def done(
        self,
        chunk: int,
        not_deleted: tuple[str, ...],
        attempts: int,
        resent: list[str] | None = None,
    ) -> None:
        """Record a chunk the API answered with success; ``resent``: its SKUs sent again
        after an interrupted run or an ambiguous failure."""
        record: dict[str, Any] = {
            "kind": "done",
            "chunk": chunk,
            "notDeleted": list(not_deleted),
            "attempts": attempts,
        }
        if resent:
            record["resent"] = resent
        self._write(record)

    def finished(self, input_count: int) -> None:
        """Record that every SKU of the job was answered (a later run sends nothing)."""
        at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self._write({"kind": "finished", "input": input_count, "at": at})

    def failed(self, chunk: int, error: str, *, ambiguous: bool) -> None:
        """Record a chunk whose request failed (it is sent again on resume).

        ``ambiguous``: the failure may have been applied (stored as ``maybeApplied``).
        """
        self._write({"kind": "failed", "chunk": chunk, "error": error, "maybeApplied": ambiguous})

    def close(self) -> None:
        """Close (and unlock) the journal."""
        if self._file is not None:
            self._file.close()
            self._file = None


@attrs.frozen
class Outcome:
    """A done chunk: its SKUs, those not deleted, and those resent (see ``Journal.done``)."""

    skus: list[str]
    not_deleted: list[str]
    resent: list[str]


def outcomes(path: Path) -> Iterator[tuple[list[str], list[str]]]:
    """(SKUs, SKUs not deleted) of every done chunk of a journal, in the order they finished."""
    return ((o.skus, o.not_deleted) for o in chunk_outcomes(path))


def chunk_outcomes(path: Path) -> Iterator[Outcome]:
    """Every done chunk of a journal, in the order they finished.

    Streams the file; used to write the not-deleted list and the totals.
    """
    pending: dict[int, list[str]] = {}
    with path.open("rb") as file:
        for raw in file:
            if not raw.endswith(b"\n"):
                break
            record = json.loads(raw)
            kind = record.get("kind")
            if kind == "sending":
                pending[record["chunk"]] = record["offerIds"]
            elif kind == "done":
                skus = pending.pop(record["chunk"], [])
                yield Outcome(skus, record["notDeleted"], record.get("resent", []))


def temporary_journal(job: str) -> Path:
    """A new, empty journal in the temporary folder, for a job run without ``--journal``."""
    handle, name = tempfile.mkstemp(prefix=f"ymarket-{job}-", suffix=".jsonl")
    os.close(handle)
    return Path(name)


def resume_hint(path: Path, *, temporary: bool) -> str:
    """The line that tells how to resume a stopped job from its journal ``path``."""
    if temporary:
        return f"ymarket: to resume, run it again with --journal {path}"
    return f"ymarket: to resume, run the same command again ({path})"
