"""``ymarket licenses``: licenses of points of sale (``licenses upsert``, ``licenses delete``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ymarket.cli._exit import ExitCode, exit_codes_help, journaled_exit_codes_help
from ymarket.cli._options import campaign_id_option, command_group, journal_option, settings_of
from ymarket.cli._session import reported

__all__ = ["licenses"]


licenses = command_group("licenses", "Licenses of points of sale (outlets), e.g. for alcohol.")


@licenses.command(
    "upsert",
    epilog="\b\nExample licenses.csv:\n"
    "  id,outletId,licenseType,number,dateOfIssue,dateOfExpiry,tz\n"
    "  ,502,ALCOHOL,77RPA0100001,2025-03-01,2030-02-28,Europe/Moscow\n"
    "  9001,501,ALCOHOL,77RPA0012345,2024-01-15,2031-01-14,+03:00\n\n"
    "  ymarket licenses upsert --campaign-id 1001 --from-file licenses.csv\n"
    "  ymarket licenses upsert --campaign-id 1001 --from-file licenses.csv \\\n"
    "      --journal licenses.journal\n\n"
    + journaled_exit_codes_help(
        (ExitCode.OK, ExitCode.UNCERTAIN, ExitCode.USAGE), {ExitCode.OK: "every row done"}
    ),
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
@click.option(
    "--encoding",
    metavar="NAME",
    help="The file's encoding (default UTF-8, with or without a BOM; e.g. cp1251).",
)
@journal_option("sending a row twice")
@click.option(
    "--resend-uncertain",
    is_flag=True,
    help="With --journal: send again the creations whose outcome is uncertain (only after "
    "checking in the seller cabinet that they were not created: else they exist twice).",
)
@click.pass_context
def licenses_upsert(
    ctx: click.Context,
    campaign_id: int,
    from_file: str,
    tz: str | None,
    encoding: str | None,
    journal: Path | None,
    resend_uncertain: bool,
) -> None:
    """Create or change licenses from a file; dates as plain dates plus a zone.

    A plain date is sent as 00:00:00 local time of the point of sale with its UTC
    offset (2025-03-01 in Europe/Moscow -> 2025-03-01T00:00:00+03:00). Rows are
    sent in chunks, each journaled; a resumed job sends no row twice. After an
    ambiguous failure (one that may have been applied) the creations of that chunk
    are uncertain: they are listed and never resent on their own, as the API has no
    call here to read licenses back (the seller cabinet shows them, and the ids of
    created licenses, which the API's answer does not carry).
    """
    settings = settings_of(ctx)
    with reported(settings, "licenses upsert"):
        from ymarket import ValidationError
        from ymarket.cli._licenses import read_licenses
        from ymarket.cli._licenses_job import LicensesJob, print_report
        from ymarket.cli._session import Failure
        from ymarket.validation import check_request

        rows = read_licenses(from_file, tz, encoding)

        def refused(problems: list[str]) -> Failure:
            return Failure(
                f"{len(problems)} problem(s) in {from_file}, nothing was sent:\n"
                + "\n".join(f"  {p}" for p in problems[:20]),
                ExitCode.USAGE,
                {"problems": problems},
            )

        # The whole file is checked before its first chunk is sent.
        check = check_request(
            "updateOutletLicenses",
            path_params={"campaignId": campaign_id},
            body={"licenses": rows.licenses},
            bulk=True,
        )
        if check.errors:
            raise refused([rows.describe(p) for p in check.errors])
        with settings.client() as client:
            job = LicensesJob(
                client,
                campaign_id,
                rows,
                from_file,
                journal=journal,
                resend_uncertain=resend_uncertain,
                output=settings.output,
            )
            try:
                report = job.run()
            except ValidationError as error:
                raise refused([rows.describe(p) for p in error.problems]) from error
        print_report(job)
    sys.exit(report.exit_code)


@licenses.command(
    "delete",
    epilog="\b\nExample:\n  ymarket licenses delete --campaign-id 1001 9001 9002\n\n"
    + exit_codes_help(
        (ExitCode.OK, ExitCode.USAGE, ExitCode.API_ERROR, ExitCode.NETWORK, ExitCode.INTERRUPTED)
    ),
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
