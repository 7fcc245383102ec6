"""The one helper for tests that read ../shared: present, absent, absent under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


def test_a_present_folder_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs" / "partner-api").mkdir(parents=True)
    (tmp_path / "docs" / "partner-api" / "page.md").write_text("x", encoding="utf-8")
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    assert conftest.shared_folder("docs/partner-api") == tmp_path / "docs" / "partner-api"


@pytest.mark.parametrize("ci", [None, "false"])
def test_an_absent_folder_skips_naming_it(
    ci: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="upstream/yandex-market-partner-api"):
        conftest.shared_folder("upstream/yandex-market-partner-api")


def test_an_empty_folder_counts_as_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs" / "partner-api").mkdir(parents=True)
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        conftest.shared_folder("docs/partner-api")


def test_an_absent_folder_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        conftest.shared_folder("docs/partner-api")
