"""Processes sharing one campaign quota through Redis, against the served simulator.

The simulator runs its quota windows 60 times faster (``--clock scaled:60``: the
5,000-SKU minute of deleteCampaignOffers is a second) and the workers' limiters
shorten theirs alike, so a job of several windows takes seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ymarket._redis_pacing import RedisRateLimiter

from tests.pacing._redis import (
    RedisServer,
    assert_granted_when_a_lease_ran_out,
    server_seconds,
)
from tests.pacing._served import SCALE, ServedSimulator
from tests.soak._sim import sku

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def simulator() -> Iterator[ServedSimulator]:
    served = ServedSimulator(offers=6_000)
    yield served
    served.stop()


def worker(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.pacing._worker", *arguments],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_three_processes_share_one_quota_without_a_420_whatever_their_clocks(
    redis_server: RedisServer, prefix: str, simulator: ServedSimulator
) -> None:
    """One worker's clocks run an hour ahead and one's half an hour behind: the
    limiter reads the Redis server's time only, so it changes nothing."""
    share = 2000  # 6,000 SKUs: 12 chunks over more than one window
    shifts = (0, 3600, -1800)
    workers = [
        worker(
            "delete", "--redis", redis_server.url, "--prefix", prefix, "--scale", str(SCALE),
            "--base-url", simulator.url, "--first", str(n * share), "--count", str(share),
            "--shift", str(shift),
        )
        for n, shift in enumerate(shifts)
    ]  # fmt: skip
    reports = []
    for process in workers:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        reports.append(json.loads(out.strip().splitlines()[-1]))
    recorded = simulator.requests()
    statuses = [r["status"] for r in recorded]
    assert statuses.count(420) == 0
    assert all(status == 200 for status in statuses)
    assert all(report["unfinished"] == [] and report["retries"] == 0 for report in reports)
    # Every SKU in exactly one accepted request, and the workers' not-deleted lists
    # are what the simulator kept.
    sent = [s for r in recorded for s in r["body"]["offerIds"]]
    everything = [sku(n) for n in range(len(shifts) * share)]
    assert sorted(sent) == sorted(everything)
    kept = {s for report in reports for s in report["not_deleted"]}
    assert kept  # the benchmark store keeps some SKUs in Market warehouses
    assert sum(len(report["not_deleted"]) for report in reports) == len(kept)


def test_a_worker_killed_while_holding_slots_blocks_others_only_until_its_lease(
    redis_server: RedisServer, prefix: str
) -> None:
    lease = 1.0
    holder = worker("hold", "--redis", redis_server.url, "--prefix", prefix, "--lease", str(lease))
    assert holder.stdout is not None
    held = json.loads(holder.stdout.readline())["stamps"]
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    holder.stdout.close()
    limiter = RedisRateLimiter(redis_server.url, prefix=prefix)
    bucket = limiter.bucket("deleteCampaignOffers", 1001)
    assert bucket is not None
    asked = server_seconds(redis_server.url)
    spend = bucket.acquire(1, time.sleep)
    assert_granted_when_a_lease_ran_out(held, lease, asked, spend.stamp)
