"""``ymarket demo``: a seller's session on the built-in simulator."""

from __future__ import annotations

import click

from ymarket.cli._options import settings_of
from ymarket.cli._session import reported

__all__ = ["demo"]


@click.command(
    epilog="\b\nExample:\n  ymarket demo\n  ymarket --json demo > demo.json",
)
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run a seller's session on the built-in simulator and report each step.

    Creates and changes alcohol licenses, deletes 1,200 SKUs in three chunks
    (some stored in a Market warehouse come back as not deleted), removes and
    reduces items of an order, shows a request refused before sending and a
    rate-limited call retried. Needs no account; finishes in a few seconds.
    """
    settings = settings_of(ctx)
    with reported(settings, "demo"):
        from ymarket.cli._demo import run_demo

        run_demo(settings)
