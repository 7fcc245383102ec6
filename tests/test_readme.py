"""The README: its Quick start (two one-line commands, the second exactly what CI runs),
and its Python examples, which pass ``mypy --strict`` as a reader would copy them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"

# A block that continues the program of an earlier one cannot be checked on its
# own (mypy would report only the names it borrows), so the line before it may
# say so with this mark and the block is left out. Readers copy examples whole:
# a fragment is the exception, and MAX_FRAGMENTS keeps it one.
FRAGMENT_MARK = "<!-- fragment -->"
MAX_FRAGMENTS = 2
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _quick_start_commands() -> list[str]:
    readme = README.read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "Quick start has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def python_examples(readme: str) -> tuple[dict[int, str], list[int]]:
    """The ```python blocks of ``readme`` by the line of their first code line, and the
    lines of the blocks marked as fragments (left out of the first)."""
    examples: dict[int, str] = {}
    fragments: list[int] = []
    for block in _PYTHON_BLOCK.finditer(readme):
        first_line = readme.count("\n", 0, block.start(1)) + 1
        before = readme[: block.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if before.strip() == FRAGMENT_MARK:
            fragments.append(first_line)
        else:
            examples[first_line] = block.group(1)
    return examples, fragments


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


def test_python_examples_are_found_and_fragments_are_few() -> None:
    readme = "text\n```python\nx = 1\n```\n<!-- fragment -->\n```python\ny\n```\n"
    assert python_examples(readme) == ({3: "x = 1\n"}, [7])
    examples, fragments = python_examples(README.read_text(encoding="utf-8"))
    assert examples, "the README has no ```python block"
    assert len(fragments) <= MAX_FRAGMENTS, f"fragments at README.md lines {fragments}"


@pytest.mark.slow
def test_python_examples_pass_mypy_strict(tmp_path: Path) -> None:
    examples, _ = python_examples(README.read_text(encoding="utf-8"))
    # One module per block, named by its line, so that errors point into the README.
    files = []
    for line, code in examples.items():
        path = tmp_path / f"readme_line_{line}.py"
        path.write_text(code, encoding="utf-8")
        files.append(str(path))
    # The repository's settings and paths; a cache of its own, beside test_style's mypy run.
    command = ["mypy", "--strict", "--config-file", "pyproject.toml"]
    command += ["--cache-dir", str(REPO_ROOT / ".mypy_cache" / "readme"), *files]
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # "/tmp/.../readme_line_231.py:7: error" -> "README.md:237: error"
    report = re.sub(
        r"\S*readme_line_(\d+)\.py:(\d+)",
        lambda m: f"README.md:{int(m.group(1)) + int(m.group(2)) - 1}",
        result.stdout + result.stderr,
    )
    assert result.returncode == 0, report
