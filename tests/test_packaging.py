"""The wheel installs into a clean virtual environment and both packages import there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.mark.slow
def test_wheel_installs_and_imports_in_a_fresh_venv(tmp_path: Path, repo_root: Path) -> None:
    # `uv run` names its own binary in UV; `python3 -m uv run` leaves no `uv` on PATH
    # where pip put the script in a folder that is not on it (~/.local/bin, say).
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is needed to build the wheel (the README's test command installs it)")
    dist = tmp_path / "dist"
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(dist), str(repo_root)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("ymarket_partner-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ymarket_api/_compiled_spec.json" in names
    assert "ymarket_api/py.typed" in names and "ymarket/py.typed" in names
    assert not any(name.startswith(("spec/", "tests/", "generator/")) for name in names)
    venv = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "--python", str(python), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    script = (
        "import ymarket, ymarket_api, ymarket.spec as s;"
        "print(ymarket.__version__, s.operation('deleteCampaignOffers').bulk_max_items)"
    )
    result = subprocess.run(
        [str(python), "-c", script], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    version = wheel.name.split("-")[1]
    assert result.stdout.split() == [version, "500"]
