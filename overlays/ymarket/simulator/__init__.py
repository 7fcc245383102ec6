"""A stateful simulator of the Yandex Market Partner API operations ymarket covers.

Needs the ``simulator`` extra (Starlette, uvicorn)::

    from ymarket.simulator import Simulator, FakeClock
    sim = Simulator(clock=FakeClock())
    client = httpx.Client(transport=sim.sync_transport(), base_url="http://simulator.local")

Run it as a server with ``python -m ymarket.simulator --host 127.0.0.1 --port 8080``.
Names are imported on first use, so importing this package (and its pytest
plugin) is cheap and works without the extra installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ymarket.simulator.app import (
        CONTROL_PREFIX,
        ConnectionDropped,
        RecordedRequest,
        Simulator,
    )
    from ymarket.simulator.clock import FakeClock
    from ymarket.simulator.dataset import (
        DATASET_SCHEMA,
        DEMO_API_KEY,
        DEMO_OAUTH_TOKEN,
        DEMO_OFFERS_ONLY_API_KEY,
        Dataset,
        DatasetError,
        demo_dataset,
    )
    from ymarket.simulator.errors import SimulatorError
    from ymarket.simulator.faults import Faults, FaultSettings
    from ymarket.simulator.state import State

__all__ = [
    "BASE_URL",
    "CONTROL_PREFIX",
    "DATASET_SCHEMA",
    "DEMO_API_KEY",
    "DEMO_OAUTH_TOKEN",
    "DEMO_OFFERS_ONLY_API_KEY",
    "ConnectionDropped",
    "Dataset",
    "DatasetError",
    "FakeClock",
    "FaultSettings",
    "Faults",
    "RecordedRequest",
    "Simulator",
    "SimulatorError",
    "State",
    "demo_dataset",
]

# Base URL of the in-process clients; any host works, nothing is resolved.
BASE_URL = "http://simulator.local"

_HOMES = {
    "ymarket.simulator.app": (
        "CONTROL_PREFIX",
        "ConnectionDropped",
        "RecordedRequest",
        "Simulator",
    ),
    "ymarket.simulator.clock": ("FakeClock",),
    "ymarket.simulator.dataset": (
        "DATASET_SCHEMA",
        "DEMO_API_KEY",
        "DEMO_OAUTH_TOKEN",
        "DEMO_OFFERS_ONLY_API_KEY",
        "Dataset",
        "DatasetError",
        "demo_dataset",
    ),
    "ymarket.simulator.faults": ("FaultSettings", "Faults"),
    "ymarket.simulator.errors": ("SimulatorError",),
    "ymarket.simulator.state": ("State",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'ymarket.simulator' has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        raise ImportError(
            f"ymarket.simulator needs the 'simulator' extra ({error.name} is missing): "
            "pip install 'ymarket-partner[simulator]'"
        ) from error
    globals()[name] = value
    return value
