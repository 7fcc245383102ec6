"""ruff (lint and format) and mypy --strict are clean on overlays, generator and tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHECKED = ["overlays", "generator", "tests"]


def run(repo_root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=repo_root, capture_output=True, text=True, timeout=600
    )


def test_ruff_lint(repo_root: Path) -> None:
    result = run(repo_root, "ruff", "check", *CHECKED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format(repo_root: Path) -> None:
    result = run(repo_root, "ruff", "format", "--check", *CHECKED)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict(repo_root: Path) -> None:
    result = run(repo_root, "mypy", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
