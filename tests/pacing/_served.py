"""The simulator served in a process of its own, its quota windows sped up."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.pacing._redis import free_port

SCALE = 60  # the 5,000-SKU minute of deleteCampaignOffers lasts a second
REPO_ROOT = Path(__file__).resolve().parents[2]


class ServedSimulator:
    """``python -m tests.benchmarks._serve`` on a free loopback port."""

    def __init__(self, offers: int, scale: float = SCALE) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks._serve", "--port", str(self.port),
             "--offers", str(offers), "--clock", f"scaled:{scale}"],
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/__simulator__/faults", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.05)

    def requests(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/__simulator__/requests", timeout=30)
        recorded: list[dict[str, Any]] = answer.json()
        return recorded

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
