"""The ``ymarket`` command: bulk jobs with progress and resume, and a demo on the simulator.

Built on :class:`ymarket.Client` (no request logic of its own). Needs the
``cli`` extra (click, rich, and the simulator's Starlette and uvicorn). This
module and the command modules import heavy libraries only inside the
commands, so ``ymarket --help`` stays fast.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_EXTRA_MODULES = {"click", "rich", "starlette", "uvicorn"}
"""Modules of the ``cli`` extra: without them the command says which extra to install."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``ymarket`` console script."""
    try:
        from ymarket.cli._app import cli, global_options_first

        args = global_options_first(sys.argv[1:] if argv is None else argv)
        cli.main(args=args, prog_name="ymarket")
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in _EXTRA_MODULES:
            raise
        from ymarket.cli._exit import ExitCode

        print(
            f"ymarket: error: the command needs the 'cli' extra ({error.name} is missing): "
            "pip install 'ymarket-partner[cli]'",
            file=sys.stderr,
        )
        sys.exit(ExitCode.USAGE)
