"""Exit codes of the ``ymarket`` command (documented in the README and in ``--help``)."""

from __future__ import annotations

import enum

__all__ = ["EXIT_CODES_HELP", "ExitCode"]


class ExitCode(enum.IntEnum):
    """What the process's exit status means."""

    OK = 0
    """Everything asked for was done."""
    INTERNAL = 1
    """An unexpected failure (a bug: please report it with the traceback)."""
    USAGE = 2
    """Bad command line or invalid input (credentials missing, a bad SKU, a bad CSV row):
    nothing was sent."""
    NOT_DELETED = 3
    """The job finished, but the API kept some SKUs (listed in --not-deleted-out)."""
    API_ERROR = 4
    """The API refused a request (an HTTP error after the retries: 4xx, 420, 5xx)."""
    NETWORK = 5
    """The network failed (timeout, connection refused or dropped) after the retries."""
    DECLINED = 6
    """A confirmation was declined; nothing was sent."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C); with --journal the job resumes where it stopped."""


EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 unexpected error; 2 bad usage or invalid input (nothing sent); "
    "3 some SKUs were not deleted; 4 API error; 5 network error; 6 confirmation declined; "
    "130 interrupted."
)
