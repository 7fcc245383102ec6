"""Serving the simulator over HTTP with uvicorn.

Small protocol subclasses let the app close the socket of the request it
serves, so a dropped-connection fault really closes the connection without an
answer (uvicorn alone would answer 500), and write each answer's head and body
in one system call (uvicorn writes them apart: two sends per answer). httptools
(C parser) is used when the ``simulator`` extra installed it, h11 otherwise;
uvicorn picks uvloop the same way.
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import secrets
import socket
import sys
from collections.abc import Callable
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ymarket.simulator.app import CONTROL_TOKEN_HEADER, Simulator, current_transport

__all__ = [
    "CoalescingTransport",
    "DroppingH11Protocol",
    "bind",
    "dropping_protocol",
    "run",
    "serve",
]


class CoalescingTransport:
    """A transport holding each write until the next one or the end of the loop step.

    uvicorn writes an answer's status line and headers, then its body, each with
    its own ``write``: two sends on the socket (and two wake-ups of the client)
    per answer. Held here, the body's write sends both at once; a write with
    nothing after it (``100 Continue``, a streamed part) goes out when the event
    loop runs its next callbacks, before it waits for the network again. Order is
    kept; ``close`` sends what is held first, ``abort`` drops it (as the socket's
    own buffer is dropped). Everything else is the wrapped transport's.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send what is held and ``data``, or hold ``data`` until the next write."""
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._loop.call_soon(self._flush)
        else:
            self._held = None
            self._transport.write(held + data)

    def _flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        """Send what is held, then close."""
        self._flush()
        self._transport.close()

    def write_eof(self) -> None:
        """Send what is held, then half-close."""
        self._flush()
        self._transport.write_eof()

    def abort(self) -> None:
        """Close at once; what is held is dropped."""
        self._held = None
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        """Bytes not yet sent, held ones included."""
        held = len(self._held) if self._held is not None else 0
        return held + self._transport.get_write_buffer_size()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


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

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            # Request cycles write through ``self.transport``; flow control and the
            # addresses (read above) keep the socket's own transport.
            self.transport = cast(asyncio.Transport, CoalescingTransport(transport, self.loop))

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
        # X-Forwarded-For/-Proto would only rewrite the scope's client and scheme, which
        # the simulator never reads; the middleware cost every request a layer.
        proxy_headers=False,
    )


def _freeze_dataset() -> None:
    """Move what exists now (the dataset's objects live as long as the server) out of the
    collector's reach: a gen-2 collection no longer walks them (a pause per collection
    that grew with the dataset)."""
    gc.collect()
    gc.freeze()


def serve(simulator: Simulator, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``simulator`` until interrupted (in a process of its own: see :func:`run`)."""
    _freeze_dataset()
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
    _freeze_dataset()
    say(f"Serving on http://{shown}:{real_port}  (control API: /__simulator__/)")
    sys.stdout.flush()
    try:
        uvicorn.Server(config(simulator, host, real_port)).run(sockets=[sock])
    finally:
        sock.close()
    return 0
