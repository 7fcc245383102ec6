"""Serving the simulator over HTTP with uvicorn.

Small protocol subclasses let the app close the socket of the request it
serves, so a dropped-connection fault really closes the connection without an
answer (uvicorn alone would answer 500). httptools (C parser) is used when the
``simulator`` extra installed it, h11 otherwise; uvicorn picks uvloop the same
way.
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import secrets
import socket
import sys
from collections.abc import Callable

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ymarket.simulator.app import CONTROL_TOKEN_HEADER, Simulator, current_transport

__all__ = ["DroppingH11Protocol", "bind", "dropping_protocol", "run", "serve"]


def _receive_exposing(
    transport: asyncio.Transport, receive: Callable[[bytes], None], data: bytes
) -> None:
    """``receive(data)`` with ``transport`` visible to the app (``current_transport``)."""
    token = current_transport.set(transport)
    try:
        receive(data)
    finally:
        current_transport.reset(token)


class DroppingH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing the connection's transport to the app.

    The request task is created inside ``data_received`` and so inherits the
    context variable set here.
    """

    def data_received(self, data: bytes) -> None:
        _receive_exposing(self.transport, super().data_received, data)


def dropping_protocol() -> type[asyncio.Protocol]:
    """The fastest installed HTTP protocol of uvicorn that can drop a connection."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return DroppingH11Protocol

    class DroppingHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, exposing the connection's transport to the app."""

        def data_received(self, data: bytes) -> None:
            _receive_exposing(self.transport, super().data_received, data)

    return DroppingHttpToolsProtocol


def config(simulator: Simulator, host: str = "127.0.0.1", port: int = 8080) -> uvicorn.Config:
    """A uvicorn configuration serving ``simulator`` (loopback by default)."""
    return uvicorn.Config(
        simulator.app,
        host=host,
        port=port,
        http=dropping_protocol(),
        lifespan="off",
        # The simulator dates its answers on its own clock (X-RateLimit-Resource-Until
        # is measured from Date); uvicorn's wall-clock Date would be a second one.
        date_header=False,
        log_level="warning",
        access_log=False,
    )


def serve(simulator: Simulator, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``simulator`` until interrupted."""
    uvicorn.Server(config(simulator, host, port)).run()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port); OSError when it cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def run(
    simulator: Simulator,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    banner: str = "",
    say: Callable[[str], None] = print,
) -> int:
    """Serve ``simulator`` until interrupted; the exit status (2: cannot listen).

    Once listening, says ``banner`` and the real address (``port`` 0 picks a
    free one); a busy port is one line on stderr. Bound beyond loopback,
    it warns and, unless the simulator already has one, sets a control token
    (printed) that the control API then requires.
    """
    try:
        sock = bind(host, port)
    except OSError as error:
        print(f"error: cannot listen on {host}:{port}: {error.strerror or error}", file=sys.stderr)
        return 2
    address, real_port = sock.getsockname()[:2]
    if banner:
        say(banner)
    shown = f"[{host}]" if ":" in host else host
    if not _is_loopback(address):
        if simulator.control_token is None:
            simulator.control_token = secrets.token_urlsafe(18)
        print(
            f"warning: serving beyond loopback ({host}): anyone who can reach it can use the "
            "simulator; its control API needs the header below",
            file=sys.stderr,
        )
        say(f"Control API token: {CONTROL_TOKEN_HEADER}: {simulator.control_token}")
    # The dataset's objects live as long as the server: moved out of the
    # collector's reach, a gen-2 collection no longer walks them (a pause per
    # collection that grew with the dataset).
    gc.collect()
    gc.freeze()
    say(f"Serving on http://{shown}:{real_port}  (control API: /__simulator__/)")
    sys.stdout.flush()
    try:
        uvicorn.Server(config(simulator, host, real_port)).run(sockets=[sock])
    finally:
        sock.close()
    return 0
