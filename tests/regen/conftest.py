"""Fixtures of the regeneration tests: a throwaway repository (../shared: tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def repo_copy(repo_root: Path, tmp_path: Path) -> Path:
    """The files a release touches, copied into a temporary repository root."""
    root = tmp_path / "repo"
    (root / "spec" / "released").mkdir(parents=True)
    shutil.copyfile(repo_root / "spec" / "openapi.yaml", root / "spec" / "openapi.yaml")
    shutil.copyfile(
        repo_root / "spec" / "released" / "openapi.yaml",
        root / "spec" / "released" / "openapi.yaml",
    )
    shutil.copyfile(repo_root / "pyproject.toml", root / "pyproject.toml")
    shutil.copyfile(repo_root / "CHANGELOG.md", root / "CHANGELOG.md")
    return root
