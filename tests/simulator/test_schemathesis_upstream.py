"""schemathesis with **Yandex's** published spec against the simulator.

The four operations are bundled from the upstream snapshot
(``generator.upstream_check.bundle_upstream``), with ``campaignId`` and
``orderId`` pinned to demo-dataset ids so generated requests reach the business
rules. Choices as in ``test_schemathesis.py`` (fixed seed, no example database,
no mined constants, positive-only coverage of SKU strings). ``ADDED_EXAMPLES``
adds to the bundle a valid request body of the demo data per operation and those
of the strictness kinds the seeded run does not reach by itself.

Every check of schemathesis runs except ``positive_data_acceptance``: upstream
is looser than our spec on purpose in places, so a schema-valid (for Yandex)
request the simulator refuses is classified instead, by the rule named in the
answer. A refusal by one of the docs' business rules (an error code of its own:
``ITEM_NOT_FOUND`` ...) is the API's behaviour, not ours, and passes; a refusal
``BAD_REQUEST`` by a rule of our spec is a *strictness kind*
(operation, field, rule). The run must show exactly the kinds of ``STRICTNESS``,
each a deliberate choice documented in the README ("Conformance in CI") and in
``spec/upstream-allowlist.yaml``: a new kind fails the test, and so does a
documented one that no longer occurs (drop it from both places then).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, NamedTuple

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from ymarket.simulator import DEMO_API_KEY, FakeClock, Simulator

from generator.build import SPEC_PATH
from generator.compile import load_spec
from generator.spec_walk import operations
from generator.upstream_check import bundle_upstream
from tests.simulator.support import VALID, error_rules


class Strictness(NamedTuple):
    """A schema-valid (for Yandex) request our simulator refuses: where, and by which rule."""

    operation: str
    field: str  # JSON path of the refused value, indexes as []
    rule: str | None


#: The documented strictness kinds (README, "Conformance in CI"), with why.
STRICTNESS: dict[Strictness, str] = {
    Strictness("updateOrderItems", "$.items[].instances[].cis", "cis-format"): (
        "the docs say a CIS must match its GS1 format; upstream keeps it in prose"
    ),
    Strictness("updateOutletLicenses", "$.licenses[].dateOfExpiry", "not-before"): (
        "a licence may not expire before it is issued (x-ymarket-not-before); upstream has "
        "no cross-field rule"
    ),
    Strictness("deleteCampaignOffers", "$.offerIds", "uniqueItems"): (
        "SKUs equal once trimmed (upstream's x-transform: trim) are one SKU: a duplicate"
    ),
}

#: Request bodies added to the bundle as examples (the examples phase sends them):
#: a valid one on the demo data, so every operation is answered 2xx and its success
#: body checked against Yandex's schema (random ids rarely match the demo data), and
#: the strictness random generation does not reach with the fixed seed.
ADDED_EXAMPLES: dict[str, dict[str, Any]] = {
    "updateOutletLicenses": {"demo": VALID["updateOutletLicenses"]["json"]},
    "deleteCampaignOffers": {
        "demo": VALID["deleteCampaignOffers"]["json"],
        "trimmed duplicate": {"offerIds": ["SKU1", " SKU1 "]},
    },
    "updateOrderItems": {"demo": VALID["updateOrderItems"]["json"]},
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _FreshSimulator:
    """The demo simulator, each request in a fresh rate-limit window and on the demo data.

    The fuzzer should reach the rules, not the quotas; the demo data is rebuilt only
    after a success (the only answer that may have changed it), since rebuilding costs.
    """

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.simulator = Simulator(clock=self.clock)
        self._changed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.clock.advance(3600)
            if self._changed:
                self.simulator.reset()
                self._changed = False

        async def send_noting_success(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self._changed = True
            await send(message)

        await self.simulator.app(scope, receive, send_noting_success)


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 20261122,
            "generation": {"database": "none", "max-examples": 25},
            "analysis": {"constants": {"enabled": False}},
            "auth": {"openapi": {"ApiKey": {"api_key": DEMO_API_KEY}}},
            "parameters": {"campaignId": 1001, "orderId": 70001},
            "operations": [
                {
                    "include-operation-id": "deleteCampaignOffers",
                    "phases": {"coverage": {"generation": {"mode": "positive"}}},
                }
            ],
            "checks": {
                # Classified below by the rule the simulator names instead.
                "positive_data_acceptance": {"enabled": False},
                # Our spec's replacement of it (st_hooks.py), should it be registered.
                "positive_data_accepted": {"enabled": False},
            },
        }
    )


class Outcome(NamedTuple):
    """What a run found: failures of schemathesis' checks, strictness kinds with an example,
    and the operations that were answered 2xx at least once (the rules were reached)."""

    failures: list[str]
    strictness: dict[Strictness, str]
    succeeded: set[str]


_INDEX = re.compile(r"\[\d+\]")


def _strictness(operation: str, body: bytes) -> list[Strictness]:
    try:
        rules = error_rules(json.loads(body))
    except ValueError:
        return [Strictness(operation, "(body)", "not JSON")]
    return [
        Strictness(operation, _INDEX.sub("[]", path or ""), rule)
        for code, path, rule in rules
        if code == "BAD_REQUEST"
    ] or ([] if rules else [Strictness(operation, "(body)", "no errors")])


def run_upstream_spec(upstream: Path) -> Outcome:
    """schemathesis with Yandex's spec of the four operations against the demo simulator."""
    document = bundle_upstream(upstream, operations(load_spec(SPEC_PATH)))
    for item in document["paths"].values():
        for method, op in item.items():
            if method != "parameters" and op["operationId"] in ADDED_EXAMPLES:
                media = op["requestBody"]["content"]["application/json"]
                added = {
                    name: {"value": body}
                    for name, body in ADDED_EXAMPLES[op["operationId"]].items()
                }
                media["examples"] = {**media.get("examples", {}), **added}
    schema: Any = schemathesis.openapi.from_dict(document, config=_config())
    schema.app = _FreshSimulator()
    failures: list[str] = []
    strictness: dict[Strictness, str] = {}
    succeeded: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError):
            failures.append(f"error in {event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal error: {event.exception!r}")
        recorder = getattr(event, "recorder", None)
        if recorder is None:
            continue
        for checks in recorder.checks.values():
            for check in checks:
                if check.failure_info is not None:
                    failure = check.failure_info.failure
                    failures.append(
                        f"{check.name}: {failure.title} {failure.message}\n"
                        f"{check.failure_info.code_sample}"
                    )
        for case_id, node in recorder.cases.items():
            case = node.value
            response = recorder.find_response(case_id=case_id)
            if response is None or case.meta is None:
                continue
            operation = case.operation.definition.raw["operationId"]
            if 200 <= response.status_code < 300:
                succeeded.add(operation)
            elif response.status_code == 400 and case.meta.generation.mode.is_positive:
                for kind in _strictness(operation, response.content):
                    strictness.setdefault(kind, case.as_curl_command())
    return Outcome(failures, strictness, succeeded)


def test_upstream_spec_finds_only_documented_strictness(upstream_dir: Path) -> None:
    outcome = run_upstream_spec(upstream_dir)
    assert outcome.succeeded == set(operations(load_spec(SPEC_PATH))), outcome.succeeded
    assert not outcome.failures, "\n\n".join(outcome.failures)
    new = {kind: example for kind, example in outcome.strictness.items() if kind not in STRICTNESS}
    assert not new, "undocumented refusals of schema-valid requests:\n" + "\n".join(
        f"{kind}: {example}" for kind, example in new.items()
    )
    gone = set(STRICTNESS) - set(outcome.strictness)
    assert not gone, f"documented strictness no longer met (drop it from README and here): {gone}"
