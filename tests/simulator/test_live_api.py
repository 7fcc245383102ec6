"""The simulator follows the live API (issue 11): both ``ids`` forms, trimmed SKUs,
the ``X-RateLimit-Resource-*`` headers, the campaign-wide limit of calls in
flight, and Yandex's published error codes.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import time
from pathlib import Path

import httpx
import pytest
import yaml
from ymarket.simulator import BASE_URL, DEMO_API_KEY, FakeClock, Simulator
from ymarket.simulator.errors import ApiError
from ymarket.simulator.transforms import request_transformer, transformed
from ymarket.spec import campaign_limits, operations

from tests.simulator.support import KEY, VALID, send

LICENSES = "/v2/campaigns/1001/outlets/licenses"
OFFERS = "/v2/campaigns/1001/offers/delete"
UPSTREAM_CODES = (
    Path(__file__).resolve().parents[2].parent
    / "shared/upstream/yandex-market-partner-api/openapi/components/schemas/ApiErrorCodeType.yaml"
)


def client(simulator: Simulator) -> httpx.Client:
    return httpx.Client(
        transport=simulator.sync_transport(), base_url=BASE_URL, headers={"Api-Key": DEMO_API_KEY}
    )


# -- ids in both forms ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["ids=9001,9003", "ids=9001&ids=9003"])
def test_ids_are_accepted_comma_separated_and_repeated(query: str) -> None:
    simulator = Simulator(clock=FakeClock())
    with client(simulator) as c:
        response = c.delete(f"{LICENSES}?{query}")
    assert response.status_code == 200, response.text
    assert set(simulator.state.licenses) == {9002}


# -- trimmed SKUs ----------------------------------------------------------------------


def test_a_padded_sku_is_the_sku() -> None:
    simulator = Simulator(clock=FakeClock())
    with client(simulator) as c:
        response = c.post(OFFERS, json={"offerIds": ["  SKU-00011\t", " SKU-00100 "]})
    assert response.json() == {"status": "OK", "result": {"notDeletedOfferIds": ["SKU-00100"]}}
    assert (1001, "SKU-00011") not in simulator.state.offers


def test_skus_equal_once_trimmed_are_one_sku_listed_twice() -> None:
    simulator = Simulator(clock=FakeClock())
    with client(simulator) as c:
        response = c.post(OFFERS, json={"offerIds": ["SKU-00011", " SKU-00011 "]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("body $.offerIds: uniqueItems")
    assert (1001, "SKU-00011") in simulator.state.offers


def test_transforms_follow_the_schema_marks() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kept": {"type": "string"},
            "trimmed": {
                "type": "array",
                "items": {"type": "string", "x-ymarket-transform": "trim"},
            },
        },
    }
    value = {"kept": " a ", "trimmed": [" b ", "c\t"], "other": " d "}
    assert transformed(schema, value) == {"kept": " a ", "trimmed": ["b", "c"], "other": " d "}
    with pytest.raises(ValueError, match="unknown x-ymarket-transform"):
        transformed({"x-ymarket-transform": "upper"}, "a")


@pytest.mark.parametrize("op_id", sorted(operations()))
def test_each_operation_trims_what_its_schema_marks(op_id: str) -> None:
    schema = operations()[op_id].request_body_schema
    marked = schema is not None and "x-ymarket-transform" in json.dumps(schema)
    transformer = request_transformer(op_id)
    assert (transformer is not None) == marked
    if transformer is not None and schema is not None:
        body = VALID[op_id]["json"]
        assert transformer(body) == body


# -- X-RateLimit-Resource-* -------------------------------------------------------------


def _until(response: httpx.Response) -> float:
    return email.utils.parsedate_to_datetime(
        response.headers["X-RateLimit-Resource-Until"]
    ).timestamp()


def test_quota_headers_follow_the_quota_state() -> None:
    clock = FakeClock()
    simulator = Simulator(clock=clock)
    limit = operations()["deleteCampaignOffers"].rate_limit
    assert limit is not None
    tier = limit.tier()
    started = time.time()
    with client(simulator) as c:
        first = c.post(OFFERS, json={"offerIds": ["SKU-00011", "SKU-00012"]})
        clock.advance(10)
        second = c.post(OFFERS, json={"offerIds": ["SKU-00013"]})
        clock.advance(tier.period_seconds)
        third = c.post(OFFERS, json={"offerIds": ["SKU-00014"]})
    assert first.headers["X-RateLimit-Resource-Limit"] == str(tier.limit)
    assert first.headers["X-RateLimit-Resource-Remaining"] == str(tier.limit - 2)
    assert second.headers["X-RateLimit-Resource-Remaining"] == str(tier.limit - 3)
    # The window runs until its oldest spend leaves it.
    assert _until(second) == _until(first)
    assert abs(_until(first) - (started + tier.period_seconds)) < 60
    # A period later the first two spends have left; the window restarts.
    assert third.headers["X-RateLimit-Resource-Remaining"] == str(tier.limit - 1)
    assert _until(third) > _until(first)
    assert first.headers["X-RateLimit-Resource-Until"].endswith(" GMT")


@pytest.mark.parametrize("op_id", sorted(operations()))
def test_every_answer_carries_the_quota_headers(op_id: str) -> None:
    simulator = Simulator(clock=FakeClock())
    refused = send(simulator, op_id, VALID[op_id], {})
    answered = send(simulator, op_id, VALID[op_id], KEY)
    simulator.faults.configure(error_rate=1.0)
    failed = send(simulator, op_id, VALID[op_id], KEY)
    limit = operations()[op_id].rate_limit
    assert limit is not None
    full = limit.tier().limit
    for response in (refused, answered, failed):
        assert response.headers["X-RateLimit-Resource-Limit"] == str(full)
        assert "X-RateLimit-Resource-Until" in response.headers
    assert (refused.status_code, answered.status_code, failed.status_code) == (401, 200, 500)
    # Refused before the quota and failed before processing: nothing spent.
    assert refused.headers["X-RateLimit-Resource-Remaining"] == str(full)
    assert int(answered.headers["X-RateLimit-Resource-Remaining"]) < full
    remaining = answered.headers["X-RateLimit-Resource-Remaining"]
    assert failed.headers["X-RateLimit-Resource-Remaining"] == remaining


# -- the campaign-wide limit of calls in flight ---------------------------------------


class GateClock(FakeClock):
    """A fake clock whose sleeps wait for a gate: requests stay in flight until it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.sleeping = 0

    async def sleep(self, seconds: float) -> None:
        self.sleeping += 1
        await self.gate.wait()


def test_calls_in_flight_per_campaign_are_limited_across_operations() -> None:
    limits = campaign_limits()
    assert limits is not None
    clock = GateClock()
    simulator = Simulator(clock=clock)
    simulator.faults.configure(latency_seconds=1)
    calls = [("POST", OFFERS, {"json": {"offerIds": [f"SKU-{n:05d}"]}}) for n in range(11, 14)] + [
        ("DELETE", LICENSES, {"params": {"ids": str(n)}}) for n in range(1, 4)
    ]

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            transport=simulator.async_transport(), base_url=BASE_URL, headers=KEY
        ) as c:
            tasks = [asyncio.create_task(c.request(m, u, **kw)) for m, u, kw in calls]
            while clock.sleeping < limits.max_parallel or not any(t.done() for t in tasks):
                await asyncio.sleep(0)
            clock.gate.set()
            return list(await asyncio.gather(*tasks))

    responses = asyncio.run(run())
    refused = [r for r in responses if r.status_code == 420]
    assert len(refused) == len(calls) - limits.max_parallel
    for response in refused:
        error = response.json()["errors"][0]
        assert error == {"code": "LIMIT_EXCEEDED", "message": limits.refusal(1001)}
    assert sum(r.status_code == 200 for r in responses) == limits.max_parallel


# -- Yandex's error codes ----------------------------------------------------------------


def test_codes_are_yandexs_where_marked_so() -> None:
    if not UPSTREAM_CODES.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{UPSTREAM_CODES} is missing")
        pytest.skip("the shared upstream snapshot is not beside the repository")
    published = set(yaml.safe_load(UPSTREAM_CODES.read_text("utf-8"))["enum"])
    for error in ApiError:
        assert (error.code in published) == error.yandex, error.code


def test_the_readme_lists_the_simulators_own_codes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme[readme.index("### Rules and error codes") :]
    section = section[: section.index("\n### ", 1)]
    for error in ApiError:
        if not error.yandex:
            assert f"`{error.code}` (own)" in section, error.code
