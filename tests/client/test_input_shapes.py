"""Inputs of the wrong shape, unknown keys and values JSON cannot carry are refused unsent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import ymarket

from tests.client.support import LICENSE, ClientFactory, for_each_operation

WRONG_SHAPES: dict[str, Any] = {
    "str": "12345",
    "bytes": b"12345",
    "dict": {"a": 1, "b": 2},
    "set": {"a", "b"},
    "frozenset": frozenset({1, 2}),
}

# The parameter taking the items of each operation, and a call passing them.
BULK_CALLS: dict[str, tuple[str, Callable[[ymarket.Client, Any], object]]] = for_each_operation(
    {
        "deleteCampaignOffers": ("offer_ids", lambda c, v: c.delete_campaign_offers(1001, v)),
        "deleteOutletLicenses": ("ids", lambda c, v: c.delete_outlet_licenses(1001, v)),
        "updateOutletLicenses": ("licenses", lambda c, v: c.update_outlet_licenses(1001, v)),
        "updateOrderItems": ("items", lambda c, v: c.update_order_items(1001, 9, v)),
    }
)


@pytest.mark.parametrize("shape", sorted(WRONG_SHAPES))
@pytest.mark.parametrize("operation_id", sorted(BULK_CALLS))
def test_a_wrong_shape_is_refused_naming_the_parameter(
    make_each_client: ClientFactory, operation_id: str, shape: str
) -> None:
    parameter, call = BULK_CALLS[operation_id]
    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError, match=f"{parameter} must be a list") as caught:
        call(client, WRONG_SHAPES[shape])
    assert type(WRONG_SHAPES[shape]).__name__ in str(caught.value)
    assert recorder.requests == []


def test_an_unknown_key_is_refused_with_the_nearest_known_one(
    make_each_client: ClientFactory,
) -> None:
    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError, match="'Id' is not a known key; did you mean 'id'"):
        client.update_outlet_licenses(1001, [{**LICENSE, "Id": 3}])
    with pytest.raises(ymarket.ValidationError, match=r"\$\.items\[0\]\.cont"):
        client.update_order_items(1001, 9, [{"id": 1, "count": 1, "cont": 2}])
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("value", "rule"),
    [(float("nan"), "json"), (float("inf"), "json"), ("\ud800", "json")],
    ids=["nan", "inf", "lone surrogate"],
)
def test_a_value_json_cannot_carry_deep_in_a_list_is_refused_before_the_first_request(
    make_each_client: ClientFactory, value: Any, rule: str
) -> None:
    licenses = [{**LICENSE, "id": i} for i in range(1, 601)]
    licenses[549] = {**licenses[549], "number": value}
    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError) as caught:
        client.update_outlet_licenses(1001, licenses)
    assert "$.licenses[549].number" in {p.path for p in caught.value.problems}
    assert rule in {p.rule for p in caught.value.problems}
    assert recorder.requests == []


def test_a_lone_surrogate_sku_is_refused(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError, match=r"\$\.offerIds\[1\]"):
        client.delete_campaign_offers(1001, ["ok", "bad\udc80"])
    assert recorder.requests == []
