"""3. Simulator: requests per second and p50/p99 latency per operation under wrk, vs Prism.

Both servers serve the same spec/openapi.yaml on 127.0.0.1, one process each (uvicorn
for the simulator, node for Prism), loaded by wrk (C, one thread, 16 connections) for a
fixed time. The simulator is stateful and validates every request; its clock jumps a
quota window per reading so its rate limits do not turn the load into 420s. Prism
(``@stoplight/prism-cli`` from npm) is installed into the benchmark cache on first use.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import attrs

from tests.benchmarks._common import (
    CACHE,
    REPO_ROOT,
    Section,
    free_port,
    serve_subprocess,
    simulator_command,
    verdict,
)
from tests.soak._sim import API_KEY, CAMPAIGN, sku

PRISM = "@stoplight/prism-cli@5.14.2"
TARGET = 3.0
REPEATS = 3
CONNECTIONS = 16


@attrs.frozen
class Load:
    """One operation's request, as wrk sends it."""

    operation_id: str
    method: str
    path: str
    body: object = None


LOADS = [
    Load(
        "deleteCampaignOffers",
        "POST",
        f"/v2/campaigns/{CAMPAIGN}/offers/delete",
        {"offerIds": [sku(n) for n in range(500)]},
    ),
    Load(
        "updateOutletLicenses",
        "POST",
        f"/v2/campaigns/{CAMPAIGN}/outlets/licenses",
        {
            "licenses": [
                {
                    "id": 100000 + n,
                    "outletId": 501 + n % 10,
                    "licenseType": "ALCOHOL",
                    "number": f"OLD-{n:06d}",
                    "dateOfIssue": "2024-01-15T00:00:00+03:00",
                    "dateOfExpiry": "2030-01-14T00:00:00+03:00",
                }
                for n in range(10)
            ]
        },
    ),
    Load(
        "deleteOutletLicenses",
        "DELETE",
        f"/v2/campaigns/{CAMPAIGN}/outlets/licenses?ids=100050,100051,100052",
    ),
    Load(
        "updateOrderItems",
        "PUT",
        f"/v2/campaigns/{CAMPAIGN}/orders/70001/items",
        {"items": [{"id": 1, "count": 2}, {"id": 2, "count": 3}]},
    ),
]


@attrs.frozen
class Result:
    """What wrk measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int


def _lua(load: Load) -> str:
    lines = [
        f"wrk.method = {json.dumps(load.method)}",
        f'wrk.headers["Api-Key"] = {json.dumps(API_KEY)}',
    ]
    if load.body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {json.dumps(json.dumps(load.body))}")
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, load: Load, seconds: int) -> Result:
    """Run wrk against 127.0.0.1:``port`` for ``seconds`` and read its report."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(load))
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{CONNECTIONS}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{load.path}",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        Path(script.name).unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    bad = int(bad_match.group(1)) if bad_match else 0
    if errors:
        bad += sum(int(n) for n in re.findall(r"\d+", errors.group(1)))
    return Result(rps, p50, p99, requests, bad)


def prism_binary() -> Path:
    """Install Prism into the benchmark cache (once) and return its executable."""
    folder = CACHE / "prism-5.14.2"
    binary = folder / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm (Node.js) is needed to install Prism")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", PRISM],
            check=True,
            capture_output=True,
            timeout=900,
        )
    return binary


def _median(results: list[Result]) -> Result:
    """The median of each figure over repeats (requests and bad answers summed)."""
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.requests for r in results),
        sum(r.bad for r in results),
    )


def run(section: Section, *, quick: bool = False) -> None:
    """Measure and add the rows of section 3."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is needed (Debian: apt-get install wrk)")
    seconds = 2 if quick else 5
    sim_port, prism_port = free_port(), free_port()
    spec = str(REPO_ROOT / "spec" / "openapi.yaml")
    rows: list[tuple[Load, Result, Result, list[float]]] = []
    # Both servers up at once; each operation's runs alternate simulator and Prism, so
    # the load other programs put on the machine hits both alike.
    with (
        serve_subprocess(
            *simulator_command(sim_port, 1000, "jump"), "--tier", "extended", port=sim_port
        ),
        serve_subprocess(
            str(prism_binary()),
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            str(prism_port),
            spec,
            port=prism_port,
        ),
    ):
        for load in LOADS:
            wrk(sim_port, load, 1)  # warm up
            wrk(prism_port, load, 1)
            ours: list[Result] = []
            peer: list[Result] = []
            for _ in range(REPEATS):
                ours.append(wrk(sim_port, load, seconds))
                peer.append(wrk(prism_port, load, seconds))
            ratios = sorted(o.rps / p.rps for o, p in zip(ours, peer, strict=True))
            rows.append((load, _median(ours), _median(peer), ratios))
    for load, ours_median, peer_median, ratios in rows:
        ratio = statistics.median(ratios)
        clean = ours_median.bad == 0 and peer_median.bad == 0
        tail_ok = ours_median.p99_ms <= peer_median.p99_ms
        section.add(
            f"{load.operation_id}: requests/s, p50 / p99",
            f"{ours_median.rps:,.0f}/s, {ours_median.p50_ms:.1f} / {ours_median.p99_ms:.1f} ms",
            f"Prism: {peer_median.rps:,.0f}/s, {peer_median.p50_ms:.1f} / "
            f"{peer_median.p99_ms:.1f} ms; {ratio:.1f}x (repeats {ratios[0]:.1f}-{ratios[-1]:.1f}; "
            f"target >= {TARGET:g}x, p99 <= Prism's)"
            + (
                ""
                if clean
                else f"; non-2xx/errors: ours {ours_median.bad}, Prism {peer_median.bad}"
            ),
            verdict(ratio >= TARGET and tail_ok and clean),
        )
    section.note(
        f"wrk -t1 -c{CONNECTIONS} -d{seconds}s --latency per run after a 1 s warm-up; per "
        f"operation {REPEATS} runs against the simulator alternating with {REPEATS} against "
        "Prism (both served all along); figures are medians of the runs, the ratio the median "
        "of the paired runs' ratios with their spread. "
        "deleteCampaignOffers sends 500 SKUs, updateOutletLicenses 10 licenses (changes, "
        "so the state does not grow), deleteOutletLicenses 3 ids, updateOrderItems 2 items. "
        "Every answer was checked to be 2xx. The campaign is on the 'extended' tier "
        "(no parallel-call cap for updateOrderItems)."
    )


if __name__ == "__main__":
    run(Section(3, "Simulator", "python -m tests.benchmarks --only 3"), quick=True)
