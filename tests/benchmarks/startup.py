"""4. Start-up time and the memory of a 1,000,000-SKU job read from a file.

Wall time of fresh processes (median of N), using the project's interpreter directly
(``uv run`` would add its own start-up). Memory: peak RSS (``ru_maxrss`` of the child)
of ``ymarket offers delete --from-file`` with 1,000 and with 1,000,000 SKUs, the client
talking to an in-memory transport that accepts everything (so only the client's and
the command's own memory is measured), next to what the same file costs held as a
Python list.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks._common import REPO_ROOT, Section, verdict

IMPORT_TARGET = 0.150
HELP_TARGET = 0.300


def _start_env() -> dict[str, str]:
    """The environment with bytecode caching on, as on a user's machine: with
    PYTHONDONTWRITEBYTECODE set (some CI images set it) every module changed since its
    cache was written would be compiled again by every process measured."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _wall(command: list[str], runs: int) -> float:
    """Median wall seconds of ``command`` over ``runs`` fresh processes (after one warm-up,
    which writes the bytecode caches)."""
    env = _start_env()
    subprocess.run(command, check=True, capture_output=True, cwd=REPO_ROOT, env=env)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=REPO_ROOT, env=env)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _ymarket_script() -> str:
    script = Path(sys.executable).with_name("ymarket")
    if not script.exists():
        raise RuntimeError(f"{script} is missing: run `uv sync` first")
    return str(script)


# A child's peak RSS starts at its parent's RSS at fork time (Linux keeps the high-water
# mark across exec), so the command is started from a small trampoline process.
_TRAMPOLINE = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(f'maxrss={usage.ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def _peak_rss_mib(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of ``command`` run to its end."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _TRAMPOLINE, *command],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command} exited {result.returncode}: {result.stderr[-2000:]}")
    kib = int(result.stderr.strip().splitlines()[-1].removeprefix("maxrss="))
    return kib / 1024, wall


def _offers_job(skus: Path, journal: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.soak.cli_entry",
        "--api-key",
        "bench",
        "--base-url",
        "http://127.0.0.1:9",
        "offers",
        "delete",
        "--campaign-id",
        "1001",
        "--from-file",
        str(skus),
        "--journal",
        str(journal),
    ]


def run(section: Section, *, quick: bool = False) -> None:
    """Measure and add the rows of section 4."""
    runs = 7 if quick else 21
    python = sys.executable
    bare = _wall([python, "-c", "pass"], runs)
    lazy = _wall([python, "-c", "import ymarket"], runs)
    first_use = _wall([python, "-c", "from ymarket import Client"], runs)
    httpx_alone = _wall([python, "-c", "import httpx"], runs)
    help_time = _wall([_ymarket_script(), "--help"], runs)
    section.add("python -c pass (the interpreter alone)", f"{bare * 1000:.0f} ms")
    section.add(
        'python -c "import ymarket"',
        f"{lazy * 1000:.0f} ms",
        f"target {IMPORT_TARGET * 1000:.0f} ms",
        verdict(lazy <= IMPORT_TARGET),
    )
    section.add(
        'python -c "from ymarket import Client" (first use: httpx, jsonschema-rs, ...)',
        f"{first_use * 1000:.0f} ms",
        "what `import ymarket` cost before names were imported on first use",
    )
    section.add(
        'of which python -c "import httpx" (not ours)',
        f"{httpx_alone * 1000:.0f} ms",
        "httpx imports its own command line (click, rich, pygments) when they are installed",
    )
    section.add(
        "ymarket --help",
        f"{help_time * 1000:.0f} ms",
        f"target {HELP_TARGET * 1000:.0f} ms",
        verdict(help_time <= HELP_TARGET),
    )

    count = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "small.txt"
        big = Path(folder) / "big.txt"
        small.write_text("".join(f"SELLER-SKU-{n:09d}\n" for n in range(1000)))
        with big.open("w") as file:
            file.writelines(f"SELLER-SKU-{n:09d}\n" for n in range(count))
        size_mib = big.stat().st_size / 2**20
        fixed, _ = _peak_rss_mib(
            _offers_job(small, Path(folder) / "small.journal"), {"YMARKET_BENCH_ACCEPT_ALL": "1"}
        )
        peak, wall = _peak_rss_mib(
            _offers_job(big, Path(folder) / "big.journal"), {"YMARKET_BENCH_ACCEPT_ALL": "1"}
        )
        listed, _ = _peak_rss_mib(
            [python, "-c", f"import sys; lines = open({str(big)!r}).read().splitlines()"]
        )
        baseline, _ = _peak_rss_mib([python, "-c", "pass"])
    one_copy = listed - baseline
    grown = peak - fixed
    section.add(
        f"ymarket offers delete --from-file, {count:,} SKUs: peak RSS",
        f"{peak:.0f} MiB",
        f"1,000 SKUs: {fixed:.0f} MiB; growth {grown:.0f} MiB vs {one_copy:.0f} MiB for ONE "
        f"copy of the file as a Python list ({size_mib:.0f} MiB file); {wall:.1f} s",
        verdict(grown < 2 * one_copy),
    )
    section.note(
        f"Wall times: medians of {runs} fresh processes after a warm-up, "
        f"with {Path(python).name} from the project's virtualenv. The memory job runs the real "
        "command (check pass, then journaled chunks of 500) with the client's pacing off "
        "and an in-memory transport accepting every chunk (tests/soak/cli_entry.py)."
    )


if __name__ == "__main__":
    run(Section(4, "Start-up", "python -m tests.benchmarks --only 4"), quick=True)
