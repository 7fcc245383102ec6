"""``ymarket licenses``: licenses of points of sale (``licenses upsert``, ``licenses delete``)."""

from __future__ import annotations

import click

from ymarket.cli._exit import ExitCode
from ymarket.cli._options import CONTEXT, campaign_id_option, settings_of
from ymarket.cli._session import reported

__all__ = ["licenses"]


@click.group(context_settings=CONTEXT)
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
@campaign_id_option
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
    offset (2025-03-01 in Europe/Moscow -> 2025-03-01T00:00:00+03:00). After an
    ambiguous failure (one that may have been applied), a chunk that creates
    licenses is not repeated (it could create them twice): check the outlet
    before running again.
    """
    settings = settings_of(ctx)
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
@campaign_id_option
@click.argument("ids", nargs=-1, required=True, type=int, metavar="ID...")
@click.pass_context
def licenses_delete(ctx: click.Context, campaign_id: int, ids: tuple[int, ...]) -> None:
    """Delete licenses by the ids the Market assigned them (not license numbers)."""
    settings = settings_of(ctx)
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
