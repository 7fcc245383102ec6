"""Fault injection: latency, 500s, dropped connections, malformed bodies, 420 bursts.

Set from Python (``sim.faults.configure(...)``) or over HTTP
(``PUT /__simulator__/faults`` with the same names in a JSON object). Faults
apply to the API operations only, never to the control API.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = ["FaultSettings", "Faults"]

Decision = Literal["none", "error", "drop", "malformed", "rate-limit"]


def _share(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value}")


def _not_negative(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} may not be negative, got {value}")


@attrs.frozen
class FaultSettings:
    """What to inject. Shares are probabilities per request (0..1).

    - ``latency_seconds``: added before every answer (on the simulator's clock
      when it can sleep, e.g. :class:`~ymarket.simulator.FakeClock`).
    - ``error_rate``: share of requests answered 500 with the spec's error body.
    - ``drop_rate``: share of requests whose connection is closed without an answer.
    - ``malformed_rate``: share of answers replaced by a broken body (non-JSON or
      truncated JSON) with status 200, after the request took effect.
    - ``rate_limit_burst``: the next N requests are answered 420.
    - ``after_processing``: 500s and drops happen after the request took effect
      (the nasty case for retries) instead of before.
    - ``seed``: seed of the random choices (repeatable runs).
    """

    latency_seconds: float = attrs.field(default=0.0, validator=_not_negative)
    error_rate: float = attrs.field(default=0.0, validator=_share)
    drop_rate: float = attrs.field(default=0.0, validator=_share)
    malformed_rate: float = attrs.field(default=0.0, validator=_share)
    rate_limit_burst: int = attrs.field(default=0, validator=_not_negative)
    after_processing: bool = False
    seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The settings as the control API shows them."""
        return {
            "latency_seconds": self.latency_seconds,
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
            "malformed_rate": self.malformed_rate,
            "rate_limit_burst": self.rate_limit_burst,
            "after_processing": self.after_processing,
            "seed": self.seed,
        }


_FIELDS = frozenset(attrs.fields_dict(FaultSettings))


class Faults:
    """The simulator's fault injection (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._random = random.Random()
        self._burst_left = 0

    @property
    def settings(self) -> FaultSettings:
        """The current settings (``rate_limit_burst`` shows what is left of the burst)."""
        with self._lock:
            return attrs.evolve(self._settings, rate_limit_burst=self._burst_left)

    def configure(self, **settings: Any) -> FaultSettings:
        """Change the named settings (see :class:`FaultSettings`); others keep their value.

        Raises ValueError for an unknown name or a value out of range.
        """
        unknown = set(settings) - _FIELDS
        if unknown:
            raise ValueError(
                f"unknown fault setting(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(_FIELDS))}"
            )
        with self._lock:
            try:
                new = attrs.evolve(self._settings, **settings)
            except TypeError as error:
                raise ValueError(str(error)) from error
            self._settings = new
            if "seed" in settings:
                self._random = random.Random(new.seed)
            if "rate_limit_burst" in settings:
                self._burst_left = new.rate_limit_burst
        return self.settings

    def configure_from_json(self, document: Mapping[str, Any]) -> FaultSettings:
        """:meth:`configure` with a JSON object, checking value types."""
        for name, value in document.items():
            if name in ("after_processing",) and not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false")
            if name in ("rate_limit_burst", "seed") and (
                isinstance(value, bool) or not isinstance(value, int | None)
            ):
                raise ValueError(f"{name} must be an integer")
            if name.endswith(("_rate", "_seconds")) and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise ValueError(f"{name} must be a number")
        return self.configure(**document)

    def clear(self) -> None:
        """No faults any more."""
        with self._lock:
            self._settings = FaultSettings()
            self._burst_left = 0

    @property
    def latency_seconds(self) -> float:
        """Latency added to each answer."""
        return self._settings.latency_seconds

    def decide(self) -> Decision:
        """The fault for the next request (consumes one burst request)."""
        with self._lock:
            s = self._settings
            if self._burst_left > 0:
                self._burst_left -= 1
                return "rate-limit"
            # One draw per kind keeps each kind's share independent of the others'.
            if s.drop_rate and self._random.random() < s.drop_rate:
                return "drop"
            if s.error_rate and self._random.random() < s.error_rate:
                return "error"
            if s.malformed_rate and self._random.random() < s.malformed_rate:
                return "malformed"
            return "none"

    def malformed_body(self) -> bytes:
        """A broken answer body: truncated JSON or an HTML error page."""
        with self._lock:
            truncated = self._random.random() < 0.5
        if truncated:
            return b'{"status": "OK", "result": {"notDeletedOfferIds": ["SKU-'
        return b"<html><body><h1>502 Bad Gateway</h1></body></html>"
