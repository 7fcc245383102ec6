"""The global options, the Client they make, and failures turned into one line and an exit code."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import attrs

from ymarket.cli._exit import ExitCode
from ymarket.cli._output import Output, clean

if TYPE_CHECKING:
    from ymarket import Client, RateLimiter

__all__ = ["Failure", "Settings", "Terminated", "describe", "fail", "reported", "stopped_ambiguous"]


class Failure(Exception):
    """An expected failure: print ``message`` on one line and exit with ``code``."""

    def __init__(self, message: str, code: ExitCode, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    """Stop the command with an expected failure."""
    raise Failure(message, code)


_NO_CREDENTIALS = (
    "no credentials: pass --api-key or --oauth-token, or set "
    "YANDEX_MARKET_API_KEY or YANDEX_MARKET_OAUTH_TOKEN (or try --simulator)"
)


@attrs.define
class Settings:
    """The global options of ``ymarket``."""

    api_key: str | None = None
    oauth_token: str | None = None
    base_url: str | None = None
    simulator: bool = False
    json: bool = False
    verbose: int = 0
    max_retries: int | None = None
    retry_backoff: float | None = None
    rate_tier: str | None = None
    rate_limit_url: str | None = None
    allow_insecure_http: bool = False
    _output: Output | None = attrs.field(default=None, init=False, repr=False)
    _limiters: list[RateLimiter] = attrs.field(factory=list, init=False, repr=False)

    @property
    def output(self) -> Output:
        """Where the command reports (one for the whole command)."""
        if self._output is None:
            self._output = Output(json_mode=self.json)
        return self._output

    def _sleep(self, seconds: float) -> None:
        """The client's sleep: the progress display shows the wait while it lasts."""
        self.output.waiting(seconds)
        try:
            time.sleep(seconds)
        finally:
            self.output.waiting(0)

    def setup_logging(self) -> None:
        """``-v``: each request (and retry) on stderr; ``-vv``: request bodies too. Warnings
        (a shared pacing store lost and back) are shown without ``-v`` too.

        On a terminal the lines go through rich's console, the one the progress bar
        uses, so they are printed above the bar."""
        handler = _StderrHandler(self.output)
        handler.setFormatter(logging.Formatter("ymarket: %(message)s"))
        log = logging.getLogger("ymarket")
        log.addHandler(handler)
        log.setLevel(logging.DEBUG if self.verbose else logging.WARNING)

    def client(self) -> Client:
        """The Client of these options (the in-process demo simulator with ``--simulator``).

        A shared limiter it paces through is closed when the command ends
        (:meth:`close`, which :func:`reported` calls)."""
        if not (self.simulator or self.api_key is not None or self.oauth_token is not None):
            from ymarket._config import env_kwargs

            try:  # said before the pacing store is reached
                env_kwargs({})
            except ValueError:
                fail(_NO_CREDENTIALS)
        limiter = self._rate_limiter()
        if limiter is not None:
            self._limiters.append(limiter)
        return self._client(limiter)

    def close(self) -> None:
        """Close the shared pacing stores' connections of the clients made."""
        while self._limiters:
            close = getattr(self._limiters.pop(), "close", None)  # only shared ones have it
            if close is not None:
                close()

    def _rate_limiter(self) -> RateLimiter | None:
        """The limiter of ``--rate-tier`` and ``--rate-limit-url`` (None: pacing off).

        The shared one (``--rate-limit-url`` or ``$YANDEX_MARKET_RATE_LIMIT_URL``) is
        reached now, so an unreachable store stops the command before its first request.
        ``--simulator`` paces locally: its in-process quota is no one else's."""
        from ymarket import PacingStoreError, RateLimiter
        from ymarket.spec import operations

        if self.rate_tier == "off":
            # The server still enforces its quota: 420s are then backed off and retried.
            if self.rate_limit_url is not None:
                fail("--rate-limit-url paces the requests; --rate-tier off does not pace")
            return None
        tier = self.rate_tier
        if tier is not None:
            known = {
                name
                for op in operations().values()
                if op.rate_limit is not None
                for name in op.rate_limit.tiers
            }
            if tier not in known:
                fail(f"--rate-tier: unknown tier {tier!r}; the spec has {sorted(known)}")
        if self.simulator:
            if self.rate_limit_url is not None:
                fail("--rate-limit-url shares a real quota; --simulator's quota is its own")
            return RateLimiter(tier)
        try:
            return RateLimiter.from_env(tier, url=self.rate_limit_url)
        except PacingStoreError as error:
            raise Failure(str(error), ExitCode.NETWORK, {"type": "PacingStoreError"}) from None
        except ImportError as error:  # the redis extra is not installed
            fail(str(error))
        except ValueError as error:  # not a redis:// URL (the message does not repeat it)
            fail(f"--rate-limit-url: {error}")

    def _client(self, limiter: RateLimiter | None) -> Client:
        from ymarket import Client, RetryPolicy

        kwargs: dict[str, Any] = {"log_bodies": self.verbose > 1, "sleep": self._sleep}
        if self.max_retries is not None:
            kwargs["max_retries"] = self.max_retries
        if self.retry_backoff is not None:
            kwargs["retry"] = RetryPolicy(
                initial_backoff=self.retry_backoff, rate_limit_backoff=self.retry_backoff
            )
        kwargs["rate_limit"] = False if limiter is None else limiter
        if self.api_key is not None:
            kwargs["api_key"] = self.api_key
        if self.oauth_token is not None:
            kwargs["oauth_token"] = self.oauth_token
        if self.base_url is not None:
            kwargs["base_url"] = self.base_url
        if self.allow_insecure_http:
            kwargs["allow_insecure_http"] = True
        try:
            if self.simulator:
                from ymarket.simulator import BASE_URL, DEMO_API_KEY, Simulator

                if "api_key" not in kwargs and "oauth_token" not in kwargs:
                    kwargs["api_key"] = DEMO_API_KEY
                kwargs["base_url"] = BASE_URL
                # The transport runs the app in this process: nothing leaves it.
                kwargs["allow_insecure_http"] = True
                return Client(transport=Simulator().sync_transport(), **kwargs)
            # Credentials given as options win; the environment supplies the rest.
            return Client.from_env(**kwargs)
        except ValueError as error:  # credentials missing or empty, bad or insecure base URL
            message = str(error)
            if message.startswith("set YANDEX_MARKET"):
                message = _NO_CREDENTIALS
            elif "allow_insecure_http" in message:
                message += " (--allow-insecure-http)"
            fail(message)

    def address(self) -> str:
        """The API root the commands talk to (named in connection errors)."""
        import os

        from ymarket import DEFAULT_BASE_URL

        if self.simulator:
            return "the in-process simulator"
        return self.base_url or os.environ.get("YANDEX_MARKET_BASE_URL") or DEFAULT_BASE_URL


class _StderrHandler(logging.Handler):
    """Log lines on stderr: on a terminal through rich's console, which the progress bar
    shares, made at the first line (so a command that logs nothing never imports rich)."""

    def __init__(self, output: Output) -> None:
        super().__init__()
        self._output = output
        self._inner: logging.Handler | None = None

    @property
    def target(self) -> logging.Handler:
        """The handler the lines go through (made at the first use)."""
        if self._inner is None:
            if sys.stderr.isatty():
                from rich.logging import RichHandler

                console = self._output.console()
                self._inner = RichHandler(console=console, show_time=False, show_path=False)
            else:
                self._inner = logging.StreamHandler(sys.stderr)
            self._inner.setFormatter(self.formatter)
        return self._inner

    def emit(self, record: logging.LogRecord) -> None:
        self.target.emit(record)


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C: the job stops the same way and says how to resume."""


def _terminated(_signum: int, _frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While a command runs, SIGTERM interrupts it like Ctrl-C (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stopped_ambiguous(error: BaseException) -> bool:
    """Whether the request in flight when ``error`` stopped a job may have been applied.

    Retry vocabulary (``ymarket._retry``): a failure is "unsent" (certainly not
    sent), "refused" (an HTTP error that was not applied) or "ambiguous" (it may
    have been applied). The client's predicate decides for a failed request; an
    interrupt (Ctrl-C) during a request is ambiguous too. This is the only place
    in ``ymarket.cli`` that reads the predicate.
    """
    # Imported here: ``ymarket`` loads httpx, which ``ymarket --help`` does without.
    from ymarket._retry import is_ambiguous

    return isinstance(error, KeyboardInterrupt) or is_ambiguous(error)


def describe(error: BaseException) -> tuple[str, ExitCode, dict[str, Any]]:
    """One line, the exit code and JSON details for an expected failure (else re-raise)."""
    from ymarket import ApiError, TransportError, ValidationError
    from ymarket.cli._skus import InputError
    from ymarket.cli.journal import JournalError, JournalWriteError

    if isinstance(error, Failure):
        return error.message, error.code, error.details
    if isinstance(error, JournalWriteError):
        return error.strerror or str(error), ExitCode.FILE_ERROR, {"type": "JournalWriteError"}
    if isinstance(error, OSError):  # a local file (not the network: httpx errors are mapped)
        where = f"{error.filename}: " if error.filename else ""
        return (
            f"{where}{error.strerror or error}",
            ExitCode.FILE_ERROR,
            {"type": type(error).__name__},
        )
    if isinstance(error, InputError | JournalError):
        return str(error), ExitCode.USAGE, {"type": type(error).__name__}
    if isinstance(error, ValidationError):
        problems = [str(p) for p in error.problems]
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        return (
            f"{error.operation_id}: refused before sending ({len(problems)} problem(s)):\n{shown}",
            ExitCode.USAGE,
            {"type": "ValidationError", "problems": problems},
        )
    if isinstance(error, ApiError):
        codes = [{"code": e.code, "message": e.message} for e in error.errors]
        head = str(error).splitlines()[0]
        tail = f" (after {error.attempts} attempts)" if error.attempts > 1 else ""
        note = f"\n  {error.retry_note}" if error.retry_note else ""
        return (
            f"{head}{tail}{note}",
            ExitCode.API_ERROR,
            {"type": type(error).__name__, "status": error.status_code, "errors": codes},
        )
    if isinstance(error, TransportError):
        head = str(error).splitlines()[0]
        tail = f" (after {error.attempts} attempts)" if error.attempts > 1 else ""
        return (
            f"{head}{tail}",
            ExitCode.NETWORK,
            {"type": "TransportError", "maybeSent": error.maybe_sent},
        )
    raise error


@contextlib.contextmanager
def reported(settings: Settings, command: str) -> Iterator[None]:
    """Run a command: expected failures print one clear line and exit with their code."""
    from ymarket import ApiError, TransportError, ValidationError
    from ymarket.cli._skus import InputError
    from ymarket.cli.journal import JournalError

    try:
        with _sigterm_interrupts():
            try:
                yield
            finally:
                settings.close()
    except KeyboardInterrupt as interrupt:
        how = " (SIGTERM)" if isinstance(interrupt, Terminated) else ""
        settings.output.note(f"ymarket: interrupted{how}")
        sys.exit(ExitCode.INTERRUPTED)
    except (
        Failure,
        ValidationError,
        ApiError,
        TransportError,
        InputError,
        JournalError,
        OSError,
    ) as error:
        message, code, details = describe(error)
        transport = error if isinstance(error, TransportError) else error.__cause__
        if isinstance(transport, TransportError):
            message = f"{message} (address: {settings.address()})"
        print(clean(f"ymarket: error: {message}"), file=sys.stderr, flush=True)
        settings.output.document(
            {
                "command": command,
                "ok": False,
                "exitCode": int(code),
                "error": {"message": message, **details},
            }
        )
        sys.exit(code)
