"""Every answer the published schemas allow is read; SKUs are trimmed; the integration header."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import ymarket
from ymarket._convert import value_transform
from ymarket.spec import operation, spec_version

from tests.client.support import EXAMPLE_CALLS, ClientFactory, error_body, ok_handler

OK_OFFER_ANSWERS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "list null": ({"status": "OK", "result": {"notDeletedOfferIds": None}}, ()),
    "list absent": ({"status": "OK", "result": {}}, ()),
    "result null": ({"status": "OK", "result": None}, ()),
    "result absent": ({"status": "OK"}, ()),
    "unknown fields": (
        {"status": "OK", "result": {"notDeletedOfferIds": ["a"], "new": 1}, "other": [2]},
        ("a",),
    ),
    "unknown status value": (
        {"status": "PARTIAL", "result": {"notDeletedOfferIds": ["a"]}},
        ("a",),
    ),
    "kept SKU with spaces": ({"status": "OK", "result": {"notDeletedOfferIds": [" a "]}}, ("a",)),
}


def answer(status: int, body: Any) -> Any:
    return lambda _request: httpx.Response(status, json=body)


@pytest.mark.parametrize("kind", sorted(OK_OFFER_ANSWERS))
def test_every_allowed_success_of_offers_delete_is_read(
    make_each_client: ClientFactory, kind: str
) -> None:
    body, kept = OK_OFFER_ANSWERS[kind]
    client, _ = make_each_client(answer(200, body))
    result = client.delete_campaign_offers(1001, ["a", "b"])
    assert result.not_deleted_offer_ids == kept
    assert result.chunks[0].not_deleted == kept


@pytest.mark.parametrize("operation_id", EXAMPLE_CALLS)
@pytest.mark.parametrize("errors", [None, "absent"])
@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, ymarket.BadRequestError), (404, ymarket.NotFoundError), (500, ymarket.ServerError)],
)
def test_errors_null_or_absent_still_give_the_typed_error(
    make_each_client: ClientFactory,
    operation_id: str,
    errors: str | None,
    status: int,
    error_class: type[ymarket.ApiError],
) -> None:
    body: dict[str, Any] = {"status": "ERROR"}
    if errors is None:
        body["errors"] = None
    client, _ = make_each_client(answer(status, body), max_retries=0)
    with pytest.raises(error_class) as caught:
        EXAMPLE_CALLS[operation_id](client)
    assert caught.value.status_code == status
    assert caught.value.errors == ()


@pytest.mark.parametrize("operation_id", EXAMPLE_CALLS)
def test_a_200_whose_body_says_error_is_an_error_with_its_codes(
    make_each_client: ClientFactory, operation_id: str
) -> None:
    client, recorder = make_each_client(answer(200, error_body("SOME_CODE", "it failed")))
    with pytest.raises(ymarket.UnexpectedResponseError) as caught:
        EXAMPLE_CALLS[operation_id](client)
    assert [e.code for e in caught.value.errors] == ["SOME_CODE"]
    assert len(recorder.requests) == 1  # not retried
    progress = getattr(caught.value, "progress", None)
    if progress is not None:  # a bulk call: the chunk is failed, not done
        assert progress.done == ()
        assert len(progress.failed) == 1


def test_the_sku_transform_is_read_from_the_spec() -> None:
    items = (operation("deleteCampaignOffers").bulk_field_schema or {})["items"]
    assert items["x-ymarket-transform"] == "trim"
    transform = value_transform(items)
    assert transform is not None
    assert transform(" \tSKU1 ") == "SKU1"
    assert value_transform({"type": "string"}) is None
    with pytest.raises(ValueError, match="unknown x-ymarket-transform"):
        value_transform({"x-ymarket-transform": "reverse"})


def test_trimmed_duplicates_in_a_list_are_refused_before_sending(
    make_each_client: ClientFactory,
) -> None:
    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError, match="uniqueItems"):
        client.delete_campaign_offers(1001, ["SKU1", " SKU1 "])
    assert recorder.requests == []


def test_trimmed_duplicates_in_a_stream_are_refused(make_each_client: ClientFactory) -> None:
    chunk = operation("deleteCampaignOffers").chunking()[1]
    client, recorder = make_each_client()
    skus = iter([*(f"s{i}" for i in range(chunk)), " s0"])
    with pytest.raises(ymarket.ValidationError, match="already appeared"):
        client.delete_campaign_offers(1001, skus)
    assert len(recorder.requests) == 1


def test_skus_are_sent_and_counted_trimmed(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(ok_handler)
    result = client.delete_campaign_offers(1001, ["  keep-1", "gone-2\t"])
    assert json.loads(recorder.requests[0].content) == {"offerIds": ["keep-1", "gone-2"]}
    assert result.chunks[0].items == ("keep-1", "gone-2")
    assert result.not_deleted_offer_ids == ("keep-1",)
    assert result.deleted_count == 1


def test_the_integration_header_is_sent(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client()
    client.delete_outlet_licenses(1001, [1])
    assert (
        recorder.requests[0].headers["X-Market-Integration"] == f"ymarket-partner/{spec_version()}"
    )
    client, recorder = make_each_client(integration="acme-shop/2.1")
    client.delete_outlet_licenses(1001, [1])
    assert recorder.requests[0].headers["X-Market-Integration"] == "acme-shop/2.1"
