"""What the simulator tests share: a valid request per operation, the spec's rules
read generically, and a simulator served by uvicorn on loopback.

Tests import from here, never from one another. Tables keyed by operationId
are checked against ``ymarket.spec.operations()`` (``test_status_codes.py``), so a
new operation of the spec fails a test until it is covered here.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn
from ymarket.simulator import BASE_URL, DEMO_API_KEY, Simulator
from ymarket.simulator.server import config
from ymarket.spec import compiled_spec, operations

__all__ = [
    "EXTENSION_RULES",
    "KEY",
    "VALID",
    "LiveServer",
    "Request",
    "error_rules",
    "extension_rules",
    "send",
]

# -- a valid request per operation ---------------------------------------------

Request = dict[str, Any]

VALID: dict[str, Request] = {
    "deleteOutletLicenses": {
        "method": "DELETE",
        "path": {"campaignId": 1001},
        "params": {"ids": "9001,9002"},
    },
    "updateOutletLicenses": {
        "method": "POST",
        "path": {"campaignId": 1001},
        "json": {
            "licenses": [
                {
                    "outletId": 501,
                    "licenseType": "ALCOHOL",
                    "number": "N-1",
                    "dateOfIssue": "2025-01-01T00:00:00+03:00",
                    "dateOfExpiry": "2026-01-01T00:00:00+03:00",
                }
            ]
        },
    },
    "deleteCampaignOffers": {
        "method": "POST",
        "path": {"campaignId": 1001},
        "json": {"offerIds": ["SKU-00011", "SKU-00100"]},
    },
    "updateOrderItems": {
        "method": "PUT",
        "path": {"campaignId": 1001, "orderId": 70001},
        "json": {
            "items": [
                {"id": 2, "count": 1},
                {"id": 3, "count": 1},
                {"id": 1, "count": 1, "instances": [{"cis": "010460123456789021SERIAL0000001"}]},
            ]
        },
    },
}


def send(sim: Simulator, op_id: str, request: Request, headers: dict[str, str]) -> httpx.Response:
    op = operations()[op_id]
    path = op.path.format(**request["path"])
    with httpx.Client(transport=sim.sync_transport(), base_url=BASE_URL, headers=headers) as c:
        return c.request(
            request["method"], path, params=request.get("params"), json=request.get("json")
        )


KEY = {"Api-Key": DEMO_API_KEY}

# -- the spec's rules, read generically ----------------------------------------

# "body $.offerIds[3]: pattern: ..." -> location, path, rule
_PROBLEM = re.compile(r"^(path|query|body) (\$\S*): ([\w-]+): ")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def extension_rules() -> frozenset[str]:
    """Rule names of the checks JSON Schema cannot express (``x-ymarket-*`` in the spec)."""
    rules = set()
    for node in _walk(compiled_spec()):
        if "x-ymarket-not-before" in node:
            rules.add("not-before")
        patterns = node.get("x-ymarket-patterns")
        if isinstance(patterns, dict) and patterns.get("severity") == "error":
            rules.add(patterns["rule"])
    return frozenset(rules)


EXTENSION_RULES = extension_rules()


def error_rules(body: Any) -> list[tuple[str, str | None, str | None]]:
    """(code, path, rule) of each error of an error body; path and rule for spec problems."""
    out: list[tuple[str, str | None, str | None]] = []
    for error in body.get("errors", []) if isinstance(body, dict) else []:
        match = _PROBLEM.match(error.get("message", ""))
        out.append(
            (error["code"], match.group(2) if match else None, match.group(3) if match else None)
        )
    return out


# -- a served simulator ----------------------------------------------------------


class LiveServer:
    """A simulator served by uvicorn in a thread on 127.0.0.1 (a free port)."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(config(simulator, "127.0.0.1", self.port))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()
