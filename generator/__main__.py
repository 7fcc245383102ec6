"""Command line of the generator: ``python -m generator [--check]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from generator.build import GENERATED_PACKAGE, SPEC_PATH, check, generate


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``generated/ymarket_api``, or with ``--check`` report whether it is stale."""
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if generated/ is stale")
    parser.add_argument("--spec", type=Path, default=SPEC_PATH, help="OpenAPI document")
    parser.add_argument("--package", type=Path, default=GENERATED_PACKAGE, help="package folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.check:
        differences = check(args.spec, args.package)
        if differences:
            print(f"generated/ is stale: {len(differences)} file(s) differ from {args.spec.name}")
            for line in differences[:20]:
                print(f"  {line}")
            print("run: uv run python -m generator")
            return 1
        print(
            f"generated/ is in sync with {args.spec.name} ({time.perf_counter() - started:.1f} s)"
        )
        return 0
    generate(args.spec, args.package)
    print(f"generated {args.package} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
