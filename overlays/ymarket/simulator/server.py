"""Serving the simulator over HTTP with uvicorn.

A small h11 protocol subclass lets the app close the socket of the request it
serves, so a dropped-connection fault really closes the connection without an
answer (uvicorn alone would answer 500).
"""

from __future__ import annotations

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ymarket.simulator.app import Simulator, current_transport

__all__ = ["DroppingH11Protocol", "serve"]


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


def config(simulator: Simulator, host: str = "127.0.0.1", port: int = 8080) -> uvicorn.Config:
    """A uvicorn configuration serving ``simulator`` (loopback by default)."""
    return uvicorn.Config(
        simulator.app,
        host=host,
        port=port,
        http=DroppingH11Protocol,
        lifespan="off",
        log_level="warning",
    )


def serve(simulator: Simulator, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``simulator`` until interrupted."""
    uvicorn.Server(config(simulator, host, port)).run()
