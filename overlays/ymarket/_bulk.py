"""Splitting bulk input into chunks of the spec's maxItems, and turning inputs into JSON.

A list (any Sequence) is converted and checked whole before the first request,
so a bad item anywhere refuses the call with nothing sent. Any other iterable
is streamed: read one chunk at a time, each chunk checked before it is sent
(uniqueness across chunks included), so a million SKUs are never held twice.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ymarket._dates import TzLike, license_datetime, zone_for
from ymarket.errors import YMarketError
from ymarket.results import BulkProgress, ChunkResult
from ymarket.spec import operation
from ymarket.validation import Problem, _json_path

__all__ = ["BulkRun", "ChunkReader", "to_json"]


def to_json(
    value: Any,
    path: tuple[str | int, ...],
    problems: list[Problem],
    *,
    zone: datetime.tzinfo | None = None,
) -> Any:
    """``value`` (a generated model, mapping, list, date, enum, ...) as JSON-ready data.

    A ``datetime.date`` becomes local midnight in ``zone`` with its offset (license
    dates); without a zone it is a problem. A naive datetime gets ``zone``.
    """
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, Mapping):
        value = to_dict()
    if isinstance(value, Mapping):
        return {str(k): to_json(v, (*path, str(k)), problems, zone=zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v, (*path, i), problems, zone=zone) for i, v in enumerate(value)]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None and zone is not None:
            value = value.replace(tzinfo=zone)
        return value.isoformat()
    if isinstance(value, datetime.date):
        if zone is None:
            problems.append(
                Problem(
                    "body",
                    _json_path(path),
                    "date-zone",
                    f"{value.isoformat()} is a date: pass tz= (the point of sale's UTC offset "
                    "or zone) to send it as local midnight with offset",
                )
            )
            return value.isoformat()
        return license_datetime(value, zone).isoformat()
    return value


def license_to_json(
    item: Any,
    index: int,
    problems: list[Problem],
    tz: TzLike | Mapping[int, TzLike] | None,
) -> Any:
    """One license (model or mapping) as JSON, dates turned into local midnight."""
    outlet = item.get("outletId") if isinstance(item, Mapping) else getattr(item, "outlet_id", None)
    try:
        zone = zone_for(tz, outlet)
    except ValueError as exc:
        problems.append(Problem("body", _json_path(("licenses", index)), "tz", str(exc)))
        zone = None
    return to_json(item, ("licenses", index), problems, zone=zone)


class ChunkReader:
    """Reads an iterable in chunks of ``size``, remembering where it stopped."""

    def __init__(self, items: Iterable[Any], size: int) -> None:
        self.size = size
        self.exhausted = False
        self._items = items
        self._iterator = iter(items)
        self.position = 0

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        if isinstance(self._items, list):
            # A list is sliced (C speed) instead of being read item by item.
            items = self._items
            while self.position < len(items):
                start = self.position
                piece = items[start : start + self.size]
                self.position += len(piece)
                yield start, piece
            self.exhausted = True
            return
        while not self.exhausted:
            chunk: list[Any] = []
            for item in self._iterator:
                chunk.append(item)
                if len(chunk) == self.size:
                    break
            else:
                self.exhausted = True
            if chunk:
                start = self.position
                self.position += len(chunk)
                yield start, chunk


class BulkRun:
    """Bookkeeping of one bulk call: chunks done, and the progress to attach on failure."""

    def __init__(
        self, operation_id: str, items: Iterable[Any], *, prevalidated: bool = False
    ) -> None:
        self.operation_id = operation_id
        self.prevalidated = prevalidated
        op = operation(operation_id)
        size = op.bulk_max_items
        if size is None:
            raise ValueError(f"{operation_id} has no bulk field with maxItems in the spec")
        self.chunk_size = size
        field_schema = op.bulk_field_schema or {}
        self.unique = bool(field_schema.get("uniqueItems"))
        self.sequence: Sequence[Any] | None = (
            items if isinstance(items, Sequence) and not isinstance(items, str | bytes) else None
        )
        self.reader = ChunkReader(items, size)
        self.chunks: list[ChunkResult] = []
        self._seen: set[Any] = set()

    def check_streamed_uniqueness(self, start: int, chunk: Sequence[Any]) -> list[Problem]:
        """Items of a streamed chunk that already appeared in an earlier chunk."""
        if not self.unique or self.prevalidated:
            return []
        problems = []
        field = operation(self.operation_id).bulk_field or "items"
        for offset, item in enumerate(chunk):
            # The item itself (no copy) when it is a str or int, as SKUs and ids are.
            key = item if isinstance(item, str | int) else repr(item)
            if key in self._seen:
                problems.append(
                    Problem(
                        "body",
                        _json_path((field, start + offset)),
                        "uniqueItems",
                        f"{item!r:.60} already appeared earlier in the input",
                    )
                )
            self._seen.add(key)
        return problems

    def done(self, result: ChunkResult, on_chunk: Callable[[ChunkResult], object] | None) -> None:
        """Record a chunk the server accepted and report it."""
        self.chunks.append(result)
        if on_chunk is not None:
            on_chunk(result)

    def progress(self, start: int, failed: Sequence[Any]) -> BulkProgress:
        """Where the run stopped, the chunk starting at ``start`` having failed."""
        done = tuple(item for chunk in self.chunks for item in chunk.items)
        end = start + len(failed)
        not_attempted = tuple(self.sequence[end:]) if self.sequence is not None else ()
        return BulkProgress(
            operation_id=self.operation_id,
            done=done,
            failed=tuple(failed),
            not_attempted=not_attempted,
            chunks=tuple(self.chunks),
            input_exhausted=self.sequence is not None or self.reader.exhausted,
        )

    def attach(self, error: BaseException, start: int, failed: Sequence[Any]) -> None:
        """Attach the progress to ``error`` as ``.progress`` (ymarket errors print it too)."""
        progress = self.progress(start, failed)
        error.progress = progress  # type: ignore[attr-defined]
        if not isinstance(error, YMarketError):
            error.add_note(str(progress))
