"""The README's Quick start: two one-line commands, the second exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "Quick start has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_one_line_commands_demo_and_tests() -> None:
    demo, tests = _quick_start_commands()
    assert demo.endswith("ymarket demo")
    assert tests.endswith("uv run pytest")
    # Neither line needs a dev toolchain to be installed by hand first.
    assert demo.split("&&")[0] == tests.split("&&")[0]


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command_lines = [
        line
        for line in ci.splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert command_lines == [_quick_start_commands()[1]]
