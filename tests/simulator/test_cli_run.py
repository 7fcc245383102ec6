"""``schemathesis run`` (the CLI) against the simulator served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.simulator.support import LiveServer

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_schemathesis_cli_finds_no_failures(live_server: LiveServer) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SCHEMATHESIS_HOOKS": "tests.simulator.st_hooks",
        "NO_COLOR": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            str(REPO / "spec" / "openapi.yaml"),
            "--url",
            live_server.url,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    # The run reached the server (not only the schema).
    assert len(live_server.simulator.requests) > 50
