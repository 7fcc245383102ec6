"""Fixtures of the regeneration tests: the shared docs pages and a throwaway repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def docs_dir(repo_root: Path) -> Path:
    """``../shared/docs/partner-api`` beside the repository (how CI clones it)."""
    folder = repo_root.parent / "shared" / "docs" / "partner-api"
    if not folder.is_dir() or not any(folder.iterdir()):
        pytest.fail(
            f"the docs pages are missing: expected them in {folder} "
            "(clone the shared repository beside this one)"
        )
    return folder


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
