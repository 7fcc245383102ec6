"""Shared test settings, and the one way tests reach the folder ``../shared``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


def shared_folder(relative: str) -> Path:
    """``../shared/<relative>`` beside the repository, for tests that need it.

    A plain clone has no such folder: the test is skipped with a reason naming it.
    Under ``CI=true`` its absence is a failure, so CI never skips such tests silently.
    """
    folder = SHARED / relative
    if folder.is_dir() and any(folder.iterdir()):
        return folder
    message = (
        f"needs {folder} (the shared docs pages and upstream snapshot, "
        "cloned beside this repository as ../shared)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true, so its absence is a failure")
    pytest.skip(message)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def docs_dir() -> Path:
    """``../shared/docs/partner-api``: the crawled docs pages (skips when absent, see above)."""
    return shared_folder("docs/partner-api")


@pytest.fixture(scope="session")
def upstream_dir() -> Path:
    """``../shared/upstream/yandex-market-partner-api``: Yandex's published spec snapshot."""
    return shared_folder("upstream/yandex-market-partner-api")
