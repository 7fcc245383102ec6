"""Honest progress (issue 13 item 4): rate and ETA include waits, a wait is shown while it
lasts, and log lines share the bar's console."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from rich.console import Console
from ymarket.cli._output import Output, PlainProgress, _rich_progress, rate_and_eta
from ymarket.cli._session import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_and_eta_count_from_the_start() -> None:
    assert rate_and_eta(500, 1000, 10.0) == (50.0, 10.0)
    assert rate_and_eta(1000, 1000, 10.0) == (100.0, None)
    assert rate_and_eta(0, 1000, 0.0) == (0.0, None)


def test_plain_progress_includes_a_quota_wait_in_rate_and_eta() -> None:
    lines: list[str] = []
    clock = FakeClock()
    progress = PlainProgress("offers delete", 1500, "SKUs", lines.append, clock=clock)
    clock.now = 0.1
    progress.advance(500)
    progress.waiting(59.5)
    clock.now = 60.0
    progress.advance(500)
    assert lines[1] == "offers delete: waiting for quota or a retry, 1m00s"
    # 1,000 SKUs in 60 s, not the 5,000/s of the bursts between the waits.
    assert lines[2] == "offers delete: 1000/1500 SKUs (66%), 17 SKUs/s, ETA 30s"


def test_the_bar_shows_a_wait_and_the_rate_over_the_whole_job() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=150, color_system=None)
    bar = _rich_progress("offers delete", 1000, "SKUs", console)
    bar.advance(500)
    bar.waiting(42)
    bar.close()
    assert "waiting for quota or a retry, 42s" in screen.getvalue()
    assert "ETA" in screen.getvalue()


def test_the_clients_sleep_is_shown_by_the_current_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    waits: list[float] = []

    class Recorder(PlainProgress):
        def waiting(self, seconds: float) -> None:
            waits.append(seconds)

    settings.output.current = Recorder("x", 1, "SKUs", print)
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    settings._sleep(12.0)
    settings._sleep(0.2)  # pacing between chunks: not shown
    assert slept == [12.0, 0.2]
    assert waits == [12.0, 0, 0, 0]


def test_log_lines_on_a_terminal_share_the_bars_console(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.logging import RichHandler

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    settings = Settings(verbose=1)
    log = logging.getLogger("ymarket")
    before = list(log.handlers)
    settings.setup_logging()
    try:
        (added,) = [h for h in log.handlers if h not in before]
        target = getattr(added, "target", added)  # rich is imported at the first line only
        assert isinstance(target, RichHandler)
        assert target.console is settings.output.console()
    finally:
        for handler in [h for h in log.handlers if h not in before]:
            log.removeHandler(handler)
        log.setLevel(logging.NOTSET)


def test_one_output_per_command() -> None:
    settings = Settings()
    assert settings.output is settings.output
    assert isinstance(settings.output, Output)
