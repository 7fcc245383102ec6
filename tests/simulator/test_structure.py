"""The simulator's organisation: a handler per operation, one error catalogue,
one dataset definition, one clock.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from starlette.responses import Response
from ymarket.simulator import (
    BASE_URL,
    DATASET_SCHEMA,
    DEMO_API_KEY,
    Dataset,
    DatasetError,
    FakeClock,
    Simulator,
    demo_dataset,
)
from ymarket.simulator.errors import ApiError
from ymarket.simulator.handlers import HANDLERS, CheckedRequest, handles
from ymarket.simulator.state import State, dataset_fields
from ymarket.spec import operations

from tests.simulator.support import KEY, VALID, send

SIMULATOR_SOURCES = Path(__import__("ymarket.simulator").simulator.__file__).parent


def test_every_operation_of_the_spec_has_a_handler() -> None:
    assert set(HANDLERS) == set(operations())


def test_a_handler_is_registered_once_and_only_for_an_operation_of_the_spec() -> None:
    def handler(state: State, request: CheckedRequest) -> Response:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="not an operation of the spec"):
        handles("noSuchOperation")(handler)
    with pytest.raises(ValueError, match="already has a handler"):
        handles("deleteCampaignOffers")(handler)
    assert HANDLERS["deleteCampaignOffers"] is not handler


@pytest.mark.parametrize("op_id", sorted(operations()))
def test_each_operation_is_answered_by_its_handler(
    op_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def spy(state: State, request: CheckedRequest) -> Response:
        seen.append(request.operation.operation_id)
        return Response(status_code=200)

    monkeypatch.setitem(HANDLERS, op_id, spy)
    response = send(Simulator(clock=FakeClock()), op_id, VALID[op_id], KEY)
    assert response.status_code == 200
    assert seen == [op_id]


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_error_codes_are_spelled_only_in_the_catalogue() -> None:
    codes = {error.code for error in ApiError}
    for path in sorted(SIMULATOR_SOURCES.glob("*.py")):
        if path.name == "errors.py":
            continue
        spelled = codes & _string_constants(path)
        assert not spelled, f"{path.name} spells error codes {sorted(spelled)}: use ApiError"


@pytest.mark.parametrize(
    ("op_id", "headers", "code"),
    [
        (op_id, headers, code)
        for op_id in sorted(operations())
        for headers, code in (
            ({}, ApiError.UNAUTHORIZED),
            ({"Api-Key": "not-a-key"}, ApiError.FORBIDDEN),
        )
    ],
)
def test_answers_use_the_catalogue_status(
    op_id: str, headers: dict[str, str], code: ApiError
) -> None:
    response = send(Simulator(clock=FakeClock()), op_id, VALID[op_id], headers)
    assert response.status_code == code.status
    assert [e["code"] for e in response.json()["errors"]] == [code.code]


# -- one dataset definition -------------------------------------------------------


def _item_schema(collection: str) -> dict[str, Any]:
    items: dict[str, Any] = DATASET_SCHEMA["properties"][collection]["items"]
    return items


@pytest.mark.parametrize(
    "collection", [name for name in DATASET_SCHEMA["properties"] if name != "description"]
)
def test_dataset_schema_is_the_state_classes(collection: str) -> None:
    """Each collection's schema lists exactly the dataset fields of its State class."""
    state = demo_dataset().build_state()
    built = getattr(state, collection)
    cls = type(next(iter(built.values())))
    schema = _item_schema(collection)
    fields = dataset_fields(cls)
    assert list(schema["properties"]) == [name for name, _, _ in fields]
    required = [name for name, a, _ in fields if a.default is attrs.NOTHING]
    assert schema["required"] == required


def test_building_a_state_reads_every_field_of_the_document() -> None:
    document = {
        "campaigns": [{"id": 5, "placementModel": "FBS", "locked": True, "rateLimitTier": "t"}],
        "credentials": [
            {"type": "api-key", "value": "k", "scopes": ["s"], "campaignIds": [5]},
        ],
        "offers": [{"campaignId": 5, "offerId": "A", "inMarketWarehouse": True}],
        "orders": [
            {
                "id": 1,
                "campaignId": 5,
                "status": "PROCESSING",
                "substatus": "STARTED",
                "items": [{"id": 1, "offerId": "A", "count": 2, "price": "9.50"}],
            }
        ],
    }
    state = Dataset(document).build_state()
    campaign = state.campaigns[5]
    assert (campaign.placement_model, campaign.locked, campaign.rate_limit_tier) == (
        "FBS",
        True,
        "t",
    )
    credential = state.credentials[("api-key", "k")]
    assert credential.scopes == {"s"} and credential.campaign_ids == {5}
    assert state.offers[(5, "A")].in_market_warehouse is True
    (item,) = state.orders[(5, 1)].items
    assert (item.count, str(item.price)) == (2, "9.50")


@pytest.mark.parametrize(
    ("collection", "entry", "problem"),
    [
        ("outlets", {"id": 1, "campaignId": 9}, "outlets: unknown campaign 9"),
        ("offers", {"campaignId": 9, "offerId": "A"}, "offers: unknown campaign 9"),
        (
            "licenses",
            {
                "id": 1,
                "outletId": 77,
                "licenseType": "ALCOHOL",
                "number": "N",
                "dateOfIssue": "d",
                "dateOfExpiry": "d",
            },
            "licenses: unknown outlet 77",
        ),
    ],
)
def test_references_follow_the_definition(
    collection: str, entry: dict[str, Any], problem: str
) -> None:
    document = {
        "campaigns": [{"id": 1, "placementModel": "DBS"}],
        "credentials": [{"type": "oauth", "value": "t", "campaignIds": [1]}],
        collection: [entry],
    }
    with pytest.raises(DatasetError, match=problem):
        Dataset(document)


# -- one clock ----------------------------------------------------------------------


def test_a_plain_callable_is_a_real_clock_that_cannot_advance() -> None:
    simulator = Simulator(clock=lambda: 42.0)
    assert simulator.clock() == 42.0
    with httpx.Client(transport=simulator.sync_transport(), base_url=BASE_URL) as client:
        response = client.post("/__simulator__/clock/advance", json={"seconds": 1})
    assert response.status_code == 400
    assert simulator.clock() == 42.0


def test_quotas_and_latency_run_on_the_one_fake_clock() -> None:
    clock = FakeClock()
    simulator = Simulator(clock=clock)
    simulator.faults.configure(latency_seconds=3)
    with httpx.Client(
        transport=simulator.sync_transport(), base_url=BASE_URL, headers={"Api-Key": DEMO_API_KEY}
    ) as client:
        client.post("/v2/campaigns/1001/offers/delete", json={"offerIds": ["SKU-00011"]})
    assert clock() == 3.0
    assert simulator.rate_limits._clock is clock
