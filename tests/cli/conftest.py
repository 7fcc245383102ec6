"""Fixtures of the CLI tests: ``ymarket simulator`` served on 127.0.0.1 in a subprocess."""

from __future__ import annotations

# The fixtures live in support.py so that tests of other folders can use them too.
from tests.cli.support import server, sim

__all__ = ["server", "sim"]
