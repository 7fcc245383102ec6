"""Serving the simulator over HTTP with uvicorn.

Small protocol subclasses let the app close the socket of the request it
serves, so a dropped-connection fault really closes the connection without an
answer (uvicorn alone would answer 500). httptools (C parser) is used when the
``simulator`` extra installed it, h11 otherwise; uvicorn picks uvloop the same
way.
"""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ymarket.simulator.app import Simulator, current_transport

__all__ = ["DroppingH11Protocol", "dropping_protocol", "serve"]


class DroppingH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing the connection's transport to the app.

    The request task is created inside ``data_received`` and so inherits the
    context variable set here.
    """

    def data_received(self, data: bytes) -> None:
        token = current_transport.set(self.transport)
        try:
            super().data_received(data)
        finally:
            current_transport.reset(token)


def dropping_protocol() -> type[asyncio.Protocol]:
    """The fastest installed HTTP protocol of uvicorn that can drop a connection."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return DroppingH11Protocol

    class DroppingHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, exposing the connection's transport to the app."""

        def data_received(self, data: bytes) -> None:
            token = current_transport.set(self.transport)
            try:
                super().data_received(data)
            finally:
                current_transport.reset(token)

    return DroppingHttpToolsProtocol


def config(simulator: Simulator, host: str = "127.0.0.1", port: int = 8080) -> uvicorn.Config:
    """A uvicorn configuration serving ``simulator`` (loopback by default)."""
    return uvicorn.Config(
        simulator.app,
        host=host,
        port=port,
        http=dropping_protocol(),
        lifespan="off",
        log_level="warning",
        access_log=False,
    )


def serve(simulator: Simulator, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``simulator`` until interrupted."""
    uvicorn.Server(config(simulator, host, port)).run()
