"""``ymarket simulator``: the simulator served over HTTP."""

from __future__ import annotations

import sys

import click

from ymarket.cli._options import settings_of
from ymarket.cli._session import fail, reported

__all__ = ["simulator"]


@click.command(
    epilog="\b\nExample:\n  ymarket simulator --port 8080\n"
    "  YANDEX_MARKET_BASE_URL=http://127.0.0.1:8080 YANDEX_MARKET_API_KEY=demo-api-key \\\n"
    "    ymarket offers delete --campaign-id 1001 SKU-00401",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--data",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False),
    help="Dataset (JSON) instead of the demo's; `python -m ymarket.simulator --dump-demo` "
    "prints the demo's as a start.",
)
@click.pass_context
def simulator(ctx: click.Context, host: str, port: int, data: str | None) -> None:
    """Serve the simulator over HTTP until Ctrl-C; prints its URL and the demo credentials."""
    settings = settings_of(ctx)
    with reported(settings, "simulator"):
        from ymarket.simulator import Dataset, DatasetError, Simulator, demo_dataset
        from ymarket.simulator.server import serve

        try:
            dataset = Dataset.load(data) if data else demo_dataset()
        except (OSError, DatasetError) as error:
            fail(str(error))
        click.echo(dataset.summary())
        url = f"http://{host}:{port}"
        click.echo(f"\nServing on {url}  (control API: {url}/__simulator__/)")
        if data is None:
            click.echo(
                f"Try: YANDEX_MARKET_BASE_URL={url} YANDEX_MARKET_API_KEY=demo-api-key "
                "ymarket offers delete --campaign-id 1001 SKU-00401"
            )
        sys.stdout.flush()
        serve(Simulator(dataset=dataset), host, port)
