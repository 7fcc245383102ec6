"""Regenerates ``generated/ymarket_api`` from ``spec/openapi.yaml``.

``python -m generator`` writes the generated package; ``python -m generator --check``
tells whether the committed one is stale. See :mod:`generator.build`.
"""

from generator.build import GENERATED_PACKAGE, REPO_ROOT, SPEC_PATH, build_package, check, generate
from generator.compile import compile_spec, load_spec

__all__ = [
    "GENERATED_PACKAGE",
    "REPO_ROOT",
    "SPEC_PATH",
    "build_package",
    "check",
    "compile_spec",
    "generate",
    "load_spec",
]
