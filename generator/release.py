"""``python -m generator release``: version, regenerate and log a spec change.

Compares ``spec/openapi.yaml`` with the last released spec
(``spec/released/openapi.yaml``), bumps ``info.version`` by the result
(breaking -> major, additive -> minor, otherwise patch), regenerates
``generated/ymarket_api``, records the spec as released and prepends a
CHANGELOG entry listing the changes.

The version line is edited in place with the pattern hatch reads it with
(``[tool.hatch.version]`` in pyproject.toml), so the spec keeps its comments
and layout.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.build import REPO_ROOT, generate
from generator.compile import load_spec
from generator.spec_diff import KINDS, Change, bump, bump_kind, diff_specs

__all__ = ["ReleasePaths", "ReleaseResult", "changelog_entry", "main", "release", "set_version"]

_HEADINGS = {"breaking": "Breaking changes", "additive": "New", "patch": "Other changes"}


@dataclass(frozen=True)
class ReleasePaths:
    """The files a release reads and writes, all under one repository root."""

    root: Path

    @property
    def spec(self) -> Path:
        """The spec being released."""
        return self.root / "spec" / "openapi.yaml"

    @property
    def released(self) -> Path:
        """The copy of the last released spec."""
        return self.root / "spec" / "released" / "openapi.yaml"

    @property
    def changelog(self) -> Path:
        """CHANGELOG.md."""
        return self.root / "CHANGELOG.md"

    @property
    def pyproject(self) -> Path:
        """pyproject.toml, for the version pattern."""
        return self.root / "pyproject.toml"

    @property
    def package(self) -> Path:
        """The generated package."""
        return self.root / "generated" / "ymarket_api"


@dataclass(frozen=True)
class ReleaseResult:
    """What a release did (or, with ``dry_run``, would do)."""

    old_version: str
    new_version: str | None  # None: nothing changed since the last release
    bump: str | None
    changes: list[Change]
    entry: str


def _version_pattern(pyproject: Path) -> re.Pattern[str]:
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return re.compile(config["tool"]["hatch"]["version"]["pattern"])


def set_version(spec_text: str, version: str, pattern: re.Pattern[str]) -> str:
    """``spec_text`` with the version that ``pattern`` finds replaced by ``version``."""
    matches = list(pattern.finditer(spec_text))
    if len(matches) != 1:
        raise ValueError(f"expected one version line, found {len(matches)}")
    start, end = matches[0].span("version")
    return spec_text[:start] + version + spec_text[end:]


def changelog_entry(version: str, previous: str, changes: Sequence[Change], today: dt.date) -> str:
    """The CHANGELOG section for ``version``: the changes grouped by kind, breaking first."""
    lines = [f"## {version} — {today.isoformat()}", ""]
    lines.append(f"Spec changes since {previous} (`python -m generator diff`):")
    for kind in KINDS:
        group = [c for c in changes if c.kind == kind]
        if not group:
            continue
        lines += ["", f"### {_HEADINGS[kind]}", ""]
        for change in group:
            subject = f"{change.subject}: " if change.operations else ""
            lines.append(f"- {subject}{change.text}")
    return "\n".join(lines) + "\n"


def _prepend(changelog: str, entry: str) -> str:
    """Insert ``entry`` before the first ``## `` section (after the title and intro)."""
    match = re.search(r"(?m)^## ", changelog)
    if match is None:
        return changelog.rstrip("\n") + "\n\n" + entry
    return changelog[: match.start()] + entry + "\n" + changelog[match.start() :]


def release(
    paths: ReleasePaths | None = None,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    regenerate: Callable[[Path, Path], None] = generate,
) -> ReleaseResult:
    """Release the spec at ``paths.spec`` (see the module docstring)."""
    paths = paths or ReleasePaths(REPO_ROOT)
    today = today or dt.date.today()
    old = load_spec(paths.released)
    new = load_spec(paths.spec)
    old_version = str(old["info"]["version"])
    changes = diff_specs(old, new)
    part = bump_kind(changes)
    if part is None:
        return ReleaseResult(old_version, None, None, [], "")
    new_version = bump(old_version, part)
    entry = changelog_entry(new_version, old_version, changes, today)
    if dry_run:
        return ReleaseResult(old_version, new_version, part, changes, entry)
    original = paths.spec.read_text(encoding="utf-8")
    paths.spec.write_text(
        set_version(original, new_version, _version_pattern(paths.pyproject)), encoding="utf-8"
    )
    try:
        regenerate(paths.spec, paths.package)
    except BaseException:
        paths.spec.write_text(original, encoding="utf-8")  # nothing half-released
        raise
    paths.released.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(paths.spec, paths.released)
    changelog = (
        paths.changelog.read_text(encoding="utf-8") if paths.changelog.exists() else "# Changelog\n"
    )
    paths.changelog.write_text(_prepend(changelog, entry), encoding="utf-8")
    return ReleaseResult(old_version, new_version, part, changes, entry)


def main(root: Path = REPO_ROOT, *, dry_run: bool = False, today: dt.date | None = None) -> int:
    """Run a release from the command line; prints the CHANGELOG entry."""
    result = release(ReleasePaths(root), today=today, dry_run=dry_run)
    if result.new_version is None:
        print(f"spec/openapi.yaml matches the released {result.old_version}: nothing to release")
        return 0
    print(result.entry)
    if dry_run:
        print(f"dry run: would release {result.new_version} ({result.bump} bump); nothing written")
    else:
        print(
            f"released {result.new_version} ({result.bump} bump from {result.old_version}): "
            "spec/openapi.yaml, generated/, spec/released/openapi.yaml and CHANGELOG.md updated"
        )
    return 0
