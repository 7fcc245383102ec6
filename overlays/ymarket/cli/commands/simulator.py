"""``ymarket simulator``: the simulator served over HTTP."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ymarket.cli._options import settings_of
from ymarket.cli._session import fail, reported

__all__ = ["simulator"]


@click.command(
    epilog="\b\nExamples:\n  ymarket simulator --port 8080\n"
    "  YANDEX_MARKET_BASE_URL=http://127.0.0.1:8080 YANDEX_MARKET_API_KEY=demo-api-key \\\n"
    "    ymarket offers delete --campaign-id 1001 SKU-00401\n"
    "  ymarket simulator --dump-demo > mine.json   (edit, then --data mine.json)\n\n"
    "Exit codes: 0 stopped with Ctrl-C or SIGTERM (or --dump-demo done); 2 cannot listen on the "
    "address, or a bad --data file.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: a free one, printed when listening).",
)
@click.option(
    "--data",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False),
    help="Dataset (JSON) instead of the demo's; --dump-demo prints the demo's as a start.",
)
@click.option(
    "--dump-demo", is_flag=True, help="Print the demo dataset as JSON and exit (serves nothing)."
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=0),
    metavar="N",
    help="Requests kept in the request log (/__simulator__/requests); older ones are dropped "
    "(default: the simulator's).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1),
    metavar="N",
    help="Larger request bodies are answered 400 (default: the simulator's).",
)
@click.pass_context
def simulator(
    ctx: click.Context,
    host: str,
    port: int,
    data: str | None,
    dump_demo: bool,
    max_requests: int | None,
    max_body_bytes: int | None,
) -> None:
    """Serve the simulator over HTTP until Ctrl-C; prints its URL and the demo credentials.

    Bound beyond loopback (--host 0.0.0.0), it warns and prints a control token that
    its control API (/__simulator__/) then requires."""
    settings = settings_of(ctx)
    with reported(settings, "simulator"):
        from ymarket.simulator.dataset import Dataset, DatasetError, demo_dataset
        from ymarket.simulator.dataset import dump_demo as print_demo

        if dump_demo:
            try:
                print_demo()
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader stopped early (`| head`): nothing is wrong with the demo. Later
                # writes (the interpreter's last flush) go nowhere instead of failing again.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        try:
            dataset = Dataset.load(data) if data else demo_dataset()
        except (OSError, DatasetError) as error:
            fail(str(error))
        # Imported here: --dump-demo works without the server's dependencies.
        from ymarket.simulator.app import Simulator
        from ymarket.simulator.server import run

        limits: dict[str, Any] = {}
        if max_requests is not None:
            limits["max_recorded_requests"] = max_requests
        if max_body_bytes is not None:
            limits["max_body_bytes"] = max_body_bytes
        try:
            status = run(
                Simulator(dataset=dataset, **limits),
                host,
                port,
                banner=dataset.summary() + "\n",
                say=_say_with_example if data is None else click.echo,
            )
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM, re-raised once the server stopped
            status = 0  # how a simulator is meant to stop
    sys.exit(status)


def _say_with_example(line: str) -> None:
    """Print a line of the server; after its address, a command to try on the demo data."""
    click.echo(line)
    if line.startswith("Serving on "):
        # Bound to every address, it answers on loopback too: the client's default is safe.
        url = line.split()[2].replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:")
        click.echo(
            f"Try: YANDEX_MARKET_BASE_URL={url} YANDEX_MARKET_API_KEY=demo-api-key "
            "ymarket offers delete --campaign-id 1001 SKU-00401"
        )
