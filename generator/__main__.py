"""Command line of the generator.

python -m generator [--check] [--spec S] [--package P]   regenerate (or check) generated/
python -m generator docs-check PAGE...                    compare docs pages with the spec
python -m generator upstream-check PATH [--update-lock] compare Yandex's published spec with ours
python -m generator diff OLD_SPEC NEW_SPEC                classify changes, propose a bump
python -m generator release [--dry-run]                   bump, regenerate, log the change
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from generator import unasync
from generator.build import GENERATED_PACKAGE, REPO_ROOT, SPEC_PATH, check, generate


def _regenerate(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.check:
        if problems := unasync.check():
            print("overlays/ymarket/_sync_client.py: " + "; ".join(problems))
            print("run: uv run python -m generator")
            return 1
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
    unasync.write()
    print(f"generated {args.package} in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``generated/ymarket_api`` (default), or run one of the subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if generated/ is stale")
    parser.add_argument("--spec", type=Path, default=SPEC_PATH, help="OpenAPI document")
    parser.add_argument("--package", type=Path, default=GENERATED_PACKAGE, help="package folder")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    docs = commands.add_parser(
        "docs-check",
        help="compare Yandex doc pages (files or URLs) with the spec",
        description="Print every difference between the pages and the spec; exit 1 on "
        "drift the allowlist does not accept, 2 on a page that cannot be read.",
    )
    docs.add_argument("pages", nargs="+", metavar="PAGE", help="a .md/.txt/.html file or a URL")
    docs.add_argument("--spec", dest="docs_spec", type=Path, default=SPEC_PATH)
    docs.add_argument(
        "--allowlist",
        type=Path,
        default=REPO_ROOT / "spec" / "docs-allowlist.yaml",
        help="reviewed deviations (default: spec/docs-allowlist.yaml)",
    )

    upstream = commands.add_parser(
        "upstream-check",
        help="compare Yandex's published spec (a checkout or its openapi/ folder) with the spec",
        description="Print every difference between Yandex's published spec and ours for the "
        "four operations; exit 1 on a difference the allowlist does not accept, 2 when PATH "
        "cannot be read.",
    )
    upstream.add_argument("path", type=Path, metavar="PATH")
    upstream.add_argument("--spec", dest="upstream_spec", type=Path, default=SPEC_PATH)
    upstream.add_argument(
        "--allowlist",
        dest="upstream_allowlist",
        type=Path,
        default=REPO_ROOT / "spec" / "upstream-allowlist.yaml",
        help="reviewed deviations (default: spec/upstream-allowlist.yaml)",
    )
    upstream.add_argument(
        "--lock", type=Path, default=REPO_ROOT / "spec" / "upstream.lock", help="upstream.lock"
    )
    upstream.add_argument(
        "--update-lock", action="store_true", help="record PATH as the upstream reconciled with"
    )

    diff = commands.add_parser("diff", help="classify the changes between two specs")
    diff.add_argument("old", type=Path, metavar="OLD_SPEC")
    diff.add_argument("new", type=Path, metavar="NEW_SPEC")

    release = commands.add_parser(
        "release",
        help="bump info.version by the diff against spec/released/, regenerate, log the change",
    )
    release.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    release.add_argument("--dry-run", action="store_true", help="print the entry, write nothing")
    release.add_argument(
        "--date", type=dt.date.fromisoformat, default=None, help="release date (default: today)"
    )

    args = parser.parse_args(argv)
    if args.command == "docs-check":
        from generator import docs_check

        return docs_check.main(args.pages, args.docs_spec, args.allowlist)
    if args.command == "upstream-check":
        from generator import upstream_check

        return upstream_check.main(
            args.path,
            args.upstream_spec,
            args.upstream_allowlist,
            args.lock,
            update_lock=args.update_lock,
        )
    if args.command == "diff":
        from generator import spec_diff

        return spec_diff.main(args.old, args.new)
    if args.command == "release":
        from generator import release as release_module

        return release_module.main(args.root, dry_run=args.dry_run, today=args.date)
    return _regenerate(args)


if __name__ == "__main__":
    sys.exit(main())
