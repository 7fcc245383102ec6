"""SKUs from the command line, a file or stdin: read lazily, checked whole before sending.

A file is read twice, line by line: once to check every SKU against the spec
(with line numbers) and to find repeats, then again to send. Standard input
is copied to a temporary file on the first pass, so it is never held in memory.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["InputError", "SkuSource", "check_skus"]

_SHOWN_PROBLEMS = 20


class InputError(ValueError):
    """The input cannot be sent as it is (every problem listed; nothing was sent)."""


class SkuSource:
    """SKUs given as arguments, in a file (one per line) or on stdin (``-``).

    Lines end with LF or CRLF; empty lines are skipped; nothing else is stripped
    (a SKU may contain spaces). The file is UTF-8 (a BOM is allowed).
    """

    def __init__(self, arguments: tuple[str, ...], from_file: str | None) -> None:
        self._arguments = arguments
        self._path: Path | None = None
        self._spool: Path | None = None
        self.name = "arguments"
        if from_file == "-":
            self.name = "stdin"
            with tempfile.NamedTemporaryFile(
                prefix="ymarket-stdin-", suffix=".txt", delete=False
            ) as spool:
                shutil.copyfileobj(sys.stdin.buffer, spool)
            self._spool = self._path = Path(spool.name)
        elif from_file is not None:
            self._path = Path(from_file)
            self.name = from_file
            if not self._path.is_file():
                raise InputError(f"{from_file}: no such file")

    def where(self, number: int) -> str:
        """How to name the place of the ``number``-th line or argument in messages."""
        if self._path is None:
            return f"argument {number}"
        return f"{'stdin ' if self._spool else ''}line {number}"

    def __iter__(self) -> Iterator[tuple[int, str]]:
        """(line or argument number, SKU), lazily."""
        if self._path is None:
            for number, sku in enumerate(self._arguments, start=1):
                try:
                    sku.encode("utf-8")
                except UnicodeEncodeError as error:  # bytes of the command line not UTF-8
                    raise InputError(
                        f"argument {number}: not UTF-8 (undecodable byte at character "
                        f"{error.start}); nothing was sent"
                    ) from error
                yield number, sku
            return
        try:
            file = self._path.open("rb")
        except OSError as error:
            raise InputError(f"{self.name}: cannot read it ({error.strerror})") from error
        with file:
            for number, raw in enumerate(file, start=1):
                line = raw[3:] if number == 1 and raw.startswith(b"\xef\xbb\xbf") else raw
                line = line.removesuffix(b"\n").removesuffix(b"\r")
                if not line:
                    continue
                try:
                    yield number, line.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise InputError(
                        f"{self.name}, {self.where(number)}: not UTF-8 ({error.reason} at byte "
                        f"{error.start}); nothing was sent"
                    ) from error

    def close(self) -> None:
        """Remove the copy of stdin, if any."""
        if self._spool is not None:
            self._spool.unlink(missing_ok=True)
            self._spool = None


def check_skus(source: SkuSource, campaign_id: int) -> int:
    """Check every SKU against the spec and find repeats; return how many there are.

    Raises :class:`InputError` listing the problems by line (nothing is sent).
    """
    from ymarket.spec import operation
    from ymarket.validation import check_request

    op = operation("deleteCampaignOffers")
    field, size = op.chunking()
    index_in_field = re.compile(rf"^\$\.{re.escape(field)}\[(\d+)\]")
    problems: list[tuple[int, str]] = []  # (line, text): shown in line order
    problem_count = 0
    seen: set[str] = set()
    repeated: list[tuple[int, str]] = []
    total = 0

    def check(chunk: list[tuple[int, str]]) -> None:
        nonlocal problem_count
        result = check_request(
            op.operation_id,
            path_params={"campaignId": campaign_id},
            body={field: [sku for _, sku in chunk]},
        )
        for problem in result.errors:
            if problem.rule == "uniqueItems":  # repeats are found across the whole input below
                continue
            problem_count += 1
            if len(problems) >= _SHOWN_PROBLEMS:
                continue
            found = index_in_field.match(problem.path)
            if problem.location == "path":
                problems.append((0, f"--campaign-id: {problem.rule}: {problem.message}"))
            elif found:
                number, _ = chunk[int(found.group(1))]
                text = f"{source.where(number)}: {problem.rule}: {_short(problem.message)}"
                problems.append((number, text))
            else:
                problems.append((chunk[0][0], str(problem)))

    chunk: list[tuple[int, str]] = []
    for number, sku in source:
        total += 1
        if sku in seen:
            repeated.append((number, sku))
        else:
            seen.add(sku)
        chunk.append((number, sku))
        if len(chunk) == size:
            check(chunk)
            chunk = []
    if chunk:
        check(chunk)
    del seen  # the second pass holds its own set
    if repeated:
        problem_count += len(repeated)
        first = _first_lines(source, {sku for _, sku in repeated[:_SHOWN_PROBLEMS]})
        for number, sku in repeated[: max(0, _SHOWN_PROBLEMS - len(problems))]:
            problems.append(
                (
                    number,
                    f"{source.where(number)}: uniqueItems: {sku!r:.80} repeats "
                    f"{source.where(first[sku])}",
                )
            )
    if total == 0:
        raise InputError(f"{source.name}: no SKUs given; nothing was sent")
    if problem_count:
        more = problem_count - len(problems)
        raise InputError(
            f"{problem_count} problem(s) in {source.name}, nothing was sent:\n"
            + "\n".join(f"  {text}" for _, text in sorted(problems))
            + (f"\n  ... and {more} more" if more > 0 else "")
        )
    return total


_LONG_QUOTED = re.compile(r'"((?:[^"\\]|\\.){60})(?:[^"\\]|\\.)+"')


def _short(message: str) -> str:
    """The message with long quoted values (a 256-character SKU) cut to 60 characters."""
    return _LONG_QUOTED.sub(lambda m: f'"{m.group(1)}..."', message)


def _first_lines(source: SkuSource, skus: set[str]) -> dict[str, int]:
    first: dict[str, int] = {}
    for number, sku in source:
        if sku in skus and sku not in first:
            first[sku] = number
            if len(first) == len(skus):
                break
    return first
