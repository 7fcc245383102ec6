"""The ``ymarket`` commands (click). Each command imports what it needs when it runs,
so ``ymarket --help`` loads neither httpx nor the simulator nor rich."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ymarket.cli._exit import EXIT_CODES_HELP, ExitCode
from ymarket.cli._session import Settings, fail, reported


class _SpecHelpOption(click.Option):
    """An option whose help text is read from the compiled spec, only when help is shown
    (importing the spec would slow every start of the command)."""

    def __init__(self, *args: Any, spec_help: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spec_help = spec_help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = self._spec_help()
        return super().get_help_record(ctx)


def _order_items_schema() -> dict[str, Any]:
    from ymarket.spec import operation

    schema = operation("updateOrderItems").request_body_schema
    assert schema is not None
    return schema


__all__ = ["cli"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert settings is not None
    return settings


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from ymarket.spec import spec_version

        click.echo(f"ymarket {spec_version()}")
        ctx.exit()


@click.group(
    context_settings=_CONTEXT,
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
    )
    settings.setup_logging()
    ctx.obj = settings


# -- demo and simulator --------------------------------------------------------


@cli.command(
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
    settings = _settings(ctx)
    with reported(settings, "demo"):
        from ymarket.cli._demo import run_demo

        run_demo(settings)


@cli.command(
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
    settings = _settings(ctx)
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


# -- offers --------------------------------------------------------------------


@cli.group(context_settings=_CONTEXT)
def offers() -> None:
    """SKUs of a store's assortment."""


@offers.command(
    "delete",
    epilog="\b\nExamples:\n"
    "  ymarket offers delete --campaign-id 1001 SKU-1 SKU-2\n"
    "  ymarket offers delete --campaign-id 1001 --from-file skus.txt \\\n"
    "      --journal skus.journal --not-deleted-out kept.txt\n"
    "  cut -f1 export.tsv | ymarket offers delete --campaign-id 1001 --from-file -\n\n"
    "Exit codes: 0 every SKU deleted; 3 some were not deleted (not found, or stored in a\n"
    "Market warehouse); 2 invalid input (nothing sent); 4 API error; 5 network error;\n"
    "130 interrupted. After 4, 5 or 130, the same command with the same --journal resumes.",
)
@click.option("--campaign-id", required=True, type=int, help="The store (campaign) id.")
@click.option(
    "--from-file",
    metavar="FILE",
    help="One SKU per line (UTF-8; `-` reads stdin). Lines are checked before anything is sent.",
)
@click.option(
    "--journal",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record each chunk's outcome here; rerun with the same file to resume without "
    "resending what succeeded.",
)
@click.option(
    "--not-deleted-out",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the SKUs the API did not delete, one per line.",
)
@click.argument("skus", nargs=-1, metavar="[SKU]...")
@click.pass_context
def offers_delete(
    ctx: click.Context,
    campaign_id: int,
    from_file: str | None,
    journal: Path | None,
    not_deleted_out: Path | None,
    skus: tuple[str, ...],
) -> None:
    """Delete any number of SKUs, in chunks, with progress, resumable with --journal.

    Every SKU is checked against the spec first (a bad or repeated one is reported
    by line number and nothing is sent). A chunk interrupted in flight is sent
    again on resume; SKUs it had deleted then come back as not deleted.
    """
    settings = _settings(ctx)
    if bool(skus) == (from_file is not None):
        raise click.UsageError("give SKUs as arguments or --from-file FILE (or -), not both")
    with reported(settings, "offers delete"):
        from ymarket.cli._offers import OffersJob, print_report
        from ymarket.cli._skus import SkuSource

        source = SkuSource(skus, from_file)
        try:
            with settings.client() as client:
                job = OffersJob(
                    client,
                    campaign_id,
                    source,
                    journal=journal,
                    not_deleted_out=not_deleted_out,
                    output=settings.output,
                )
                report = job.run()
                print_report(report, settings.output)
        finally:
            source.close()
    sys.exit(report.exit_code)


# -- licenses ------------------------------------------------------------------


@cli.group(context_settings=_CONTEXT)
def licenses() -> None:
    """Licenses of points of sale (outlets), e.g. for alcohol."""


@licenses.command(
    "upsert",
    epilog="\b\nExample licenses.csv:\n"
    "  id,outletId,licenseType,number,dateOfIssue,dateOfExpiry,tz\n"
    "  ,502,ALCOHOL,77RPA0100001,2025-03-01,2030-02-28,Europe/Moscow\n"
    "  9001,501,ALCOHOL,77RPA0012345,2024-01-15,2031-01-14,+03:00\n\n"
    "  ymarket licenses upsert --campaign-id 1001 --from-file licenses.csv",
)
@click.option("--campaign-id", required=True, type=int, help="The store (campaign) id.")
@click.option(
    "--from-file",
    required=True,
    metavar="FILE",
    help="CSV (header row) or JSON (array of objects) with the API's field names; rows "
    "without id create a license, rows with id change it.",
)
@click.option(
    "--tz",
    metavar="ZONE",
    help="Zone or UTC offset for rows without a tz column/key (Europe/Moscow, +03:00).",
)
@click.pass_context
def licenses_upsert(ctx: click.Context, campaign_id: int, from_file: str, tz: str | None) -> None:
    """Create or change licenses from a file; dates as plain dates plus a zone.

    A plain date is sent as 00:00:00 local time of the point of sale with its UTC
    offset (2025-03-01 in Europe/Moscow -> 2025-03-01T00:00:00+03:00). After a
    failure that may have been applied, a chunk that creates licenses is not
    retried (it could create them twice): check the outlet before running again.
    """
    settings = _settings(ctx)
    with reported(settings, "licenses upsert"):
        from ymarket import ValidationError
        from ymarket.cli._licenses import read_licenses
        from ymarket.cli._session import Failure

        rows = read_licenses(from_file, tz)
        with settings.client() as client:
            try:
                result = client.update_outlet_licenses(campaign_id, rows.licenses)
            except ValidationError as error:
                problems = [
                    f"{rows.place_of(p.path)}: {p.rule}: {p.message}"
                    if p.location == "body"
                    else str(p)
                    for p in error.problems
                ]
                raise Failure(
                    f"{len(problems)} problem(s) in {from_file}, nothing was sent:\n"
                    + "\n".join(f"  {p}" for p in problems[:20]),
                    ExitCode.USAGE,
                    {"problems": problems},
                ) from error
        created = sum(1 for lic in rows.licenses if "id" not in lic)
        settings.output.line(
            f"licenses upsert: campaign {campaign_id}: {result.count} license(s) sent in "
            f"{len(result.chunks)} request(s): {created} created, "
            f"{result.count - created} changed"
        )
        settings.output.document(
            {
                "command": "licenses upsert",
                "ok": True,
                "exitCode": 0,
                "campaignId": campaign_id,
                "sent": result.count,
                "requests": len(result.chunks),
                "created": created,
                "changed": result.count - created,
            }
        )


@licenses.command(
    "delete", epilog="\b\nExample:\n  ymarket licenses delete --campaign-id 1001 9001 9002"
)
@click.option("--campaign-id", required=True, type=int, help="The store (campaign) id.")
@click.argument("ids", nargs=-1, required=True, type=int, metavar="ID...")
@click.pass_context
def licenses_delete(ctx: click.Context, campaign_id: int, ids: tuple[int, ...]) -> None:
    """Delete licenses by the ids the Market assigned them (not license numbers)."""
    settings = _settings(ctx)
    with reported(settings, "licenses delete"), settings.client() as client:
        result = client.delete_outlet_licenses(campaign_id, list(ids))
        settings.output.line(
            f"licenses delete: campaign {campaign_id}: {result.count} id(s) sent in "
            f"{len(result.chunks)} request(s): OK"
        )
        settings.output.document(
            {
                "command": "licenses delete",
                "ok": True,
                "exitCode": 0,
                "campaignId": campaign_id,
                "ids": list(ids),
                "requests": len(result.chunks),
            }
        )


# -- orders --------------------------------------------------------------------


@cli.group(context_settings=_CONTEXT)
def orders() -> None:
    """Orders of a store."""


def _interactive() -> bool:
    """Whether a confirmation can be asked (stdin is a terminal)."""
    return sys.stdin.isatty()


def _parse_items(items: tuple[str, ...], instances: tuple[str, ...]) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = []
    by_id: dict[int, dict[str, Any]] = {}
    for text in items:
        item_id, equals, count = text.partition("=")
        try:
            item = {"id": int(item_id), "count": int(count)}
        except ValueError as error:
            raise click.BadParameter(
                f"{text!r}: expected ID=COUNT, e.g. 2=1", param_hint="--item"
            ) from error
        if not equals:
            raise click.BadParameter(f"{text!r}: expected ID=COUNT", param_hint="--item")
        parsed.append(item)
        by_id.setdefault(item["id"], item)
    for text in instances:
        head, equals, value = text.partition("=")
        item_id, colon, kind = head.partition(":")
        if not (equals and colon) or not item_id.strip().isdigit():
            raise click.BadParameter(
                f"{text!r}: expected ITEM_ID:KIND=VALUE, e.g. 1:cis=0104601234567890...",
                param_hint="--instance",
            )
        target = by_id.get(int(item_id))
        if target is None:
            raise click.BadParameter(
                f"{text!r}: item {item_id} is not given with --item", param_hint="--instance"
            )
        target.setdefault("instances", []).append({kind: value})
    return parsed


@orders.command(
    "update-items",
    epilog="\b\nExamples:\n"
    "  # order 70001 keeps item 2 (one unit) and item 3; item 1 and any other are REMOVED\n"
    "  ymarket orders update-items --campaign-id 1001 --order-id 70001 \\\n"
    "      --item 2=1 --item 3=1 --reason PARTNER_REQUESTED_REMOVE\n"
    "  # a labelled item keeps one instance per unit\n"
    "  ymarket orders update-items --campaign-id 1001 --order-id 70001 --item 1=1 \\\n"
    "      --instance 1:cis=010460123456789021SERIAL0000001 --item 2=2 --item 3=1 --yes",
)
@click.option("--campaign-id", required=True, type=int, help="The store (campaign) id.")
@click.option("--order-id", required=True, type=int, help="The order id.")
@click.option(
    "--item",
    "items",
    multiple=True,
    required=True,
    metavar="ID=COUNT",
    help="An item that stays and its new count (0 removes it). Repeat for each item.",
)
@click.option(
    "--instance",
    "instances",
    multiple=True,
    metavar="ID:KIND=VALUE",
    cls=_SpecHelpOption,
    spec_help=lambda: (
        "A labelled unit that stays (KIND: "
        + ", ".join(
            _order_items_schema()["properties"]["items"]["items"]["properties"]["instances"][
                "items"
            ]["properties"]
        )
        + "). Repeat per unit."
    ),
)
@click.option(
    "--reason",
    metavar="REASON",
    cls=_SpecHelpOption,
    spec_help=lambda: (
        "Why the items change: "
        + " or ".join(_order_items_schema()["properties"]["reason"]["enum"])
        + "."
    ),
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask before replacing the items.")
@click.pass_context
def orders_update_items(
    ctx: click.Context,
    campaign_id: int,
    order_id: int,
    items: tuple[str, ...],
    instances: tuple[str, ...],
    reason: str | None,
    yes: bool,
) -> None:
    """Replace an order's items: reduce counts, remove items (PROCESSING/STARTED orders).

    The API REPLACES the order's list: every item not given with --item is
    REMOVED from the order. Asks for confirmation unless --yes.
    """
    settings = _settings(ctx)
    parsed = _parse_items(items, instances)
    with reported(settings, "orders update-items"):
        summary = ", ".join(f"item {i['id']} x{i['count']}" for i in parsed)
        if not yes:
            if not _interactive():
                fail(
                    "this replaces the order's items; confirm with --yes (stdin is not a terminal)"
                )
            click.echo(
                f"Order {order_id} will have exactly: {summary}.\n"
                "Every item of the order NOT listed here is REMOVED.",
                err=True,
            )
            if not click.confirm("Send?", default=False, err=True):
                settings.output.note("ymarket: not sent")
                sys.exit(ExitCode.DECLINED)
        with settings.client() as client:
            result = client.update_order_items(campaign_id, order_id, parsed, reason=reason)
        settings.output.line(
            f"orders update-items: order {order_id} of campaign {campaign_id} now has: "
            f"{summary} (every other item removed)"
        )
        settings.output.document(
            {
                "command": "orders update-items",
                "ok": True,
                "exitCode": 0,
                "campaignId": campaign_id,
                "orderId": order_id,
                "items": list(result.items),
                "attempts": result.attempts,
            }
        )
