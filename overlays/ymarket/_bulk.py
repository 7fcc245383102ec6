"""Bulk calls without their I/O: chunks of the spec's maxItems, checks, bookkeeping.

A list (any Sequence) is converted and checked whole before the first request,
so a bad item anywhere refuses the call with nothing sent. Any other iterable
is streamed: read one chunk at a time, each chunk checked before it is sent
(uniqueness across chunks included), so a million SKUs are never held twice.
The clients only send each :meth:`BulkRun.chunk_call` and record its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from ymarket._convert import check, plain, refuse_non_sequence
from ymarket._operations import BulkBinding, Call, Sent, bulk_field_facts
from ymarket._retry import is_ambiguous
from ymarket.errors import YMarketError
from ymarket.results import BulkProgress, ChunkResult
from ymarket.validation import Problem, ValidationError, _json_path

__all__ = ["BulkRun", "ChunkReader"]

R = TypeVar("R")


class ChunkReader:
    """Reads an iterable in chunks of ``size``, remembering where it stopped."""

    def __init__(self, items: Iterable[Any], size: int) -> None:
        self.size = size
        self.exhausted = False
        self._items = items
        self._iterator = iter(items)
        self.position = 0
        self.pending: list[Any] = []

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        if isinstance(self._items, list):
            # A list is sliced (C speed) instead of being read item by item; one that
            # is a single chunk is that chunk (the caller's list is never given here).
            items = self._items
            if self.position == 0 and 0 < len(items) <= self.size:
                self.position = len(items)
                yield 0, items
            while self.position < len(items):
                start = self.position
                piece = items[start : start + self.size]
                self.position += len(piece)
                yield start, piece
            self.exhausted = True
            return
        while not self.exhausted:
            # Items read into the next chunk stay in ``pending`` until it is
            # yielded: an iterator that raises mid-chunk loses none of them.
            for item in self._iterator:
                self.pending.append(item)
                if len(self.pending) == self.size:
                    break
            else:
                self.exhausted = True
            if self.pending:
                chunk, self.pending = self.pending, []
                start = self.position
                self.position += len(chunk)
                yield start, chunk

    @property
    def read(self) -> int:
        """How many items were taken from the input so far."""
        return self.position + len(self.pending)


class BulkRun(Generic[R]):
    """One bulk call without its I/O: the input in checked chunks, and the chunks done."""

    def __init__(
        self, binding: BulkBinding[R], campaign_id: int, items: Iterable[Any], **options: Any
    ) -> None:
        self.binding = binding
        self.operation_id = binding.operation_id
        self.campaign_id = campaign_id
        self.convert = binding.converter(**options)
        (self.chunk_size, self.unique, self.transform, self.transform_all, self.in_query) = (
            bulk_field_facts(self.operation_id)
        )
        if type(items) is not list:  # a list is a sequence: no ABC checks on the hot path
            refuse_non_sequence(
                self.operation_id, binding.parameter, "query" if self.in_query else "body", items
            )
        self.chunks: list[ChunkResult] = []
        self._seen: set[Any] = set()
        self.sequence: Sequence[Any] | None = None
        self.prevalidated = False
        # The JSON body of the first chunk when the check's encoding already is it.
        self._first_body: bytes | None = None
        if type(items) is list or (
            isinstance(items, Sequence) and not isinstance(items, str | bytes)
        ):
            self.sequence = items = self._checked_whole(items)
            self.prevalidated = True
        self.reader = ChunkReader(items, self.chunk_size)

    def _checked_whole(self, sequence: Sequence[Any]) -> list[Any]:
        """A sequence converted and checked whole, before its first request."""
        problems: list[Problem] = []
        # SKUs and ids need no conversion: one C-level copy instead of a call per item
        # (none when the transform makes the list that is kept; this one is only checked).
        if self.convert is not plain:
            values = [self.convert(item, i, problems) for i, item in enumerate(sequence)]
        elif self.transform_all is not None and type(sequence) is list:
            values = sequence
        else:
            values = list(sequence)
        transformed = self._transformed(values)
        problems.extend(self._transformed_duplicates(values, transformed))
        encoded = self._check(values, bulk=True, extra=problems)
        if len(values) <= self.chunk_size and transformed == values:
            # One chunk sent as checked (no item changed by the transform): the check's
            # encoding is the body to send (equal lists of the same objects compare at C speed).
            self._first_body = encoded
        return transformed

    def _transformed_duplicates(
        self, values: Sequence[Any], transformed: Sequence[Any]
    ) -> list[Problem]:
        """Values that differ from an earlier one but are the same once transformed (trimmed).

        Identical repeats are the schema's ``uniqueItems`` problems already.
        """
        if self.transform is None or not self.unique or transformed == values:
            return []  # nothing changed (equal lists of the same objects compare at C speed)
        try:
            if len(set(transformed)) == len(set(values)):
                return []  # the transform made no new repeat (the common case, at C speed)
        except TypeError:  # unhashable values: the schema refuses them anyway
            return []
        first: dict[Any, Any] = {}
        problems = []
        for index, (value, key) in enumerate(zip(values, transformed, strict=True)):
            earlier = first.setdefault(key, value)
            if earlier is not value and earlier != value:
                problems.append(
                    Problem(
                        "body",
                        _json_path((self.binding.chunked_field, index)),
                        "uniqueItems",
                        f"{value!r:.60} is {earlier!r:.60} once trimmed, which appeared earlier",
                    )
                )
        return problems

    def _transformed(self, values: list[Any]) -> list[Any]:
        """The values as the server reads them (trimmed SKUs)."""
        return values if self.transform_all is None else self.transform_all(values)

    def _check(self, values: list[Any], *, bulk: bool, extra: Sequence[Problem]) -> bytes | None:
        """Check a request whose chunked field (query parameter or body property) holds values.

        Returns the body's JSON bytes (None for a query parameter).
        """
        field = self.binding.chunked_field
        in_query = self.in_query
        return check(
            self.operation_id,
            path_params={"campaignId": self.campaign_id},
            query_params={field: values} if in_query else None,
            body=None if in_query else {field: values},
            bulk=bulk,
            extra=extra,
        )

    def chunk_call(self, start: int, chunk: list[Any]) -> Call:
        """The call of a chunk, converted and checked when it was streamed."""
        values = chunk
        encoded = None
        if self.prevalidated:
            encoded, self._first_body = (self._first_body if start == 0 else None), None
        else:
            problems: list[Problem] = []
            values = [self.convert(item, start + i, problems) for i, item in enumerate(chunk)]
            problems.extend(self.check_streamed_uniqueness(start, values))
            try:
                encoded = self._check(values, bulk=False, extra=problems)
            except ValidationError as exc:
                exc.add_note(f"in the chunk starting at input position {start}")
                raise
            transformed = self._transformed(values)
            if transformed != values:
                encoded = None  # the checked encoding is not what is sent
            values = transformed
        try:
            return self.binding.chunk_call(self.campaign_id, values, encoded)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # A value the generated model cannot take.
            raise ValidationError(
                self.operation_id, [Problem("body", "$", "model", f"{type(exc).__name__}: {exc}")]
            ) from exc

    def chunk_result(self, start: int, call: Call, sent: Sent) -> ChunkResult:
        """The result of a chunk the server accepted."""
        return ChunkResult(
            self.operation_id,
            len(self.chunks),
            start,
            tuple(call.body[self.binding.chunked_field]),
            self.binding.chunk_holds(call, sent),
            sent.response.status_code,
            sent.attempts,
            sent.after_ambiguous,
        )

    def result(self) -> R:
        """The method's result from the chunks done."""
        return self.binding.result(tuple(self.chunks))

    def check_streamed_uniqueness(self, start: int, chunk: Sequence[Any]) -> list[Problem]:
        """Items of a streamed chunk that already appeared in an earlier chunk."""
        if not self.unique or self.prevalidated:
            return []
        problems = []
        field = self.binding.chunked_field
        for offset, item in enumerate(chunk):
            # The item itself (no copy) when it is a str or int, as SKUs and ids are;
            # SKUs as the server reads them (trimmed).
            if self.transform is not None:
                item = self.transform(item)
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

    def progress(
        self, start: int, failed: Sequence[Any], *, sent: bool = True, uncertain: bool = False
    ) -> BulkProgress:
        """Where the run stopped, the chunk starting at ``start`` having failed.

        ``sent``: whether that chunk's request was under way (else it counts as
        not attempted); ``uncertain``: whether it may have been applied.
        """
        done = tuple(item for chunk in self.chunks for item in chunk.items)
        end = start + len(failed)
        rest = (
            tuple(self.sequence[end:]) if self.sequence is not None else tuple(self.reader.pending)
        )
        in_flight = tuple(failed) if sent else ()
        return BulkProgress(
            operation_id=self.operation_id,
            done=done,
            failed=in_flight,
            not_attempted=rest if sent else tuple(failed) + rest,
            chunks=tuple(self.chunks),
            input_exhausted=self.sequence is not None or self.reader.exhausted,
            uncertain=in_flight if uncertain else (),
            read=len(self.sequence) if self.sequence is not None else self.reader.read,
        )

    def attach(
        self, error: BaseException, start: int, failed: Sequence[Any], *, sent: bool = True
    ) -> None:
        """Attach the progress to ``error`` as ``.progress`` (ymarket errors print it too).

        Any exception gets it, its type unchanged (``KeyboardInterrupt`` and
        ``CancelledError`` included); those that are not ymarket errors get it as
        a note too. The chunk under way is uncertain after an ambiguous failure or
        an interruption (anything but a ymarket or validation error).
        """
        uncertain = sent and (
            is_ambiguous(error) or not isinstance(error, YMarketError | ValidationError)
        )
        progress = self.progress(start, failed, sent=sent, uncertain=uncertain)
        error.progress = progress  # type: ignore[attr-defined]
        if not isinstance(error, YMarketError):
            error.add_note(str(progress))
