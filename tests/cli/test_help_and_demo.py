"""``ymarket --help`` (every command, fast imports) and ``ymarket demo``, as subprocesses."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from ymarket.cli._exit import ExitCode

from tests.cli.support import leaf_commands, run_ymarket

LEAVES = [list(c) for c in leaf_commands()]
"""Every runnable command, read from the click tree (a new command is tested too)."""
GROUPS = [list(g) for g in sorted({tuple(c[:-1]) for c in LEAVES if len(c) > 1})]
COMMANDS = [[], *GROUPS, *LEAVES]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "ymarket")
def test_help_of_every_command(command: list[str]) -> None:
    result = run_ymarket(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ymarket")
    if command in LEAVES or not command:
        assert "Example" in result.stdout
    if command in LEAVES and command != ["demo"]:
        # Each command that can fail says with which codes, all of them documented ones.
        found = re.search(r"Exit codes: (.*?)\.(\s|$)", " ".join(result.stdout.split()))
        assert found, result.stdout
        codes = {int(code) for code in re.findall(r"(?:^|; )(\d+) ", found.group(1))}
        assert {0, 2} <= codes <= {int(code) for code in ExitCode}


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from ymarket.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['httpx', 'starlette', 'uvicorn', 'rich', 'jsonschema_rs', 'ymarket_api']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"


def test_demo_runs_every_step_and_exits_0() -> None:
    result = run_ymarket("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for number in range(1, 7):
        assert f"[{number}] " in out
    assert "the Market assigned ids 9004, 9005" in out
    assert "2025-03-01T00:00:00+03:00" in out
    assert "chunk 3: 200 SKUs" in out and "not deleted 12 (stored in a Market warehouse)" in out
    assert "after: item 2 SKU-00002 x1; item 3 SKU-00003 x1" in out
    assert "not-before" in out and "nothing was sent" in out and "requests sent: 0" in out
    assert "attempts: 420, 420, 200" in out
    assert "demo finished: 6 steps" in out
    assert not CONTROL.search(out + result.stderr)


def test_demo_json_is_one_document() -> None:
    result = run_ymarket("--json", "demo")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert [step["requests"] for step in document["steps"]] == [1, 2, 3, 1, 0, 3]


def test_version() -> None:
    from ymarket.spec import spec_version

    result = run_ymarket("--version")
    assert result.stdout.strip() == f"ymarket {spec_version()}"
