"""``uv run python -m tests.benchmarks``: run every benchmark and update BENCHMARKS.md.

Options: ``--only 1,3`` runs some sections (printed, BENCHMARKS.md left alone);
``--quick`` runs smaller, shorter versions (printed only). Each section is bounded
(the whole run takes about 5 minutes on 2 cores) and talks to 127.0.0.1 only.
Needs Java (the peer generator), Node.js/npm (Prism) and wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks import bulk, overhead, shared_pacing, simulator_load, soak, startup
from tests.benchmarks._common import REPO_ROOT, Section, machine

COMMAND = "uv run python -m tests.benchmarks"
START = "<!-- results:start (written by `uv run python -m tests.benchmarks`) -->"
END = "<!-- results:end -->"

SECTIONS: list[tuple[int, str, Callable[..., None]]] = [
    (1, "Client overhead (deleteCampaignOffers, 500 SKUs, httpx.MockTransport)", overhead.run),
    (2, "Bulk against the quota (100,000 SKUs, simulator)", bulk.run),
    (3, "Simulator vs Prism (wrk on loopback)", simulator_load.run),
    (4, "Start-up and memory", startup.run),
    (5, "Soak with faults (through the ymarket command)", soak.run),
    (6, "Processes sharing one quota through Redis (RateLimiter.from_url)", shared_pacing.run),
]


def render(sections: list[Section], started: datetime.datetime, seconds: float) -> str:
    """The results block of BENCHMARKS.md."""
    lines = [
        START,
        "",
        f"Run: `{COMMAND}` on {started:%Y-%m-%d %H:%M} UTC, {seconds / 60:.1f} min in all.",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in machine().items()),
        "",
    ]
    for section in sections:
        lines += [
            f"### {section.number}. {section.title}",
            "",
            f"`{COMMAND} --only {section.number}` ({section.seconds:.0f} s)",
            "",
            "| measured | value | peer / target | |",
            "| --- | --- | --- | --- |",
        ]
        for row in section.rows:
            cells = [row.what, row.value, row.versus, row.verdict]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
        lines += [f"- {note}" for note in section.notes]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write(path: Path, block: str) -> None:
    """Replace the results block of ``path`` (hand-written text around it stays)."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(head + block + tail, encoding="utf-8")


def main() -> None:
    """Parse the options, run the sections, print and (full runs) write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--only", help="comma-separated section numbers (1-6)")
    parser.add_argument("--quick", action="store_true", help="smaller, shorter runs")
    args = parser.parse_args()
    chosen = {int(n) for n in args.only.split(",")} if args.only else None
    started = datetime.datetime.now(datetime.UTC)
    began = time.perf_counter()
    done: list[Section] = []
    for number, title, run in SECTIONS:
        if chosen is not None and number not in chosen:
            continue
        section = Section(number, title, f"{COMMAND} --only {number}")
        print(f"\n{number}. {title}", flush=True)
        section_started = time.perf_counter()
        run(section, quick=args.quick)
        section.seconds = time.perf_counter() - section_started
        done.append(section)
    block = render(done, started, time.perf_counter() - began)
    if chosen is None and not args.quick:
        write(REPO_ROOT / "BENCHMARKS.md", block)
        print(f"\nwrote {REPO_ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
