"""generated/ is reproducible from the spec, and the check catches a stale copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from generator.build import GENERATED_PACKAGE, SPEC_PATH, build_package, diff_trees


def test_generator_check_passes_on_the_committed_tree(repo_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--check"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "in sync" in result.stdout


def test_generation_is_byte_identical(tmp_path: Path) -> None:
    first = build_package(SPEC_PATH, tmp_path / "first")
    second = build_package(SPEC_PATH, tmp_path / "second")
    assert diff_trees(first, second) == []
    assert diff_trees(first, GENERATED_PACKAGE) == []


def test_generator_check_fails_after_a_spec_change(tmp_path: Path, repo_root: Path) -> None:
    spec_copy = tmp_path / "openapi.yaml"
    text = SPEC_PATH.read_text(encoding="utf-8")
    changed = text.replace("maxItems: 500", "maxItems: 300", 1)
    assert changed != text
    spec_copy.write_text(changed, encoding="utf-8")
    package_copy = tmp_path / "ymarket_api"
    shutil.copytree(GENERATED_PACKAGE, package_copy, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "--check",
            "--spec",
            str(spec_copy),
            "--package",
            str(package_copy),
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "stale" in result.stdout and "_compiled_spec.json" in result.stdout
