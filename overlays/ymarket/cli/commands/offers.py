"""``ymarket offers``: SKUs of a store's assortment (``offers delete``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ymarket.cli._exit import ExitCode, journaled_exit_codes_help
from ymarket.cli._options import campaign_id_option, command_group, journal_option, settings_of
from ymarket.cli._session import reported

__all__ = ["offers"]

_EXIT_CODES = journaled_exit_codes_help(
    (ExitCode.OK, ExitCode.NOT_DELETED, ExitCode.USAGE),
    {
        ExitCode.OK: "every SKU deleted",
        ExitCode.NOT_DELETED: "some were not deleted (not found, or stored in a Market warehouse)",
        ExitCode.USAGE: "invalid input (nothing sent)",
    },
)


offers = command_group("offers", "SKUs of a store's assortment.")


@offers.command(
    "delete",
    epilog="\b\nExamples:\n"
    "  ymarket offers delete --campaign-id 1001 SKU-1 SKU-2\n"
    "  ymarket offers delete --campaign-id 1001 --from-file skus.txt \\\n"
    "      --journal skus.journal --not-deleted-out kept.txt\n"
    "  cut -f1 export.tsv | ymarket offers delete --campaign-id 1001 --from-file -\n\n"
    + _EXIT_CODES,
)
@campaign_id_option
@click.option(
    "--from-file",
    metavar="FILE",
    help="One SKU per line (UTF-8; `-` reads stdin). Lines are checked before anything is sent.",
)
@journal_option("resending what succeeded")
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
    settings = settings_of(ctx)
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
