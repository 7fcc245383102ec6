"""The peer: the Python client openapi-generator generates from the same spec/openapi.yaml.

Generated once into the benchmark cache by ``openapi-generator-cli`` from PyPI (it bundles
the generator's jar and needs Java), with ``library=httpx`` so it runs on the very
httpx transport the other contenders use. Its run-time needs (pydantic, typing-extensions,
python-dateutil, httpx) are already installed with the dev dependencies.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.benchmarks._common import CACHE, REPO_ROOT

GENERATOR = "openapi-generator-cli==7.26.0"
PACKAGE = "peer_client"


def peer_folder() -> Path:
    """Where the peer generated from the current spec lives (one folder per spec version)."""
    digest = hashlib.sha256((REPO_ROOT / "spec" / "openapi.yaml").read_bytes()).hexdigest()[:12]
    return CACHE / f"openapi-generator-7.26.0-python-httpx-{digest}"


def load_peer() -> ModuleType:
    """Generate the peer if needed and import it."""
    folder = peer_folder()
    if not (folder / PACKAGE / "__init__.py").exists():
        uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` names its binary in UV
        if uv is None:
            raise RuntimeError("uv is needed to run openapi-generator-cli from PyPI")
        partial = folder.with_name(folder.name + ".part")
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run(
            [
                uv,
                "tool",
                "run",
                "--from",
                GENERATOR,
                "openapi-generator-cli",
                "generate",
                "-g",
                "python",
                "-i",
                str(REPO_ROOT / "spec" / "openapi.yaml"),
                "-o",
                str(partial),
                f"--package-name={PACKAGE}",
                "--additional-properties=library=httpx",
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        partial.rename(folder)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(PACKAGE)
