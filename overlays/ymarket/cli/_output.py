"""What the command prints: readable lines, one JSON document, progress on stderr.

Human lines go to stdout (nothing with ``--json``, whose single document is
printed at the end). Progress goes to stderr: a rich bar (items, rate, ETA)
when stderr is a terminal, plain lines at most every few seconds otherwise.
Every line is stripped of control characters (a SKU may contain a tab), so
output piped to a file or a log has none.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Output", "Progress", "clean"]

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` with control characters other than newlines shown as escapes."""
    return _CONTROL.sub(lambda m: "\\t" if m.group() == "\t" else f"\\x{ord(m.group()):02x}", text)


class Progress(Protocol):
    """Progress of a bulk job."""

    def advance(self, items: int, note: str = "") -> None:
        """``items`` more are done; ``note`` says what else to show."""

    def close(self) -> None:
        """The job ended (done or not)."""


class Output:
    """Where and how the command reports (``--json``: one document on stdout)."""

    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode

    def line(self, text: str = "") -> None:
        """A line of the human-readable report (stdout; nothing in JSON mode)."""
        if not self.json_mode:
            print(clean(text), flush=True)

    def note(self, text: str) -> None:
        """A line on stderr (warnings, hints; also in JSON mode)."""
        print(clean(text), file=sys.stderr, flush=True)

    def document(self, data: dict[str, Any]) -> None:
        """The JSON document of the command (JSON mode only)."""
        if self.json_mode:
            print(json.dumps(data, ensure_ascii=False, indent=2), flush=True)

    def progress(self, label: str, total: int, unit: str) -> Progress:
        """A progress display for ``total`` items on stderr."""
        if sys.stderr.isatty():
            return _rich_progress(label, total, unit)
        return PlainProgress(label, total, unit, self.note)


class PlainProgress:
    """Progress as plain lines: the first, then at most one every ``every`` seconds, the last."""

    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        emit: Callable[[str], None],
        *,
        every: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._emit = emit
        self._every = every
        self._clock = clock
        self._started = clock()
        self._last: float | None = None

    def advance(self, items: int, note: str = "") -> None:
        self.done += items
        now = self._clock()
        if self._last is not None and now - self._last < self._every and self.done < self.total:
            return
        self._last = now
        elapsed = now - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = f", ETA {_duration(left / rate)}" if rate > 0 and left > 0 else ""
        percent = 100 * self.done // self.total if self.total else 100
        self._emit(
            f"{self.label}: {self.done}/{self.total} {self.unit} ({percent}%), "
            f"{rate:,.0f} {self.unit}/s{eta}{f', {note}' if note else ''}"
        )

    def close(self) -> None:
        pass


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _rich_progress(label: str, total: int, unit: str) -> Progress:
    # rich is imported only when a bar is shown on a terminal.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"- {unit}/s")

    bar = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
        console=Console(stderr=True),
        transient=False,
    )
    bar.start()
    task = bar.add_task(label, total=total, note="")

    class RichBar:
        def advance(self, items: int, note: str = "") -> None:
            bar.update(task, advance=items, note=note)

        def close(self) -> None:
            bar.stop()

    return RichBar()
