"""The simulator's one notion of time: a clock that tells the time, sleeps and maybe advances.

Quotas, injected latency and the control API's ``clock/advance`` all go
through :class:`Clock`; :class:`FakeClock` is the one fake time of the
simulator (tests, ``ymarket demo``), :class:`SystemClock` the real one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

__all__ = ["Clock", "ClockCannotAdvance", "FakeClock", "SystemClock", "as_clock"]


class ClockCannotAdvance(Exception):
    """Raised by :meth:`Clock.advance` on a real clock."""


class Clock:
    """Seconds on some monotonic scale (``clock()``), a sleep on that scale, and ``advance``."""

    #: Whether :meth:`advance` can move this clock (a fake one).
    can_advance = False

    def __call__(self) -> float:
        raise NotImplementedError

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on this clock."""
        raise NotImplementedError

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``; a real clock raises ClockCannotAdvance."""
        raise ClockCannotAdvance(f"{type(self).__name__} is real time and cannot advance")


class SystemClock(Clock):
    """Real time: ``now`` (``time.monotonic`` by default) and a real sleep."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now

    def __call__(self) -> float:
        return self._now()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock(Clock):
    """A clock for tests: starts at ``start`` and moves only by :meth:`advance`.

    Pass it as ``Simulator(clock=...)``; injected latency then advances it
    instead of sleeping.
    """

    can_advance = True

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (not negative)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        with self._lock:
            self._now += seconds

    async def sleep(self, seconds: float) -> None:
        """Sleep on this clock: advance it, return at once."""
        self.advance(seconds)


def as_clock(clock: Clock | Callable[[], float] | None) -> Clock:
    """``clock`` itself when it is a :class:`Clock`; a plain callable tells real-time seconds."""
    if isinstance(clock, Clock):
        return clock
    return SystemClock() if clock is None else SystemClock(clock)
