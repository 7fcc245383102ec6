"""The ``ymarket`` command: bulk jobs with progress and resume, and a demo on the simulator.

Built on :class:`ymarket.Client` (no request logic of its own). Needs the
``cli`` extra (click, rich, and the simulator's Starlette and uvicorn). This
module and the command modules import heavy libraries only inside the
commands, so ``ymarket --help`` stays fast.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``ymarket`` console script."""
    from ymarket.cli._app import cli

    cli.main(args=argv, prog_name="ymarket")
