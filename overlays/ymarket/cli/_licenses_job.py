"""``ymarket licenses upsert``: licenses from a file, journaled chunk by chunk, resumable.

Every row is checked first (by line, nothing sent). Then the rows are sent in
chunks of the spec's maxItems, one :meth:`ymarket.Client.update_outlet_licenses`
call per chunk, each journaled as "sending" before its request and "done" after
its answer (the journal of :mod:`ymarket.cli.journal`, its items being each
license as canonical JSON, so a resumed job matches rows whatever their order).

A chunk whose answer was lost (an ambiguous failure, Ctrl-C, SIGTERM or
``kill -9`` while it was in flight) may have been applied. Its changes (rows
with ``id``) are repeatable and are sent again on resume; its creations are
*uncertain*: sending them again could create them twice, and none of the four
operations of this API reads licenses back, so the command cannot tell. They
are listed, never resent, until the user has looked in the seller cabinet and
asks for it with ``--resend-uncertain``. The API's answer carries no ids, so the
ids of created licenses cannot be written out: the seller cabinet shows them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ymarket.cli._exit import ExitCode
from ymarket.cli._job import JobReport, JournaledJob
from ymarket.cli._licenses import LicenseRows
from ymarket.cli._output import Output
from ymarket.cli._session import Failure, describe, stopped_ambiguous
from ymarket.cli.journal import (
    Journal,
    JournalState,
    JournalWriteError,
    resume_hint,
)

if TYPE_CHECKING:
    from ymarket import Client

__all__ = ["UNCERTAIN_HELP", "LicensesJob", "LicensesReport"]

_OPERATION = "updateOutletLicenses"
_SHOWN = 20

UNCERTAIN_HELP = (
    "the API has no call to read licenses among the four this tool uses, so whether these "
    "were created cannot be checked from here: look for them in the seller cabinet (Market "
    "partner interface, outlets and licenses), then rerun with --resend-uncertain for those "
    "that are not there (remove the others from the file first)"
)
"""What to do about creations whose outcome is uncertain (shown with the list)."""


def _key(license_: dict[str, Any]) -> str:
    return json.dumps(license_, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@attrs.define
class LicensesReport(JobReport):
    """What the job did: this run's requests, and the rows of the whole job (every run)."""

    rows: int = 0
    done: int = 0
    created: int = 0
    changed: int = 0
    uncertain: list[str] = attrs.field(factory=list)
    not_attempted: int = 0

    @property
    def exit_code(self) -> ExitCode:
        """0 when every row is done, else 8 (some creations are uncertain)."""
        return ExitCode.UNCERTAIN if self.uncertain else ExitCode.OK

    def rows_json(self) -> dict[str, Any]:
        """The rows of the whole job by outcome (``--json``)."""
        return {
            "done": self.done,
            "uncertain": self.uncertain,
            "notAttempted": self.not_attempted,
        }

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document of a job that ran to its end."""
        return {
            "command": "licenses upsert",
            "ok": True,
            "exitCode": int(self.exit_code),
            "campaignId": self.campaign_id,
            "sent": self.sent,
            "requests": self.requests,
            "created": self.created,
            "changed": self.changed,
            "skippedAsDone": self.skipped,
            "rows": self.rows_json(),
            "journal": self.journal,
        }


class LicensesJob(JournaledJob):
    """One run of ``licenses upsert``."""

    name = "licenses"

    def __init__(
        self,
        client: Client,
        campaign_id: int,
        rows: LicenseRows,
        source: str,
        *,
        journal: Path | None,
        resend_uncertain: bool,
        output: Output,
    ) -> None:
        super().__init__(client, campaign_id, output, journal)
        self.rows = rows
        self.resend_uncertain = resend_uncertain
        self.report = LicensesReport(
            campaign_id, source, journal=str(self.journal_path), rows=len(rows.licenses)
        )
        self.keys = [_key(lic) for lic in rows.licenses]
        self.done: set[str] = set()
        self.in_flight: set[str] = set()

    def run(self) -> LicensesReport:
        """Send every row not done yet; return the report (raises after a failure)."""
        from ymarket import ApiError, TransportError

        report = self.report
        try:
            with Journal(
                self.journal_path,
                operation=_OPERATION,
                campaign_id=self.campaign_id,
                items_key="licenses",
            ) as journal:
                state = journal.open()
                self.done = set(state.done)
                self.in_flight = set(state.in_flight)
                report.skipped = sum(1 for k in self.keys if k in self.done)
                self._send(journal, state)
        except BaseException as error:
            stopped = isinstance(
                error, ApiError | TransportError | KeyboardInterrupt | JournalWriteError
            )
            self._totals()
            if self.temporary_journal and not self.sent_any:
                self.forget_journal(report)
            if stopped or self.sent_any:
                self._stopped()
            if isinstance(error, ApiError | TransportError | JournalWriteError):
                message, code, details = describe(error)
                raise Failure(message, code, {**details, "rows": report.rows_json()}) from error
            raise
        self._totals()
        if self.temporary_journal and not report.uncertain:
            self.forget_journal(report)
        return report

    def _send(self, journal: Journal, state: JournalState) -> None:
        from ymarket.spec import operation

        _, size = operation(_OPERATION).chunking()
        number = state.next_chunk
        chunk: list[int] = []
        for index, key in enumerate(self.keys):
            if key in self.done or (key in self.in_flight and not self._repeatable(index)):
                continue
            chunk.append(index)
            if len(chunk) == size:
                self._chunk(journal, number, chunk)
                number += 1
                chunk = []
        if chunk:
            self._chunk(journal, number, chunk)

    def _repeatable(self, index: int) -> bool:
        """A change (with ``id``) may be sent again; a creation only when the user says so."""
        return "id" in self.rows.licenses[index] or self.resend_uncertain

    def _chunk(self, journal: Journal, number: int, chunk: list[int]) -> None:
        from ymarket import ApiError, TransportError

        keys = [self.keys[i] for i in chunk]
        journal.sending(number, keys)
        self.sent_any = True
        self.in_flight.update(keys)
        try:
            result = self.client.update_outlet_licenses(
                self.campaign_id, [self.rows.licenses[i] for i in chunk]
            )
        except (ApiError, TransportError, KeyboardInterrupt) as error:
            if not stopped_ambiguous(error):  # unsent or refused: not in flight any more
                self.in_flight.difference_update(keys)
            head = (str(error).splitlines() or [type(error).__name__])[0]
            journal.failed(number, head, ambiguous=stopped_ambiguous(error))
            raise
        attempts = max((c.attempts for c in result.chunks), default=1)
        journal.done(number, (), attempts)
        self.done.update(keys)
        self.in_flight.difference_update(keys)
        self.report.sent += len(chunk)
        self.report.requests += 1

    def _totals(self) -> None:
        """Rows of the whole job: done, uncertain (creations in flight), not attempted."""
        report = self.report
        report.done = report.created = report.changed = report.not_attempted = 0
        report.uncertain = []
        for index, key in enumerate(self.keys):
            creates = "id" not in self.rows.licenses[index]
            if key in self.done:
                report.done += 1
                report.created += creates
                report.changed += not creates
            elif key in self.in_flight and creates:
                report.uncertain.append(self.rows.places[index])
            else:
                report.not_attempted += 1

    def _stopped(self) -> None:
        report = self.report
        note = self.output.note
        note(
            f"ymarket: licenses: {report.done} row(s) done, {len(report.uncertain)} uncertain, "
            f"{report.not_attempted} not attempted"
        )
        self.uncertain_notes()
        if report.journal is None:
            note("ymarket: nothing was sent")
        else:
            note(resume_hint(self.journal_path, temporary=self.temporary_journal))

    def uncertain_notes(self) -> None:
        """Name the creations whose outcome is uncertain, and how to find out (stderr)."""
        report = self.report
        if not report.uncertain:
            return
        shown = ", ".join(report.uncertain[:_SHOWN])
        more = (
            f" and {len(report.uncertain) - _SHOWN} more" if len(report.uncertain) > _SHOWN else ""
        )
        self.output.note(
            f"ymarket: {len(report.uncertain)} creation(s) may or may not have been applied "
            f"(their answer was lost: an ambiguous failure or a stop): {shown}{more}"
        )
        self.output.note(f"ymarket: {UNCERTAIN_HELP}")


def print_report(job: LicensesJob) -> None:
    """The summary of a job that ran to its end (or its JSON document)."""
    report, output = job.report, job.output
    job.uncertain_notes()
    if output.json_mode:
        output.document(report.to_json())
        return
    output.line(
        f"licenses upsert: campaign {report.campaign_id}: {report.sent} license(s) sent in "
        f"{report.requests} request(s): {report.created} created, {report.changed} changed"
    )
    if report.skipped:
        output.line(f"  skipped, done in an earlier run (journal): {report.skipped}")
