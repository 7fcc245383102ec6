"""Benchmark (not collected by pytest): peak memory of ``offers delete`` for many SKUs.

    uv run python -m tests.cli.bench_offers_memory [COUNT]

Runs the job of ``ymarket offers delete`` (two streaming passes over the file,
journal with fsync per record) through the real Client on an in-memory
transport that accepts every chunk, with pacing off, and prints the time,
the Python heap's peak (tracemalloc) and the process's peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx
from ymarket import Client
from ymarket.cli._offers import OffersJob
from ymarket.cli._output import Output
from ymarket.cli._skus import SkuSource


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    count = int(numbers[0]) if numbers else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        source_path = Path(folder) / "skus.txt"
        with source_path.open("w") as file:
            file.writelines(f"SELLER-SKU-{n:09d}\n" for n in range(count))

        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"status": "OK", "result": {}})

        client = Client(
            api_key="bench",
            base_url="https://api.example.invalid",
            transport=httpx.MockTransport(answer),
            rate_limit=False,
        )
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if "--no-tracemalloc" not in sys.argv:
            tracemalloc.start()
        started = time.perf_counter()
        job = OffersJob(
            client,
            1001,
            SkuSource((), str(source_path)),
            journal=Path(folder) / "job.journal",
            not_deleted_out=Path(folder) / "kept.txt",
            output=Output(json_mode=True),
        )
        report = job.run()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        journal_size = (Path(folder) / "job.journal").stat().st_size
        print(
            f"{count:,} SKUs in {report.requests:,} requests: {elapsed:.1f} s; "
            f"tracemalloc peak {peak / 2**20:.1f} MiB; peak RSS {rss / 1024:.0f} MiB "
            f"(before the job {base_rss / 1024:.0f} MiB); "
            f"input {source_path.stat().st_size / 2**20:.1f} MiB, "
            f"journal {journal_size / 2**20:.1f} MiB"
        )


if __name__ == "__main__":
    main()
