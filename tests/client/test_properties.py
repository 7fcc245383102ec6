"""Property: for bodies generated from the spec's schemas, the client's validation and the
simulator's answer agree (refused by the client <=> a validation 400 from the simulator, with
the same problems)."""

from __future__ import annotations

import datetime
import functools
from typing import Any

import httpx
import pytest
import ymarket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ymarket.simulator import DEMO_API_KEY, FakeClock, Simulator
from ymarket.spec import operation, operations
from ymarket.validation import check_request

# hypothesis-jsonschema 0.23 does not run on this Hypothesis (its private
# ``cu.many`` API changed), so bodies come from this small schema walker. It
# covers what the request schemas use (object, array, string, integer, enum,
# format date-time, nullable types) and produces valid AND invalid values:
# item counts one below minItems, missing required properties, arbitrary text
# for patterned strings, numbers around their bounds, unknown enum values.

_OFFSETS = [datetime.timezone(datetime.timedelta(hours=h)) for h in (-5, 0, 3, 7)]
_DOCUMENTED = ["010460166200001621ABCDEF", "1234567890123456", "1234567890/12345678/12345678"]


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if schema.get("format") == "date-time":
        return st.builds(
            lambda moment, zone: moment.replace(tzinfo=zone).isoformat(),
            st.datetimes(datetime.datetime(2015, 1, 1), datetime.datetime(2030, 1, 1)),
            st.sampled_from(_OFFSETS),
        )
    text = st.text(max_size=schema.get("maxLength", 12) + 1)
    if "x-ymarket-patterns" in schema:
        return st.one_of(st.sampled_from(_DOCUMENTED), text)
    if "pattern" in schema and "maxLength" in schema:
        return st.one_of(st.from_regex("[A-Z]{2}", fullmatch=True), text)
    return text


def body_values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(*(body_values({**schema, "type": k}) for k in kind))
    if "enum" in schema:
        valid = st.sampled_from(schema["enum"])
        return st.one_of(valid, valid, valid, st.just("NOT_IN_ENUM"))
    if kind == "null":
        return st.none()
    if kind == "object":
        properties = {k: body_values(v) for k, v in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        complete = st.fixed_dictionaries(
            {k: v for k, v in properties.items() if k in required},
            optional={k: v for k, v in properties.items() if k not in required},
        )
        loose = st.fixed_dictionaries({}, optional=properties)
        return st.one_of(complete, complete, complete, loose)
    if kind == "array":
        low = max(schema.get("minItems", 0) - 1, 0)
        return st.lists(body_values(schema.get("items", {})), min_size=low, max_size=low + 3)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        low = schema.get("minimum", -3)
        return st.integers(min_value=max(low, -(2**63)) - 1, max_value=max(low, 0) + 100)
    return st.none()


# Example values of the spec's path parameters (a new one without a value fails here).
PATH_VALUES = {"campaignId": 1001, "orderId": 70004}
BODY_OPERATIONS = [
    operation_id for operation_id, op in operations().items() if op.request_body_schema is not None
]
PATH_PARAMS = {
    operation_id: {
        p["name"]: PATH_VALUES[p["name"]]
        for p in operation(operation_id).parameters
        if p["in"] == "path"
    }
    for operation_id in BODY_OPERATIONS
}
PATHS = {
    operation_id: functools.reduce(
        lambda path, item: path.replace("{" + item[0] + "}", str(item[1])),
        PATH_PARAMS[operation_id].items(),
        operation(operation_id).path,
    )
    for operation_id in BODY_OPERATIONS
}


def body_strategy(operation_id: str) -> st.SearchStrategy[Any]:
    schema = operation(operation_id).request_body_schema
    assert schema is not None
    return body_values(schema)


class SimulatorPeer:
    """One simulator, reached with raw httpx (no client-side checks in between)."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.sim = Simulator(clock=self.clock)
        self.http = httpx.Client(
            transport=self.sim.sync_transport(),
            base_url="http://simulator.local",
            headers={"Api-Key": DEMO_API_KEY},
        )

    def answer(self, operation_id: str, body: Any) -> httpx.Response:
        self.clock.advance(3600)  # a fresh quota window for every example
        method = operation(operation_id).method.upper()
        return self.http.request(method, PATHS[operation_id], json=body)


def _validation_problems(answer: httpx.Response) -> set[str] | None:
    """The problems of a validation 400 of the simulator; None for any other answer."""
    if answer.status_code != 400:
        return None
    errors = answer.json()["errors"]
    if not all(e["code"] == "BAD_REQUEST" for e in errors):
        return None
    return {e["message"] for e in errors}


SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("operation_id", BODY_OPERATIONS)
def test_client_validation_and_simulator_agree(operation_id: str) -> None:
    peer = SimulatorPeer()
    seen = {"valid": 0, "invalid": 0}

    @SETTINGS
    @given(body=body_strategy(operation_id))
    def agree(body: Any) -> None:
        result = check_request(operation_id, path_params=PATH_PARAMS[operation_id], body=body)
        problems = _validation_problems(peer.answer(operation_id, body))
        if result.errors:
            seen["invalid"] += 1
            assert problems == {str(p) for p in result.errors}
        else:
            seen["valid"] += 1
            assert problems is None

    agree()
    assert seen["valid"] >= 2 and seen["invalid"] >= 2, seen


@SETTINGS
@given(
    skus=st.lists(
        st.text(st.characters(codec="utf-8"), min_size=0, max_size=8), min_size=1, max_size=6
    )
)
def test_client_refuses_exactly_what_the_simulator_refuses(skus: list[str]) -> None:
    """Through the client: a refused call sends nothing; an accepted one is not a 400."""
    peer = SimulatorPeer()
    direct = _validation_problems(peer.answer("deleteCampaignOffers", {"offerIds": skus}))
    sim = Simulator(clock=FakeClock())
    with ymarket.Client(
        DEMO_API_KEY, base_url="https://simulator.local", transport=sim.sync_transport()
    ) as client:
        try:
            client.delete_campaign_offers(1001, skus)
        except ymarket.ValidationError as error:
            assert sim.requests == []
            assert direct == {str(p) for p in error.problems}
        else:
            assert direct is None
            assert [r.status for r in sim.requests] == [200]
