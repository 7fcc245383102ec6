"""``ymarket orders``: orders of a store (``orders update-items``)."""

from __future__ import annotations

import sys
from typing import Any

import click

from ymarket.cli._exit import ExitCode, exit_codes_help
from ymarket.cli._options import SpecHelpOption, campaign_id_option, command_group, settings_of
from ymarket.cli._session import fail, reported

__all__ = ["orders"]


def _order_items_schema() -> dict[str, Any]:
    from ymarket.spec import operation

    schema = operation("updateOrderItems").request_body_schema
    assert schema is not None
    return schema


orders = command_group("orders", "Orders of a store.")


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
    "      --instance 1:cis=010460123456789021SERIAL0000001 --item 2=2 --item 3=1 --yes\n\n"
    + exit_codes_help(
        (
            ExitCode.OK,
            ExitCode.USAGE,
            ExitCode.DECLINED,
            ExitCode.API_ERROR,
            ExitCode.NETWORK,
            ExitCode.INTERRUPTED,
        )
    ),
)
@campaign_id_option
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
    cls=SpecHelpOption,
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
    cls=SpecHelpOption,
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
    settings = settings_of(ctx)
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
