"""What the journaled bulk commands (``offers delete``, ``licenses upsert``) share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ymarket.cli._output import Output
from ymarket.cli.journal import temporary_journal

if TYPE_CHECKING:
    from ymarket import Client

__all__ = ["JobReport", "JournaledJob"]


@attrs.define
class JobReport:
    """What a run of a journaled job sent; each job adds the totals of the whole job."""

    campaign_id: int
    source: str
    skipped: int = 0
    sent: int = 0
    requests: int = 0
    journal: str | None = None


class JournaledJob:
    """A run of a job journaled chunk by chunk (a temporary journal without ``--journal``)."""

    def __init__(self, client: Client, campaign_id: int, output: Output, journal: Path | None):
        self.client = client
        self.campaign_id = campaign_id
        self.output = output
        self.temporary_journal = journal is None
        self.journal_path = journal if journal is not None else temporary_journal(self.name)
        self.sent_any = False
        """Whether a chunk was journaled as sending in this run (its journal is then kept)."""

    name = "job"
    """The job's name in its temporary journal's file name."""

    def forget_journal(self, report: JobReport) -> None:
        """Remove the temporary journal (nothing in it is needed to resume)."""
        self.journal_path.unlink(missing_ok=True)
        report.journal = None
