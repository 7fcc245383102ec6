"""``ymarket offers delete``: any number of SKUs, journaled chunk by chunk, resumable.

The input is checked whole first (line numbers, repeats), then read again and
sent in chunks of the spec's maxItems through :meth:`ymarket.Client.delete_campaign_offers`
(one call per chunk, so each chunk is journaled as "sending" before its request
and "done" after its answer). Totals and the not-deleted list are read back
from the journal, so they cover every run of the job and memory stays flat.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ymarket.cli._exit import ExitCode
from ymarket.cli._job import JobReport, JournaledJob
from ymarket.cli._output import Output
from ymarket.cli._session import stopped_ambiguous
from ymarket.cli._skus import InputError, SkuSource, check_skus
from ymarket.cli.journal import (
    Journal,
    JournalState,
    JournalWriteError,
    chunk_outcomes,
    resume_hint,
)

if TYPE_CHECKING:
    from ymarket import Client

__all__ = ["OffersJob", "OffersReport"]

_OPERATION = "deleteCampaignOffers"
_SHOWN = 10


@attrs.define
class OffersReport(JobReport):
    """What a run of the job did, and the totals of the whole job (every run)."""

    input_count: int = 0
    deleted: int = 0
    not_deleted: int = 0
    not_deleted_sample: list[str] = attrs.field(factory=list)
    not_deleted_file: str | None = None
    not_deleted_all: list[str] | None = None
    resent: int = 0
    resent_not_deleted: list[str] = attrs.field(factory=list)
    finished: bool = False
    finished_earlier: str | None = None

    @property
    def exit_code(self) -> ExitCode:
        """0 when every SKU was deleted, 3 when the API kept some."""
        return ExitCode.NOT_DELETED if self.not_deleted else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        data: dict[str, Any] = {
            "command": "offers delete",
            "ok": True,
            "finished": self.finished,
            "campaignId": self.campaign_id,
            "input": self.input_count,
            "skippedAsDone": self.skipped,
            "sent": self.sent,
            "requests": self.requests,
            "deleted": self.deleted,
            "notDeleted": self.not_deleted,
            "resent": self.resent,
            "resentNotDeleted": self.resent_not_deleted,
            "journal": self.journal,
            "finishedEarlier": self.finished_earlier,
            "exitCode": int(self.exit_code),
        }
        if self.not_deleted_file is not None:
            data["notDeletedFile"] = self.not_deleted_file
        if self.not_deleted_all is not None:
            data["notDeletedOfferIds"] = self.not_deleted_all
        return data


class OffersJob(JournaledJob):
    """One run of ``offers delete``."""

    name = "offers"

    def __init__(
        self,
        client: Client,
        campaign_id: int,
        source: SkuSource,
        *,
        journal: Path | None,
        not_deleted_out: Path | None,
        output: Output,
    ) -> None:
        super().__init__(client, campaign_id, output, journal)
        self.source = source
        self.not_deleted_out = not_deleted_out
        self.report = OffersReport(campaign_id, source.name, journal=str(self.journal_path))
        # --json without --not-deleted-out lists every kept SKU in the document.
        self.collect_not_deleted = output.json_mode and not_deleted_out is None

    def _check_not_deleted_out(self) -> None:
        """Fail before the first request when ``--not-deleted-out`` cannot be written."""
        target = self.not_deleted_out
        if target is None:
            return
        partial = target.with_name(target.name + ".part")
        try:
            partial.open("w", encoding="utf-8").close()
            partial.unlink()
        except OSError as error:
            raise InputError(
                f"--not-deleted-out {target}: cannot write it ({error.strerror}); nothing was sent"
            ) from error

    def run(self) -> OffersReport:
        """Check, send what is not done yet, write the not-deleted list; return the report."""
        from ymarket import ApiError, TransportError

        report = self.report
        try:
            self._check_not_deleted_out()
            with Journal(
                self.journal_path, operation=_OPERATION, campaign_id=self.campaign_id
            ) as j:
                state = j.open()
                report.input_count = check_skus(self.source, self.campaign_id)
                if state.done:  # a resumed job: one more pass counts what is skipped
                    report.skipped = sum(1 for _, sku in self.source if sku in state.done)
                if state.finished_at is None:
                    self._send(j, state)
                    j.finished(report.input_count)
                else:  # a recurring job given its old journal: say so, send nothing
                    report.finished_earlier = state.finished_at
            report.finished = True
        except BaseException as error:
            ambiguous = stopped_ambiguous(error)
            stopped = isinstance(
                error, ApiError | TransportError | KeyboardInterrupt | JournalWriteError
            )
            if self.sent_any:
                # The primary error goes on; a list that cannot be written is not named.
                with contextlib.suppress(Exception):
                    self._totals()
            nothing_to_resume = report.deleted + report.not_deleted == 0 and not ambiguous
            if self.temporary_journal and (not self.sent_any or (stopped and nothing_to_resume)):
                self.forget_journal(report)
            elif stopped or self.sent_any:  # an unexpected error keeps the journal too
                self._stopped(ambiguous=ambiguous)
            raise
        self._totals()
        if self.temporary_journal:
            self.forget_journal(report)
        return report

    def _send(self, journal: Journal, state: JournalState) -> None:
        from ymarket import ApiError, TransportError
        from ymarket.spec import operation

        report = self.report
        _, size = operation(_OPERATION).chunking()
        to_send = report.input_count - report.skipped
        if to_send == 0:
            return
        progress = self.output.progress("offers delete", to_send, "SKUs")
        chunk_number = state.next_chunk
        kept = 0
        try:
            chunk: list[str] = []
            for _, sku in self.source:
                if sku in state.done:
                    continue
                chunk.append(sku)
                if len(chunk) < size:
                    continue
                kept += self._chunk(journal, state, chunk_number, chunk)
                progress.advance(len(chunk), f"{kept} not deleted")
                chunk_number += 1
                chunk = []
            if chunk:
                kept += self._chunk(journal, state, chunk_number, chunk)
                progress.advance(len(chunk), f"{kept} not deleted")
        except (ApiError, TransportError) as error:
            journal.failed(
                chunk_number, str(error).splitlines()[0], ambiguous=stopped_ambiguous(error)
            )
            raise
        finally:
            progress.close()

    def _chunk(self, journal: Journal, state: JournalState, number: int, chunk: list[str]) -> int:
        """Send one chunk, journaled before and after; return how many SKUs the API kept."""
        journal.sending(number, chunk)
        self.sent_any = True
        result = self.client.delete_campaign_offers(self.campaign_id, chunk)
        attempts = max((c.attempts for c in result.chunks), default=1)
        # Sent again, after an interrupted run or after an ambiguous failure in this
        # run: what the earlier attempt deleted now comes back as kept. The journal
        # keeps the mark, so the totals of every later run show it too.
        repeated = any(c.repeated_after_ambiguous_failure for c in result.chunks)
        resent = [sku for sku in chunk if repeated or sku in state.in_flight]
        journal.done(number, result.not_deleted_offer_ids, attempts, resent)
        report = self.report
        report.sent += len(chunk)
        report.requests += 1
        return len(result.not_deleted_offer_ids)

    def _totals(self) -> None:
        """Totals of the whole job and the not-deleted list, read back from the journal."""
        report = self.report
        report.deleted = report.not_deleted = report.resent = 0
        report.resent_not_deleted = []
        report.not_deleted_sample = []
        report.not_deleted_all = [] if self.collect_not_deleted else None
        target = self.not_deleted_out
        partial = target.with_name(target.name + ".part") if target is not None else None
        out = partial.open("w", encoding="utf-8", newline="\n") if partial is not None else None
        try:
            for outcome in chunk_outcomes(self.journal_path):
                kept = outcome.not_deleted
                report.deleted += len(outcome.skus) - len(kept)
                report.not_deleted += len(kept)
                if outcome.resent:
                    report.resent += len(outcome.resent)
                    kept_set = set(kept)
                    report.resent_not_deleted += [s for s in outcome.resent if s in kept_set]
                if len(report.not_deleted_sample) < _SHOWN:
                    report.not_deleted_sample += kept[: _SHOWN - len(report.not_deleted_sample)]
                if out is not None:
                    out.writelines(f"{sku}\n" for sku in kept)
                if report.not_deleted_all is not None:
                    report.not_deleted_all += kept
        finally:
            if out is not None:
                out.close()
        if target is not None and partial is not None:
            partial.replace(target)  # the list appears whole or not at all
            report.not_deleted_file = str(target)

    def _stopped(self, *, ambiguous: bool) -> None:
        report = self.report
        done = report.deleted + report.not_deleted
        left = report.input_count - done if report.input_count else None
        self.output.note(
            f"ymarket: stopped after {done} SKU(s) done"
            + (f", {left} not done" if left is not None else "")
            + (
                f"; not-deleted so far in {report.not_deleted_file}"
                if report.not_deleted_file
                else ""
            )
        )
        if ambiguous:
            self.output.note(
                "ymarket: the last chunk failed ambiguously (it may have been applied); it is "
                "sent again on resume (its SKUs deleted by then come back as not deleted)"
            )
        self.output.note(resume_hint(self.journal_path, temporary=self.temporary_journal))


def print_report(report: OffersReport, output: Output) -> None:
    """The human summary (or the JSON document)."""
    if output.json_mode:
        output.document(report.to_json())
        return
    output.line(
        f"offers delete: campaign {report.campaign_id}, {report.input_count} SKU(s) "
        f"from {report.source}"
    )
    if report.finished_earlier:
        output.line(
            f"  the journal's job finished earlier ({report.finished_earlier}): nothing was "
            "sent; the totals below are that job's (a new run needs a new --journal file)"
        )
    if report.skipped:
        output.line(f"  skipped, done in an earlier run (journal): {report.skipped}")
    output.line(f"  sent now: {report.sent} SKU(s) in {report.requests} request(s)")
    output.line(f"  deleted: {report.deleted}")
    if report.not_deleted:
        where = (
            f" -> {report.not_deleted_file}"
            if report.not_deleted_file
            else f" (first: {', '.join(repr(s) for s in report.not_deleted_sample)}; "
            "--not-deleted-out FILE saves the list)"
        )
        output.line(
            f"  not deleted: {report.not_deleted} (not found, or stored in a Market "
            f"warehouse){where}"
        )
    else:
        output.line("  not deleted: 0")
    if report.resent:
        output.line(
            f"  resent after an interrupted run or an ambiguous failure: "
            f"{report.resent} SKU(s); {len(report.resent_not_deleted)} of them came back as "
            "not deleted (not found, stored in a Market warehouse, or already deleted by the "
            "earlier attempt)"
        )
