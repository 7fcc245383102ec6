"""Runs openapi-python-client (pinned) with this repo's config and templates.

Output is byte-identical from run to run: the generator and ruff versions are
pinned in the lock file, ruff runs with ``--isolated`` (no config from the
tree), and everything is generated in a temporary folder first.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openapi_python_client.strings import PythonIdentifier

from generator.compile import compiled_json, load_spec

__all__ = [
    "COMPILED_SPEC_NAME",
    "GENERATED_PACKAGE",
    "REPO_ROOT",
    "SPEC_PATH",
    "build_package",
    "check",
    "diff_trees",
    "generate",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = REPO_ROOT / "spec" / "openapi.yaml"
GENERATED_PACKAGE = REPO_ROOT / "generated" / "ymarket_api"
COMPILED_SPEC_NAME = "_compiled_spec.json"
_GENERATOR_DIR = Path(__file__).resolve().parent
_CONFIG = _GENERATOR_DIR / "config.yaml"
_TEMPLATES = _GENERATOR_DIR / "templates"


def _form_no_explode_template(spec: dict[str, object]) -> str:
    """A Jinja fragment naming the query arrays sent as ``ids=1,2,3``.

    openapi-python-client drops a parameter's ``style``/``explode``; the
    endpoint template reads this list instead, derived from the spec.
    """
    entries: list[str] = []
    paths = spec["paths"]
    assert isinstance(paths, dict)
    for _path, path_item in sorted(paths.items()):
        shared = path_item.get("parameters", [])
        for method, operation in sorted(path_item.items()):
            if method == "parameters" or not isinstance(operation, dict):
                continue
            for raw in [*shared, *operation.get("parameters", [])]:
                parameter = raw
                if "$ref" in raw:
                    name = raw["$ref"].rsplit("/", 1)[-1]
                    parameter = spec["components"]["parameters"][name]  # type: ignore[index]
                if (
                    parameter["in"] == "query"
                    and parameter.get("style", "form") == "form"
                    and parameter.get("explode", True) is False
                ):
                    # Keyed as the template sees the endpoint: its snake_case name.
                    endpoint_name = PythonIdentifier(operation["operationId"], prefix="field_")
                    entries.append(f"{endpoint_name} {parameter['name']}")
    items = ", ".join(f'"{entry}"' for entry in entries)
    return (
        "{# Written by generator/build.py from spec/openapi.yaml: query arrays with"
        " style form, explode false. #}\n"
        f"{{% set form_no_explode = [{items}] %}}\n"
    )


def build_package(spec_path: Path, destination: Path) -> Path:
    """Generate the ``ymarket_api`` package from ``spec_path`` into ``destination``.

    Returns the package folder. ``destination`` must not exist yet.
    """
    spec = load_spec(spec_path)
    with tempfile.TemporaryDirectory(prefix="ymarket-gen-") as work:
        templates = Path(work) / "templates"
        shutil.copytree(_TEMPLATES, templates)
        (templates / "ymarket_spec_styles.jinja").write_text(
            _form_no_explode_template(spec), encoding="utf-8"
        )
        output = Path(work) / "ymarket_api"
        env = dict(os.environ)
        # The post-hooks run the `ruff` on PATH: make it the pinned one of
        # this environment, whichever way the generator was started.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        command = [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec_path),
            "--config",
            str(_CONFIG),
            "--custom-template-path",
            str(templates),
            "--meta",
            "none",
            "--output-path",
            str(output),
            "--fail-on-warning",
        ]
        result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        if result.returncode != 0 or not output.is_dir():
            raise RuntimeError(
                "openapi-python-client failed:\n" + result.stdout[-4000:] + result.stderr[-4000:]
            )
        (output / "py.typed").write_text("# Marker file for PEP 561\n", encoding="utf-8")
        (output / COMPILED_SPEC_NAME).write_text(compiled_json(spec), encoding="utf-8")
        for cache in output.rglob("__pycache__"):
            shutil.rmtree(cache)
        shutil.copytree(output, destination)
    return destination


def diff_trees(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two trees (missing, extra or changed)."""
    expected_files = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file()}
    actual_files = (
        {
            p.relative_to(actual)
            for p in actual.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        if actual.is_dir()
        else set()
    )
    differences = [f"missing: {p}" for p in sorted(expected_files - actual_files)]
    differences += [f"extra:   {p}" for p in sorted(actual_files - expected_files)]
    differences += [
        f"changed: {p}"
        for p in sorted(expected_files & actual_files)
        if not filecmp.cmp(expected / p, actual / p, shallow=False)
    ]
    return differences


def generate(spec_path: Path = SPEC_PATH, package: Path = GENERATED_PACKAGE) -> None:
    """Regenerate ``package`` from ``spec_path`` in place."""
    with tempfile.TemporaryDirectory(prefix="ymarket-out-") as work:
        fresh = build_package(spec_path, Path(work) / "ymarket_api")
        if package.exists():
            shutil.rmtree(package)
        package.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(fresh, package)


def check(spec_path: Path = SPEC_PATH, package: Path = GENERATED_PACKAGE) -> list[str]:
    """Return what differs between ``package`` and a fresh generation (empty: in sync)."""
    with tempfile.TemporaryDirectory(prefix="ymarket-check-") as work:
        fresh = build_package(spec_path, Path(work) / "ymarket_api")
        return diff_trees(fresh, package)
