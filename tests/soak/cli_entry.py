"""``python -m tests.soak.cli_entry ARGS``: the ``ymarket`` command as users run it.

The soak and the memory benchmark drive the real command against a simulator whose
quotas are off (or an in-memory server), with ``--rate-tier off`` added: pacing to
5,000 SKUs a minute would make a 200,000-SKU job take 40 minutes. With
``YMARKET_BENCH_ACCEPT_ALL=1`` the client talks to an in-memory transport that
accepts every request (memory benchmark: nothing but the client's own cost).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import httpx
from ymarket import _client
from ymarket.cli import main


def _accept(request: httpx.Request) -> httpx.Response:
    request.read()
    return httpx.Response(200, json={"status": "OK", "result": {}})


def run() -> None:
    """Run the command with ``--rate-tier off`` (and the accept-all transport if asked)."""
    if os.environ.get("YMARKET_BENCH_ACCEPT_ALL") == "1":
        original = _client.Client.__init__

        def init(self: _client.Client, *args: Any, **kwargs: Any) -> None:
            kwargs["transport"] = httpx.MockTransport(_accept)
            original(self, *args, **kwargs)

        setattr(_client.Client, "__init__", init)  # noqa: B010
    main(["--rate-tier", "off", *sys.argv[1:]])


if __name__ == "__main__":
    run()
