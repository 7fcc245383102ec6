"""Business rules of the docs, through HTTP (the plugin's fixtures), with their error codes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ymarket.simulator import (
    BASE_URL,
    DEMO_OAUTH_TOKEN,
    DEMO_OFFERS_ONLY_API_KEY,
    FakeClock,
    Simulator,
)
from ymarket.simulator.dataset import TEA_SKU
from ymarket.simulator.quota import QuotaLedger
from ymarket.spec import CampaignLimits, campaign_limits, operation, operations

from tests.simulator.support import KEY, VALID, send

OFFERS = "/v2/campaigns/{}/offers/delete"
LICENSES = "/v2/campaigns/{}/outlets/licenses"
ITEMS = "/v2/campaigns/{}/orders/{}/items"


def codes(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body["status"] == "ERROR"
    return [error["code"] for error in body["errors"]]


def license_body(**overrides: Any) -> dict[str, Any]:
    lic = {
        "outletId": 501,
        "licenseType": "ALCOHOL",
        "number": "77RPA0000001",
        "dateOfIssue": "2025-01-01T00:00:00+03:00",
        "dateOfExpiry": "2030-01-01T00:00:00+03:00",
        **overrides,
    }
    return {"licenses": [lic]}


def cis(n: int) -> dict[str, str]:
    return {"cis": f"010460123456789021SERIAL{n:07d}"}


# -- auth -----------------------------------------------------------------------


def test_no_credentials_is_401(ymarket_simulator: Simulator) -> None:
    with httpx.Client(transport=ymarket_simulator.sync_transport(), base_url=BASE_URL) as c:
        response = c.post(OFFERS.format(1001), json={"offerIds": ["SKU-00011"]})
    assert response.status_code == 401
    assert codes(response) == ["UNAUTHORIZED"]
    assert (1001, "SKU-00011") in ymarket_simulator.state.offers


@pytest.mark.parametrize(
    "headers",
    [{"Api-Key": "not-a-key"}, {"Authorization": "Bearer not-a-token"}],
)
def test_unknown_credentials_are_403(ymarket_simulator: Simulator, headers: dict[str, str]) -> None:
    with httpx.Client(
        transport=ymarket_simulator.sync_transport(), base_url=BASE_URL, headers=headers
    ) as c:
        response = c.post(OFFERS.format(1001), json={"offerIds": ["SKU-00011"]})
    assert response.status_code == 403
    assert codes(response) == ["FORBIDDEN"]


def test_key_without_scope_is_403_and_with_scope_passes(ymarket_simulator: Simulator) -> None:
    headers = {"Api-Key": DEMO_OFFERS_ONLY_API_KEY}
    with httpx.Client(
        transport=ymarket_simulator.sync_transport(), base_url=BASE_URL, headers=headers
    ) as c:
        refused = c.delete(LICENSES.format(1001), params={"ids": "9001"})
        allowed = c.post(OFFERS.format(1001), json={"offerIds": ["SKU-00011"]})
    assert refused.status_code == 403
    assert codes(refused) == ["FORBIDDEN"]
    for scope in operation("deleteOutletLicenses").scopes:
        assert scope in refused.json()["errors"][0]["message"]
    assert 9001 in ymarket_simulator.state.licenses
    assert allowed.status_code == 200


def test_oauth_token_is_not_scope_checked_but_campaign_checked(
    ymarket_simulator: Simulator,
) -> None:
    headers = {"Authorization": f"Bearer {DEMO_OAUTH_TOKEN}"}
    with httpx.Client(
        transport=ymarket_simulator.sync_transport(), base_url=BASE_URL, headers=headers
    ) as c:
        ok = c.delete(LICENSES.format(1001), params={"ids": "9001"})
        other = c.post(OFFERS.format(2002), json={"offerIds": ["FBS-0001"]})
    assert ok.status_code == 200
    assert other.status_code == 403
    assert codes(other) == ["FORBIDDEN"]
    assert (2002, "FBS-0001") in ymarket_simulator.state.offers


def test_unknown_campaign_is_404(ymarket_httpx_client: httpx.Client) -> None:
    response = ymarket_httpx_client.post(OFFERS.format(999999), json={"offerIds": ["a"]})
    assert response.status_code == 404
    assert codes(response) == ["CAMPAIGN_NOT_FOUND"]


FBS_REFUSED = sorted(
    op_id for op_id, op in operations().items() if "FBS" not in op.placement_models
)


def test_some_operations_are_not_for_fbs() -> None:
    assert FBS_REFUSED


@pytest.mark.parametrize("op_id", FBS_REFUSED)
def test_dbs_only_operations_refuse_an_fbs_campaign(
    ymarket_simulator: Simulator, op_id: str
) -> None:
    request = {**VALID[op_id], "path": {**VALID[op_id]["path"], "campaignId": 2002}}
    response = send(ymarket_simulator, op_id, request, KEY)
    assert response.status_code == 403
    assert codes(response) == ["CAMPAIGN_TYPE_NOT_SUPPORTED"]
    assert "FBS" in response.json()["errors"][0]["message"]


def test_offers_work_on_fbs(ymarket_httpx_client: httpx.Client) -> None:
    response = ymarket_httpx_client.post(OFFERS.format(2002), json={"offerIds": ["FBS-0001"]})
    assert response.status_code == 200
    assert response.json() == {"status": "OK", "result": {}}


# -- deleteOutletLicenses --------------------------------------------------------


def test_delete_licenses_removes_given_and_ignores_unknown(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    response = ymarket_httpx_client.delete(LICENSES.format(1001) + "?ids=9001,9003,123456")
    assert response.status_code == 200
    assert response.json() == {"status": "OK"}
    assert set(ymarket_simulator.state.licenses) == {9002}
    # A retry after a lost answer is harmless.
    again = ymarket_httpx_client.delete(LICENSES.format(1001) + "?ids=9001,9003")
    assert again.status_code == 200


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("ids=1,x", "$.ids[1]"),
        ("ids=1.0", "$.ids[0]"),
        ("ids=1&ids=x", "$.ids[1]"),
        ("ids=1,2&ids=3", "$.ids[0]"),
    ],
)
def test_delete_licenses_ids_are_parsed_by_the_spec(
    ymarket_httpx_client: httpx.Client, query: str, path: str
) -> None:
    response = ymarket_httpx_client.delete(LICENSES.format(1001) + "?" + query)
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert message.startswith(f"query {path}: ")


def test_delete_licenses_of_another_campaign_are_untouched(ymarket_simulator: Simulator) -> None:
    ymarket_simulator.state.update_outlet_licenses(3003, license_body(outletId=701)["licenses"])
    (other,) = ymarket_simulator.state.campaign_licenses(3003)
    ymarket_simulator.state.delete_outlet_licenses(1001, [other])
    assert other in ymarket_simulator.state.licenses


# -- updateOutletLicenses --------------------------------------------------------


def test_update_licenses_creates_with_new_id_and_changes_by_id(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    before = set(ymarket_simulator.state.licenses)
    created = ymarket_httpx_client.post(LICENSES.format(1001), json=license_body(outletId=502))
    assert created.status_code == 200
    assert created.json() == {"status": "OK"}
    (new_id,) = set(ymarket_simulator.state.licenses) - before
    assert new_id not in before
    assert ymarket_simulator.state.licenses[new_id].outlet_id == 502

    changed = ymarket_httpx_client.post(
        LICENSES.format(1001), json=license_body(id=9001, number="NEW-NUMBER")
    )
    assert changed.status_code == 200
    assert ymarket_simulator.state.licenses[9001].number == "NEW-NUMBER"


def test_update_licenses_unknown_id_or_foreign_outlet_change_nothing(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    before = dict(ymarket_simulator.state.licenses)
    body = license_body()
    body["licenses"].append({**body["licenses"][0], "id": 424242})
    unknown = ymarket_httpx_client.post(LICENSES.format(1001), json=body)
    assert unknown.status_code == 404
    assert codes(unknown) == ["NOT_FOUND"]
    foreign = ymarket_httpx_client.post(LICENSES.format(1001), json=license_body(outletId=601))
    assert foreign.status_code == 404
    assert codes(foreign) == ["NOT_FOUND"]
    assert ymarket_simulator.state.licenses == before


def test_update_licenses_expiry_before_issue_is_400(ymarket_httpx_client: httpx.Client) -> None:
    response = ymarket_httpx_client.post(
        LICENSES.format(1001),
        json=license_body(
            dateOfIssue="2025-01-02T00:00:00+03:00", dateOfExpiry="2025-01-01T23:00:00+03:00"
        ),
    )
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert message.startswith("body $.licenses[0].dateOfExpiry: not-before:")


def test_update_licenses_same_instant_in_other_offsets_is_accepted(
    ymarket_httpx_client: httpx.Client,
) -> None:
    response = ymarket_httpx_client.post(
        LICENSES.format(1001),
        json=license_body(
            dateOfIssue="2025-01-01T03:00:00+03:00", dateOfExpiry="2025-01-01T00:00:00Z"
        ),
    )
    assert response.status_code == 200


def test_update_licenses_only_alcohol(ymarket_httpx_client: httpx.Client) -> None:
    response = ymarket_httpx_client.post(
        LICENSES.format(1001), json=license_body(licenseType="UNKNOWN")
    )
    assert response.status_code == 400
    assert codes(response) == ["CONSTRAINT_VIOLATION"]


# -- deleteCampaignOffers --------------------------------------------------------


def test_delete_offers_reports_not_found_and_warehouse_skus(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    skus = ["SKU-00011", "SKU-00100", "no-such-sku", "tea green 100 g", TEA_SKU]
    response = ymarket_httpx_client.post(OFFERS.format(1001), json={"offerIds": skus})
    assert response.status_code == 200
    assert response.json() == {
        "status": "OK",
        "result": {"notDeletedOfferIds": ["SKU-00100", "no-such-sku"]},
    }
    offers = ymarket_simulator.state.offers
    assert (1001, "SKU-00011") not in offers
    assert (1001, "tea green 100 g") not in offers
    assert (1001, "SKU-00100") in offers


def test_delete_offers_all_deleted_has_no_not_deleted_field(
    ymarket_httpx_client: httpx.Client,
) -> None:
    response = ymarket_httpx_client.post(OFFERS.format(1001), json={"offerIds": ["SKU-00012"]})
    assert response.json() == {"status": "OK", "result": {}}


def test_locked_campaign_is_423_and_unlock_over_control_api(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    locked = ymarket_httpx_client.post(OFFERS.format(3003), json={"offerIds": ["LOCKED-001"]})
    assert locked.status_code == 423
    assert codes(locked) == ["LOCKED"]
    unlock = ymarket_httpx_client.patch("/__simulator__/campaigns/3003", json={"locked": False})
    assert unlock.json() == {"id": 3003, "locked": False}
    ok = ymarket_httpx_client.post(OFFERS.format(3003), json={"offerIds": ["LOCKED-001"]})
    assert ok.status_code == 200
    assert (3003, "LOCKED-001") not in ymarket_simulator.state.offers


# -- updateOrderItems ------------------------------------------------------------


def items_of(sim: Simulator, order_id: int) -> dict[int, int]:
    return {item.id: item.count for item in sim.state.orders[(1001, order_id)].items}


def test_update_items_reduces_removes_unlisted_and_returns_no_body(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    response = ymarket_httpx_client.put(
        ITEMS.format(1001, 70001),
        json={
            "items": [
                {"id": 1, "count": 2, "instances": [cis(1), cis(2)]},
                {"id": 3, "count": 1},
            ],
            "reason": "PARTNER_REQUESTED_REMOVE",
        },
    )
    assert response.status_code == 200
    assert response.content == b""
    assert items_of(ymarket_simulator, 70001) == {1: 2, 3: 1}
    order = ymarket_simulator.state.orders[(1001, 70001)]
    assert order.change_reason == "PARTNER_REQUESTED_REMOVE"
    assert order.items[0].instances == [cis(1), cis(2)]


def test_update_items_count_zero_removes(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    response = ymarket_httpx_client.put(
        ITEMS.format(1001, 70001),
        json={
            "items": [
                {"id": 1, "count": 3, "instances": [cis(1), cis(2), cis(3)]},
                {"id": 2, "count": 0},
                {"id": 3, "count": 1},
            ]
        },
    )
    assert response.status_code == 200
    assert items_of(ymarket_simulator, 70001) == {1: 3, 3: 1}


KEEP_1 = {"id": 1, "count": 3, "instances": [cis(1), cis(2), cis(3)]}


@pytest.mark.parametrize(
    ("order_id", "items", "code"),
    [
        (70002, [{"id": 1, "count": 1}], "STATUS_NOT_ALLOWED"),
        (70003, [{"id": 1, "count": 1}], "STATUS_NOT_ALLOWED"),
        (
            70001,
            [KEEP_1, {"id": 2, "count": 3}, {"id": 3, "count": 1}],
            "ITEMS_ADDITION_NOT_SUPPORTED",
        ),
        (70001, [KEEP_1, {"id": 2, "count": 2}], "PROMO_PROHIBITS_DELETE"),
        (70001, [KEEP_1, {"id": 2, "count": 2}, {"id": 3, "count": 0}], "PROMO_PROHIBITS_DELETE"),
        (70004, [{"id": 1, "count": 3}], "CANNOT_REMOVE_LAST_ITEM"),
        (70005, [{"id": 1, "count": 0}, {"id": 2, "count": 1}], "DELETED_ITEMS_EXCEEDS_THRESHOLD"),
        (
            70001,
            [{"id": 1, "count": 2}, {"id": 2, "count": 2}, {"id": 3, "count": 1}],
            "TOO_FEW_CISES_FOR_ITEM",
        ),
        (
            70001,
            [{"id": 1, "count": 2, "instances": [cis(1)]}, {"id": 3, "count": 1}],
            "TOO_FEW_CISES_FOR_ITEM",
        ),
        (
            70001,
            [
                {"id": 1, "count": 1, "instances": [cis(1), cis(2)]},
                {"id": 2, "count": 2},
                {"id": 3, "count": 1},
            ],
            "TOO_MANY_CISES_FOR_ITEM",
        ),
        (70001, [KEEP_1, {"id": 9, "count": 1}], "ITEM_NOT_FOUND"),
        (70001, [KEEP_1, KEEP_1, {"id": 3, "count": 1}], "ITEM_DUPLICATE"),
        (70005, [{"id": 1, "count": 1}, {"id": 2, "count": 0}], None),
    ],
)
def test_update_items_rules(
    ymarket_httpx_client: httpx.Client,
    ymarket_simulator: Simulator,
    order_id: int,
    items: list[dict[str, Any]],
    code: str | None,
) -> None:
    before = items_of(ymarket_simulator, order_id)
    response = ymarket_httpx_client.put(ITEMS.format(1001, order_id), json={"items": items})
    if code is None:
        assert response.status_code == 200
        assert items_of(ymarket_simulator, order_id) != before
    else:
        assert response.status_code == 400
        assert codes(response) == [code]
        assert items_of(ymarket_simulator, order_id) == before


def test_update_items_all_removed_is_refused(ymarket_simulator: Simulator) -> None:
    sim = ymarket_simulator
    order = sim.state.orders[(1001, 70002)]
    order.substatus = "STARTED"
    with httpx.Client(
        transport=sim.sync_transport(), base_url=BASE_URL, headers={"Api-Key": "demo-api-key"}
    ) as c:
        response = c.put(
            ITEMS.format(1001, 70002),
            json={"items": [{"id": 1, "count": 0}, {"id": 2, "count": 0}]},
        )
    assert codes(response) == ["CANNOT_REMOVE_LAST_ITEM"]


def test_unknown_order_is_404(ymarket_httpx_client: httpx.Client) -> None:
    response = ymarket_httpx_client.put(
        ITEMS.format(1001, 1), json={"items": [{"id": 1, "count": 1}]}
    )
    assert response.status_code == 404
    assert codes(response) == ["NOT_FOUND"]


# -- rate limits -----------------------------------------------------------------


def test_offer_ids_are_counted_per_campaign_and_the_window_slides(
    ymarket_httpx_client: httpx.Client, ymarket_clock: FakeClock
) -> None:
    tier = operation("deleteCampaignOffers").rate_limit
    assert tier is not None and tier.unit == "items"
    base = tier.tier()
    batch = [f"missing-{n}" for n in range(500)]
    calls = base.limit // len(batch)
    for _ in range(calls):
        ok = ymarket_httpx_client.post(OFFERS.format(1001), json={"offerIds": batch})
        assert ok.status_code == 200
    over = ymarket_httpx_client.post(OFFERS.format(1001), json={"offerIds": ["one-more"]})
    assert over.status_code == 420
    assert codes(over) == ["LIMIT_EXCEEDED"]
    # Another campaign has its own quota.
    other = ymarket_httpx_client.post(OFFERS.format(2002), json={"offerIds": ["x"]})
    assert other.status_code == 200
    ymarket_clock.advance(base.period_seconds)
    again = ymarket_httpx_client.post(OFFERS.format(1001), json={"offerIds": ["one-more"]})
    assert again.status_code == 200


def test_request_limit_per_operation(ymarket_simulator: Simulator) -> None:
    limit = operation("deleteOutletLicenses").rate_limit
    assert limit is not None and limit.unit == "requests"
    tier = limit.tier()
    campaign = ymarket_simulator.state.campaigns[1001]
    # Spend the quota directly (100,000 HTTP calls would be slow), then one call over HTTP.
    limiter = ymarket_simulator.rate_limits
    assert limiter.spend(campaign.id, "deleteOutletLicenses", tier, tier.limit, "requests") is None
    with httpx.Client(
        transport=ymarket_simulator.sync_transport(),
        base_url=BASE_URL,
        headers={"Api-Key": "demo-api-key"},
    ) as c:
        over = c.delete(LICENSES.format(1001), params={"ids": "9001"})
        other_op = c.post(LICENSES.format(1001), json=license_body())
    assert over.status_code == 420
    assert 9001 in ymarket_simulator.state.licenses
    assert other_op.status_code == 200


def test_max_parallel_calls() -> None:
    limit = operation("updateOrderItems").rate_limit
    assert limit is not None
    tier = limit.tier()
    assert tier.max_parallel is not None
    # The operation's own cap, with a campaign-wide cap above it.
    wide = CampaignLimits(max_parallel=tier.max_parallel + 1, message="{limit} {campaignId}")
    limiter = QuotaLedger(FakeClock(), wide)
    for _ in range(tier.max_parallel):
        assert limiter.enter(1001, "updateOrderItems", tier) is None
    assert limiter.enter(1001, "updateOrderItems", tier) is not None
    limiter.leave(1001, "updateOrderItems")
    assert limiter.enter(1001, "updateOrderItems", tier) is None


# -- routing ---------------------------------------------------------------------


def test_unknown_path_and_method_answer_json_and_are_recorded(
    ymarket_httpx_client: httpx.Client, ymarket_simulator: Simulator
) -> None:
    missing = ymarket_httpx_client.get("/v2/nothing")
    assert missing.status_code == 404
    assert codes(missing) == ["NOT_FOUND"]
    wrong = ymarket_httpx_client.get(LICENSES.format(1001))
    assert wrong.status_code == 405
    assert codes(wrong) == ["METHOD_NOT_ALLOWED"]
    assert set(wrong.headers["allow"].split(", ")) == {"DELETE", "POST"}
    assert [(r.operation_id, r.path, r.status) for r in ymarket_simulator.requests] == [
        (None, "/v2/nothing", 404),
        (None, LICENSES.format(1001), 405),
    ]


@pytest.mark.parametrize(
    ("content", "content_type", "rule"),
    [
        (b"", "application/json", "required"),
        (b"{", "application/json", "json"),
        (b'{"offerIds": [NaN]}', "application/json", "json"),
        (b'{"offerIds": ["a"]}', "text/plain", "content-type"),
    ],
)
def test_unreadable_bodies_are_400(
    ymarket_httpx_client: httpx.Client, content: bytes, content_type: str, rule: str
) -> None:
    response = ymarket_httpx_client.post(
        OFFERS.format(1001), content=content, headers={"content-type": content_type}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(f"body $: {rule}: ")


def test_calls_in_flight_per_campaign_across_operations() -> None:
    wide = campaign_limits()
    assert wide is not None
    limiter = QuotaLedger(FakeClock(), wide)
    ops = sorted(operations())
    for n in range(wide.max_parallel):
        assert limiter.enter(1001, ops[n % len(ops)], None) is None
    refusal = limiter.enter(1001, ops[0], None)
    assert refusal is not None and refusal.message == wide.refusal(1001)
    assert limiter.enter(2002, ops[0], None) is None
    limiter.leave(1001, ops[1])
    assert limiter.enter(1001, ops[0], None) is None
