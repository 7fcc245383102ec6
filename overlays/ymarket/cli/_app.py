"""The ``ymarket`` group: its global options, and the commands of ``ymarket.cli.commands``.

Each command imports what it needs when it runs, so ``ymarket --help`` loads
neither httpx nor the simulator nor rich."""

from __future__ import annotations

import click

from ymarket.cli._exit import EXIT_CODES_HELP
from ymarket.cli._options import CONTEXT
from ymarket.cli._session import Settings
from ymarket.cli.commands.demo import demo
from ymarket.cli.commands.licenses import licenses
from ymarket.cli.commands.offers import offers
from ymarket.cli.commands.orders import orders
from ymarket.cli.commands.simulator import simulator

__all__ = ["cli"]


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from ymarket.spec import spec_version

        click.echo(f"ymarket {spec_version()}")
        ctx.exit()


@click.group(
    context_settings=CONTEXT,
    epilog="\b\n"
    "Examples:\n"
    "  ymarket demo\n"
    "  ymarket --simulator offers delete --campaign-id 1001 SKU-00401 SKU-00402\n"
    "  YANDEX_MARKET_API_KEY=... ymarket offers delete --campaign-id 1001 "
    "--from-file skus.txt --journal skus.journal\n\n" + EXIT_CODES_HELP,
)
@click.option(
    "--api-key",
    metavar="KEY",
    help="API key (default: $YANDEX_MARKET_API_KEY; an option is visible to other users "
    "in the process list, the variable is not).",
)
@click.option(
    "--oauth-token",
    metavar="TOKEN",
    help="OAuth token instead (default: $YANDEX_MARKET_OAUTH_TOKEN).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="API root (default: $YANDEX_MARKET_BASE_URL, else production).",
)
@click.option(
    "--simulator",
    is_flag=True,
    help="Run the command against an in-process simulator with the demo data (demo key).",
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document on stdout.")
@click.option("-v", "--verbose", count=True, help="Log each request on stderr (-vv: bodies too).")
@click.option(
    "--max-retries",
    type=click.IntRange(min=0),
    metavar="N",
    help="Retries per request (default 3).",
)
@click.option(
    "--retry-backoff",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="First wait before a retry, doubling (default: 5 s after a 420, 0.5 s after a 5xx).",
)
@click.option(
    "--rate-tier",
    metavar="TIER",
    help=(
        "Pace to this quota tier of the spec (e.g. extended) instead of each operation's "
        "default; 'off' sends without client-side pacing (the server's 420s are still retried)."
    ),
)
@click.option(
    "--rate-limit-url",
    metavar="URL",
    help="Share the quotas with every process and host pacing through this Redis "
    "(redis://HOST:PORT/DB, rediss:// for TLS; default: $YANDEX_MARKET_RATE_LIMIT_URL, else "
    "this process paces alone).",
)
@click.option(
    "--allow-insecure-http",
    is_flag=True,
    help="Allow plain http:// to a host that is not loopback (a simulator on another "
    "machine); the credentials then cross the network readable.",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the version (the spec's) and exit.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    api_key: str | None,
    oauth_token: str | None,
    base_url: str | None,
    simulator: bool,
    json_output: bool,
    verbose: int,
    max_retries: int | None,
    retry_backoff: float | None,
    rate_tier: str | None,
    rate_limit_url: str | None,
    allow_insecure_http: bool,
) -> None:
    """Yandex Market Partner API from the terminal: bulk SKU deletion, outlet licenses,
    order items; `ymarket demo` shows it all against the built-in simulator."""
    if api_key is not None and oauth_token is not None:
        raise click.UsageError("give --api-key or --oauth-token, not both")
    settings = Settings(
        api_key=api_key,
        oauth_token=oauth_token,
        base_url=base_url,
        simulator=simulator,
        json=json_output,
        verbose=verbose,
        max_retries=max_retries,
        retry_backoff=retry_backoff,
        rate_tier=rate_tier,
        rate_limit_url=rate_limit_url,
        allow_insecure_http=allow_insecure_http,
    )
    settings.setup_logging()
    ctx.obj = settings


for _command in (demo, simulator, offers, licenses, orders):
    cli.add_command(_command)


def global_options_first(args: list[str]) -> list[str]:
    """``args`` with the global options given after the subcommand moved before it.

    ``ymarket offers delete ... --json`` then means ``ymarket --json offers delete ...``.
    The options are the group's own (read from it); nothing after ``--`` moves.
    """
    valued: set[str] = set()
    flags: set[str] = set()
    for param in cli.params:
        if isinstance(param, click.Option) and param.expose_value:
            names = [*param.opts, *param.secondary_opts]
            (flags if param.is_flag or param.count else valued).update(names)
    moved: list[str] = []
    rest: list[str] = []
    in_command = False
    index = 0
    while index < len(args):
        token = args[index]
        name = token.split("=", 1)[0]
        if token == "--":
            rest += args[index:]
            break
        if not in_command:
            take = 2 if token in valued else 1
            rest += args[index : index + take]
            in_command = not token.startswith("-")
            index += take
            continue
        short_count = token.startswith("-v") and set(token[1:]) == {"v"}
        if name in valued:
            take = 1 if "=" in token else 2
            moved += args[index : index + take]
            index += take
            continue
        if token in flags or short_count:
            moved.append(token)
        else:
            rest.append(token)
        index += 1
    return moved + rest
