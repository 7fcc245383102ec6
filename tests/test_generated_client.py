"""The generated endpoints put the right request on the wire and parse every documented answer."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import httpx
import pytest
from ymarket_api import AuthenticatedClient, errors
from ymarket_api.api.assortment import delete_campaign_offers
from ymarket_api.api.orders import update_order_items
from ymarket_api.api.outlets import delete_outlet_licenses, update_outlet_licenses
from ymarket_api.models import (
    ApiErrorResponse,
    ApiResponse,
    ApiResponseStatusType,
    DeleteCampaignOffersDTO,
    DeleteCampaignOffersRequest,
    DeleteCampaignOffersResponse,
    LicenseType,
    OrderItemModificationDTO,
    OrderItemsModificationRequestReasonType,
    OutletLicenseDTO,
    UpdateOrderItemRequest,
    UpdateOutletLicenseRequest,
)

ERROR_BODY = {"status": "ERROR", "errors": [{"code": "LIMIT_EXCEEDED", "message": "too many"}]}


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]
) -> AuthenticatedClient:
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = AuthenticatedClient(
        base_url="https://api.partner.market.yandex.ru",
        token="secret-key",
        prefix="",
        auth_header_name="Api-Key",
    )
    client.set_httpx_client(
        httpx.Client(
            base_url="https://api.partner.market.yandex.ru",
            transport=httpx.MockTransport(record),
            headers={"Api-Key": "secret-key"},
        )
    )
    return client


def respond(status: int, body: object | None = None) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status)
        return httpx.Response(status, json=body)

    return handler


def test_delete_outlet_licenses_sends_comma_separated_ids() -> None:
    seen: list[httpx.Request] = []
    client = make_client(respond(200, {"status": "OK"}), seen)
    response = delete_outlet_licenses.sync_detailed(1001, client=client, ids=[1, 22, 333])
    (request,) = seen
    assert request.method == "DELETE"
    # A literal comma, as OpenAPI's form/explode=false and the docs show it.
    assert request.url.raw_path == b"/v2/campaigns/1001/outlets/licenses?ids=1,22,333"
    assert request.headers["Api-Key"] == "secret-key"
    assert request.content == b""
    assert response.status_code == 200
    assert isinstance(response.parsed, ApiResponse)
    assert response.parsed.status is ApiResponseStatusType.OK


def test_update_outlet_licenses_sends_json_body() -> None:
    seen: list[httpx.Request] = []
    client = make_client(respond(200, {"status": "OK"}), seen)
    msk = datetime.timezone(datetime.timedelta(hours=3))
    body = UpdateOutletLicenseRequest(
        licenses=[
            OutletLicenseDTO(
                outlet_id=7,
                license_type=LicenseType.ALCOHOL,
                number="77AB",
                date_of_issue=datetime.datetime(2017, 11, 13, tzinfo=msk),
                date_of_expiry=datetime.datetime(2022, 11, 20, tzinfo=msk),
            )
        ]
    )
    update_outlet_licenses.sync_detailed(1001, client=client, body=body)
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", "/v2/campaigns/1001/outlets/licenses")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "licenses": [
            {
                "outletId": 7,
                "licenseType": "ALCOHOL",
                "number": "77AB",
                "dateOfIssue": "2017-11-13T00:00:00+03:00",
                "dateOfExpiry": "2022-11-20T00:00:00+03:00",
            }
        ]
    }


def test_delete_campaign_offers_parses_not_deleted() -> None:
    seen: list[httpx.Request] = []
    answer = {"status": "OK", "result": {"notDeletedOfferIds": ["B"]}}
    client = make_client(respond(200, answer), seen)
    response = delete_campaign_offers.sync_detailed(
        2002, client=client, body=DeleteCampaignOffersRequest(offer_ids=["A", "B"])
    )
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", "/v2/campaigns/2002/offers/delete")
    assert request.url.query == b""
    assert json.loads(request.content) == {"offerIds": ["A", "B"]}
    assert isinstance(response.parsed, DeleteCampaignOffersResponse)
    assert isinstance(response.parsed.result, DeleteCampaignOffersDTO)
    assert response.parsed.result.not_deleted_offer_ids == ["B"]


def test_update_order_items_put_with_no_response_body() -> None:
    seen: list[httpx.Request] = []
    client = make_client(respond(200), seen)
    body = UpdateOrderItemRequest(
        items=[OrderItemModificationDTO(id=5, count=1)],
        reason=OrderItemsModificationRequestReasonType.PARTNER_REQUESTED_REMOVE,
    )
    response = update_order_items.sync_detailed(1001, 42, client=client, body=body)
    (request,) = seen
    assert (request.method, request.url.path) == ("PUT", "/v2/campaigns/1001/orders/42/items")
    assert json.loads(request.content) == {
        "items": [{"id": 5, "count": 1}],
        "reason": "PARTNER_REQUESTED_REMOVE",
    }
    assert response.status_code == 200
    assert response.parsed is None
    assert response.content == b""


@pytest.mark.parametrize("status", [400, 401, 403, 404, 420, 500])
def test_error_codes_parse_to_the_error_model(status: int) -> None:
    client = make_client(respond(status, ERROR_BODY), [])
    response = delete_outlet_licenses.sync_detailed(1, client=client, ids=[1])
    assert response.status_code == status
    assert isinstance(response.parsed, ApiErrorResponse)
    assert response.parsed.status is ApiResponseStatusType.ERROR
    assert response.parsed.errors and response.parsed.errors[0].code == "LIMIT_EXCEEDED"


@pytest.mark.parametrize("status", [420, 423, 500])
def test_offers_error_codes_including_423(status: int) -> None:
    client = make_client(respond(status, ERROR_BODY), [])
    response = delete_campaign_offers.sync_detailed(
        1, client=client, body=DeleteCampaignOffersRequest(offer_ids=["A"])
    )
    assert response.status_code == status
    assert isinstance(response.parsed, ApiErrorResponse)


@pytest.mark.parametrize(
    "content",
    [b"<html>bad gateway</html>", b"", b'{"errors": []}', b'{"status": "MAYBE"}'],
    ids=["html", "empty", "no-status", "unknown-enum"],
)
def test_malformed_bodies_raise_one_typed_error(content: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, content=content)

    client = make_client(handler, [])
    with pytest.raises(errors.UnparseableResponse) as raised:
        delete_outlet_licenses.sync_detailed(1, client=client, ids=[1])
    assert raised.value.status_code == 500
    assert raised.value.content == content


def test_default_timeout_is_finite() -> None:
    client = AuthenticatedClient(base_url="https://example.invalid", token="t")
    timeout = client.get_httpx_client().timeout
    assert timeout.read is not None and timeout.read > 5
    client.get_httpx_client().close()
