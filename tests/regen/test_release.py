"""release: bump by the diff against the released spec, regenerate, log the change."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from generator.build import COMPILED_SPEC_NAME, SPEC_PATH, check
from generator.compile import load_spec
from generator.release import ReleasePaths, release, set_version
from generator.spec_diff import bump

TODAY = dt.date(2026, 3, 4)
# Versions follow the spec: the tests bump whatever version is current.
CURRENT = str(load_spec(SPEC_PATH)["info"]["version"])
MAJOR = bump(CURRENT, "major")
MINOR = bump(CURRENT, "minor")
# The licenses array of UpdateOutletLicenseRequest (request side only).
LICENSES_MAX = (
    "          maxItems: 500\n"
    "          items:\n"
    "            $ref: '#/components/schemas/OutletLicenseDTO'"
)


def _hatch_version(root: Path) -> str:
    """The version as hatch reads it (pyproject's [tool.hatch.version] pattern)."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    match = re.search(
        config["tool"]["hatch"]["version"]["pattern"],
        (root / "spec" / "openapi.yaml").read_text(encoding="utf-8"),
    )
    assert match is not None
    return match.group("version")


def test_released_spec_is_the_current_one(repo_root: Path) -> None:
    """The released copy is the current spec (changes reach users through ``release``)."""
    released = repo_root / "spec" / "released" / "openapi.yaml"
    assert released.read_text(encoding="utf-8") == SPEC_PATH.read_text(encoding="utf-8")


def test_breaking_change_bumps_major_regenerates_and_logs(repo_copy: Path) -> None:
    spec = repo_copy / "spec" / "openapi.yaml"
    before = spec.read_text(encoding="utf-8")
    assert before.count(LICENSES_MAX) == 1
    spec.write_text(before.replace(LICENSES_MAX, LICENSES_MAX.replace("500", "300")), "utf-8")
    changelog_before = (repo_copy / "CHANGELOG.md").read_text(encoding="utf-8")

    result = release(ReleasePaths(repo_copy), today=TODAY)

    assert (result.old_version, result.new_version, result.bump) == (CURRENT, MAJOR, "major")
    # Only the version line changed beyond the edit itself; comments and layout kept.
    after = spec.read_text(encoding="utf-8")
    expected = before.replace(LICENSES_MAX, LICENSES_MAX.replace("500", "300")).replace(
        f"\n  version: {CURRENT}\n", f"\n  version: {MAJOR}\n"
    )
    assert after == expected
    assert _hatch_version(repo_copy) == MAJOR
    # Regenerated from the bumped spec.
    package = repo_copy / "generated" / "ymarket_api"
    compiled = json.loads((package / COMPILED_SPEC_NAME).read_text(encoding="utf-8"))
    assert compiled["info"]["version"] == MAJOR
    body = compiled["operations"]["updateOutletLicenses"]["requestBody"]["schema"]
    assert body["properties"]["licenses"]["maxItems"] == 300
    assert check(spec, package) == []
    # Recorded as released.
    assert (repo_copy / "spec" / "released" / "openapi.yaml").read_text(encoding="utf-8") == after
    # CHANGELOG: the new entry above the previous ones, in words.
    changelog = (repo_copy / "CHANGELOG.md").read_text(encoding="utf-8")
    entry = (
        f"## {MAJOR} — 2026-03-04\n\n"
        f"Spec changes since {CURRENT} (`python -m generator diff`):\n\n"
        "### Breaking changes\n\n"
        "- `updateOutletLicenses`: `licenses` in the request body accepts at most 300 items "
        "(was 500).\n"
    )
    assert entry in changelog
    assert changelog.index(f"## {MAJOR}") < changelog.index(f"## {CURRENT}")
    assert changelog.replace(entry + "\n", "") == changelog_before

    # Released: a second run has nothing to do and writes nothing.
    again = release(ReleasePaths(repo_copy), today=TODAY)
    assert again.new_version is None
    assert (repo_copy / "CHANGELOG.md").read_text(encoding="utf-8") == changelog


def _no_regeneration(spec: Path, package: Path) -> None:
    package.mkdir(parents=True, exist_ok=True)


def test_additive_change_bumps_minor(repo_copy: Path) -> None:
    spec = repo_copy / "spec" / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("enum: [ALCOHOL, UNKNOWN]", "enum: [ALCOHOL, UNKNOWN, BEER]"))
    result = release(ReleasePaths(repo_copy), today=TODAY, regenerate=_no_regeneration)
    assert (result.new_version, result.bump) == (MINOR, "minor")
    assert "### New" in result.entry and "accepts new value(s) `BEER`" in result.entry
    assert _hatch_version(repo_copy) == MINOR


def test_failed_regeneration_leaves_the_spec_unreleased(repo_copy: Path) -> None:
    spec = repo_copy / "spec" / "openapi.yaml"
    changed = spec.read_text(encoding="utf-8").replace(
        LICENSES_MAX, LICENSES_MAX.replace("500", "9")
    )
    spec.write_text(changed, encoding="utf-8")
    changelog = (repo_copy / "CHANGELOG.md").read_text(encoding="utf-8")

    def broken(spec_path: Path, package: Path) -> None:
        raise RuntimeError("openapi-python-client failed")

    with pytest.raises(RuntimeError):
        release(ReleasePaths(repo_copy), today=TODAY, regenerate=broken)
    assert spec.read_text(encoding="utf-8") == changed  # version not bumped
    assert (repo_copy / "CHANGELOG.md").read_text(encoding="utf-8") == changelog


def test_set_version_needs_exactly_one_version_line() -> None:
    pattern = re.compile(r"(?m)^  version: (?P<version>[0-9][^\s]*)$")
    assert set_version("info:\n  version: 1.2.3\n", "2.0.0", pattern) == "info:\n  version: 2.0.0\n"
    with pytest.raises(ValueError, match="found 0"):
        set_version("info:\n version: 1\n", "2.0.0", pattern)


def test_release_command_dry_run_writes_nothing(repo_copy: Path, repo_root: Path) -> None:
    spec = repo_copy / "spec" / "openapi.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(LICENSES_MAX, LICENSES_MAX.replace("500", "300")),
        encoding="utf-8",
    )
    before = {p: p.read_bytes() for p in repo_copy.rglob("*") if p.is_file()}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "release",
            "--root",
            str(repo_copy),
            "--dry-run",
            "--date",
            "2026-03-04",
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"## {MAJOR} — 2026-03-04" in result.stdout
    assert f"would release {MAJOR} (major bump)" in result.stdout
    assert {p: p.read_bytes() for p in repo_copy.rglob("*") if p.is_file()} == before
