"""Shared helpers of the benchmarks: timing, machine facts, clocks, servers on loopback."""

from __future__ import annotations

import contextlib
import itertools
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

REPO_ROOT = Path(__file__).resolve().parents[2]
# Downloads (peer generator, Prism) and generated files live outside the repository.
CACHE = Path(os.environ.get("YMARKET_BENCH_CACHE", Path.home() / ".cache" / "ymarket-bench"))


@attrs.define
class Row:
    """One figure of a section: what, the value, and the peer or target it is compared with."""

    what: str
    value: str
    versus: str = ""
    verdict: str = ""


@attrs.define
class Section:
    """One numbered section of BENCHMARKS.md."""

    number: int
    title: str
    command: str
    rows: list[Row] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    seconds: float = 0.0

    def add(self, what: str, value: str, versus: str = "", verdict: str = "") -> None:
        """Add a row and print it at once (benchmarks take a while)."""
        self.rows.append(Row(what, value, versus, verdict))
        print(f"  {what}: {value}  {versus}  {verdict}".rstrip(), flush=True)

    def note(self, text: str) -> None:
        """Add a note under the table."""
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


def verdict(ok: bool) -> str:
    """The verdict column."""
    return "met" if ok else "MISSED"


def interleaved(
    variants: dict[str, Callable[[], object]], *, calls: int, rounds: int, warmup: int = 20
) -> dict[str, float]:
    """Median seconds per call of each variant, rounds interleaved so drift hits all alike."""
    for fn in variants.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            started = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter() - started) / calls)
    return {name: statistics.median(values) for name, values in samples.items()}


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a table."""
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def machine() -> dict[str, str]:
    """nproc, CPU model, memory, Python and OS: the header of BENCHMARKS.md."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": model,
        "memory": memory,
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OS": f"{platform.system()} {platform.release()}",
    }


class JumpClock:
    """A clock that moves a whole quota window per reading: server quotas never bind.

    Used where limits are to be "off" on a simulator that always enforces them.
    """

    def __init__(self, step: float = 3601.0) -> None:
        self._counter = itertools.count(0.0, step)

    def __call__(self) -> float:
        return float(next(self._counter))


class ScaledClock:
    """Real time sped up ``scale`` times, with a matching sleep (quota windows in seconds)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self._origin = time.monotonic()

    def __call__(self) -> float:
        return (time.monotonic() - self._origin) * self.scale

    def sleep_sync(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock (a sync client's ``sleep``)."""
        time.sleep(seconds / self.scale)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of this clock in a task (the simulator's and AsyncClient's)."""
        import asyncio

        await asyncio.sleep(seconds / self.scale)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    """Wait until something listens on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@contextlib.contextmanager
def serve_subprocess(
    *args: str, port: int, env: dict[str, str] | None = None, timeout: float = 120.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``python -m tests.benchmarks._serve`` (or any command) until the block ends."""
    process = subprocess.Popen(
        list(args),
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            wait_for_port(port, timeout)
        except TimeoutError:
            process.kill()
            _, err = process.communicate(timeout=10)
            raise RuntimeError(f"server did not start: {err.decode(errors='replace')}") from None
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def simulator_command(port: int, offers: int, clock: str = "jump") -> list[str]:
    """The command serving a simulator with ``offers`` SKUs in campaign 1001 on loopback."""
    return [
        sys.executable,
        "-m",
        "tests.benchmarks._serve",
        "--port",
        str(port),
        "--offers",
        str(offers),
        "--clock",
        clock,
    ]
