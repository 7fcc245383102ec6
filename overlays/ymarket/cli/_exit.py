"""Exit codes of the ``ymarket`` command: the one place their meaning is written.

The ``--help`` epilogs and the README's "Exit codes" table are made from
:class:`ExitCode` (the table is checked against :func:`exit_codes_table` by a test).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

__all__ = [
    "EXIT_CODES_HELP",
    "RESUMABLE",
    "ExitCode",
    "exit_codes_help",
    "exit_codes_table",
    "journaled_exit_codes_help",
]


class ExitCode(enum.IntEnum):
    """What the process's exit status means.

    Each member has ``brief`` (the phrase of the ``--help`` epilog) and
    ``meaning`` (the README table's text, Markdown).
    """

    brief: str
    meaning: str

    def __new__(cls, value: int, brief: str, meaning: str) -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.brief = brief
        member.meaning = meaning
        return member

    OK = (0, "done", "done (`offers delete`: every SKU deleted)")
    INTERNAL = (
        1,
        "unexpected error",
        "unexpected error (a bug; the traceback is printed)",
    )
    USAGE = (
        2,
        "bad usage or invalid input (nothing sent)",
        "bad usage or invalid input (no credentials, a bad SKU or CSV row, an undecodable "
        "argument or file, a `--journal` or `--not-deleted-out` that cannot be written, a "
        "refused request): nothing was sent",
    )
    NOT_DELETED = (
        3,
        "some SKUs were not deleted",
        "`offers delete` finished, but the API did not delete some SKUs (see `--not-deleted-out`)",
    )
    API_ERROR = (
        4,
        "API error",
        "the API refused a request after the retries (4xx, 420, 5xx); the line shows the "
        "status and the API's error codes",
    )
    NETWORK = (
        5,
        "network error",
        "network failure (timeout, connection refused or dropped) after the retries, or the "
        "shared pacing store (`--rate-limit-url`) not answering at start (then nothing was "
        "sent)",
    )
    DECLINED = (
        6,
        "confirmation declined",
        "a confirmation was declined; nothing was sent",
    )
    FILE_ERROR = (
        7,
        "a local file could not be written",
        "a local file could not be read or written while the job ran (disk full, I/O error): "
        "it stopped before its next request; with `--journal` the job resumes",
    )
    UNCERTAIN = (
        8,
        "some creations are uncertain",
        "`licenses upsert` finished, but some creations may or may not have been applied (their "
        "answer was lost); they are listed: check them in the seller cabinet, then "
        "`--resend-uncertain` those that are missing",
    )
    INTERRUPTED = (
        130,
        "interrupted",
        "interrupted (Ctrl-C or SIGTERM); the journal's path and the resume command are printed",
    )


def exit_codes_help(
    codes: Iterable[ExitCode] = ExitCode, briefs: Mapping[ExitCode, str] | None = None
) -> str:
    """The "Exit codes: ..." sentence of a ``--help`` epilog.

    ``codes`` are the ones a command can end with, in the order to show;
    ``briefs`` words some of them for that command.
    """
    briefs = briefs or {}
    return "Exit codes: " + "; ".join(f"{c.value} {briefs.get(c, c.brief)}" for c in codes) + "."


RESUMABLE = (ExitCode.API_ERROR, ExitCode.NETWORK, ExitCode.FILE_ERROR, ExitCode.INTERRUPTED)
"""The exit codes after which a journaled job resumes with the same command and journal."""


def journaled_exit_codes_help(
    done: Iterable[ExitCode], briefs: Mapping[ExitCode, str] | None = None
) -> str:
    """The exit codes of a journaled job: ``done`` (its own, in order), then the codes
    after which it resumes, and the sentence that says so."""
    codes = [str(c.value) for c in RESUMABLE]
    return (
        exit_codes_help((*done, *RESUMABLE), briefs)
        + f" After {', '.join(codes[:-1])} or {codes[-1]}, the same command with the same "
        "--journal resumes."
    )


def exit_codes_table() -> str:
    """The README's exit-code table (Markdown)."""
    rows = [f"| {c.value} | {c.meaning} |" for c in ExitCode]
    return "\n".join(["| code | meaning |", "| --- | --- |", *rows]) + "\n"


EXIT_CODES_HELP = exit_codes_help()
"""The exit codes of every command, as ``ymarket --help`` shows them."""
