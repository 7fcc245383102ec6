"""What the command prints: readable lines, one JSON document, progress on stderr.

Human lines go to stdout (nothing with ``--json``, whose single document is
printed at the end). Progress goes to stderr: a rich bar (items, rate, ETA)
when stderr is a terminal, plain lines at most every few seconds otherwise.
Rate and ETA count from the start of the job, so time spent waiting (for the
quota or before a retry) is in them; a wait of a second or more is shown as
"waiting N s" while it lasts. Log lines (``-v``) share the bar's console, so
they are printed above the bar, not over it.
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

__all__ = ["Output", "PlainProgress", "Progress", "clean", "rate_and_eta"]

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

    def waiting(self, seconds: float) -> None:
        """The job waits ``seconds`` (for the quota or before a retry); 0: it goes on."""


def rate_and_eta(done: int, total: int, elapsed: float) -> tuple[float, float | None]:
    """Items per second since the start (waits included) and the seconds left at that rate."""
    rate = done / elapsed if elapsed > 0 else 0.0
    left = total - done
    return rate, (left / rate if rate > 0 and left > 0 else None)


_SHOWN_WAIT = 1.0
"""Waits shorter than this (pacing between chunks) are not shown."""


class Output:
    """Where and how the command reports (``--json``: one document on stdout)."""

    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.current: Progress | None = None
        """The progress display shown now, told about waits (see :meth:`waiting`)."""
        self._console: Any = None

    def console(self) -> Any:
        """The rich console on stderr that the bar and the log lines share (a terminal only)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True)
        return self._console

    def waiting(self, seconds: float) -> None:
        """The client is about to wait ``seconds`` (0: done waiting): show it."""
        if self.current is not None:
            self.current.waiting(seconds if seconds >= _SHOWN_WAIT or seconds == 0 else 0)

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
        shown: Progress
        if sys.stderr.isatty():
            shown = _rich_progress(label, total, unit, self.console())
        else:
            shown = PlainProgress(label, total, unit, self.note)
        self.current = shown
        return shown


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
        rate, left = rate_and_eta(self.done, self.total, now - self._started)
        eta = f", ETA {_duration(left)}" if left is not None else ""
        percent = 100 * self.done // self.total if self.total else 100
        self._emit(
            f"{self.label}: {self.done}/{self.total} {self.unit} ({percent}%), "
            f"{rate:,.0f} {self.unit}/s{eta}{f', {note}' if note else ''}"
        )

    def close(self) -> None:
        pass

    def waiting(self, seconds: float) -> None:
        if seconds > 0:
            self._emit(f"{self.label}: waiting for quota or a retry, {_duration(seconds)}")


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _rich_progress(label: str, total: int, unit: str, console: Any) -> Progress:
    # rich is imported only when a bar is shown on a terminal.
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class RateAndEtaColumn(ProgressColumn):
        """Rate and ETA since the start, waits included (rich's own speed column uses a
        recent window, which reads as a burst's rate while the job waits for its quota)."""

        def render(self, task: Any) -> Text:
            rate, left = rate_and_eta(int(task.completed), int(task.total or 0), task.elapsed or 0)
            shown = f"{rate:,.0f} {unit}/s" if rate else f"- {unit}/s"
            return Text(f"{shown} ETA {_duration(left) if left is not None else '-'}")

    bar = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateAndEtaColumn(),
        TextColumn("{task.fields[note]}"),
        console=console,
        transient=False,
    )
    bar.start()
    task = bar.add_task(label, total=total, note="")
    notes = {"last": ""}

    class RichBar:
        def advance(self, items: int, note: str = "") -> None:
            notes["last"] = note
            bar.update(task, advance=items, note=note)

        def close(self) -> None:
            bar.stop()

        def waiting(self, seconds: float) -> None:
            shown = f"waiting for quota or a retry, {_duration(seconds)}" if seconds else ""
            bar.update(task, note=shown or notes["last"])

    return RichBar()
