"""schemathesis fuzzes the spec against the in-process simulator: zero failures.

Two schemas, one operation test each: ``free`` lets schemathesis pick every
value (most campaigns do not exist: 404/403 paths, negative data), ``pinned``
fixes campaignId and orderId to demo-dataset ids so generated bodies reach the
business rules. Check choices are explained where configured.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from ymarket.simulator import DEMO_API_KEY, FakeClock, Simulator

from tests.simulator.st_hooks import positive_data_accepted

SPEC = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"

CLOCK = FakeClock()
SIMULATOR = Simulator(clock=CLOCK)


def _config(parameters: dict[str, Any] | None = None, max_examples: int = 25) -> SchemathesisConfig:
    # The coverage phase's negative SKU strings take ~30 s to generate (the
    # pattern's lookahead defeats hypothesis' regex strategy); the boundary
    # suite (test_boundaries.py) covers them from the spec instead.
    operations = [
        {
            "include-operation-id": "deleteCampaignOffers",
            "phases": {"coverage": {"generation": {"mode": "positive"}}},
        }
    ]
    return SchemathesisConfig.from_dict(
        {
            "operations": operations,
            "seed": 20261122,
            "generation": {"database": "none", "max-examples": max_examples},
            # Constants mined from the spec would only repeat the demo ids we pin.
            "analysis": {"constants": {"enabled": False}},
            "auth": {"openapi": {"ApiKey": {"api_key": DEMO_API_KEY}}},
            "parameters": parameters or {},
            # Replaced by positive_data_accepted: the docs' business rules and the
            # x-ymarket extensions legitimately answer 400 to schema-valid data.
            "checks": {"positive_data_acceptance": {"enabled": False}},
        }
    )


def _load(config: SchemathesisConfig) -> Any:
    schema = schemathesis.openapi.from_path(SPEC, config=config)
    schema.app = SIMULATOR.app
    return schema


free = _load(_config())
pinned = _load(_config({"campaignId": 1001, "orderId": 70001}))


def _run(case: Any) -> None:
    # A fresh rate-limit window for every case: the fuzzer should reach the rules.
    CLOCK.advance(3600)
    case.call_and_validate(additional_checks=[positive_data_accepted])


# Typed aliases: schemathesis' decorators are untyped.
Decorator = Callable[[Callable[[Any], None]], Callable[[Any], None]]
parametrize_free: Decorator = free.parametrize()
parametrize_pinned: Decorator = pinned.parametrize()


@parametrize_free
def test_free(case: Any) -> None:
    _run(case)


@parametrize_pinned
def test_pinned(case: Any) -> None:
    SIMULATOR.reset()
    _run(case)


def test_stateful_phase_has_no_links_to_follow() -> None:
    """The stateful phase follows links; the spec has none, since no answer carries an id
    another operation takes (updateOutletLicenses answers only a status). When links are
    added this fails: replace it with ``pinned.as_state_machine().run()``."""
    from schemathesis.core.errors import NoLinksFound

    with pytest.raises(NoLinksFound):
        pinned.as_state_machine().run()
