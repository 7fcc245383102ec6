"""5. Soak with faults: 200,000 SKUs and 5,000 license upserts through the command.

The harness is tests/soak/harness.py; the default test run holds a short version
(tests/soak/test_soak.py, 50,000 SKUs and 2,000 upserts).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.benchmarks._common import Section, verdict
from tests.soak.harness import SoakSettings, run_soak


def run(section: Section, *, quick: bool = False) -> None:
    """Run the soak and add the rows of section 5."""
    settings = SoakSettings(skus=50_000, license_upserts=2_000) if quick else SoakSettings()
    with tempfile.TemporaryDirectory() as folder:
        report = run_soak(settings, Path(folder))
    faults = ", ".join(f"{status}: {n}" for status, n in report.statuses.items())
    section.add(
        f"{report.skus:,} SKUs: lost (neither deleted nor reported) / reported twice",
        f"{len(report.lost)} / {len(report.reported_twice)}",
        "target 0 / 0",
        verdict(not report.lost and not report.reported_twice),
    )
    section.add(
        "SKUs deleted / reported as not deleted",
        f"{report.deleted:,} / {report.reported_not_deleted:,}",
        f"sum {report.deleted + report.reported_not_deleted:,} of {report.skus:,}",
        verdict(report.deleted + report.reported_not_deleted == report.skus),
    )
    section.add(
        "reported as not deleted though a lost attempt deleted them",
        f"{report.retried_then_reported + report.resent_then_reported:,}",
        f"all in chunks repeated after an ambiguous failure ({report.retried_then_reported} "
        f"retried in-run, {report.resent_then_reported} resent on resume); unexplained: "
        f"{len(report.misreported)}",
        verdict(not report.misreported),
    )
    section.add(
        "journal: killed (SIGKILL) after / SKUs accepted twice by the server",
        f"{report.killed_after_chunks} chunks / {report.accepted_twice:,}",
        f"target: at most the one chunk in flight at the kill (500); runs' exit codes "
        f"{report.offers_runs}; the last run skipped {report.skipped_on_resume:,} SKUs as "
        f"done; the server received {report.sku_sends:,} SKUs in all (retries included)",
        verdict(report.killed_after_chunks > 0 and report.accepted_twice <= 500),
    )
    if report.run_errors:
        section.note(
            "Why runs stopped (each then resumed): " + "; ".join(sorted(set(report.run_errors)))
        )
    section.add(
        f"{settings.license_upserts:,} license upserts: duplicates / missing / not updated",
        f"{len(report.licenses_duplicated)} / {len(report.licenses_missing)} / "
        f"{len(report.licenses_not_updated)}",
        f"{report.licenses_created:,} created; runs' exit codes {report.licenses_runs}",
        verdict(
            not report.licenses_duplicated
            and not report.licenses_missing
            and not report.licenses_not_updated
        ),
    )
    section.add("answers by status (simulator's log)", faults, f"{report.seconds:.0f} s in all")
    section.note(
        f"Faults: {settings.error_rate:.0%} 500s and {settings.drop_rate:.0%} dropped "
        "connections on every request; from a chaos thread every 0.05-0.25 s one of: a "
        "latency spike (20-200 ms for 50-200 ms), a burst of 1-4 answers 420, or switching "
        "500s/drops to happen after the request took effect (or before). The command runs "
        "with --max-retries 6 --retry-backoff 0.02 and the client's pacing off "
        "(tests/soak/cli_entry.py); every failed run is run again as the command says "
        "(offers: same --journal; licenses: rows whose license now exists are left out)."
    )


if __name__ == "__main__":
    run(Section(5, "Soak with faults", "python -m tests.benchmarks --only 5"), quick=True)
