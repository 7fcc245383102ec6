"""Every error status and every kind of broken body gives the right typed error."""

from __future__ import annotations

import json

import httpx
import pytest
import ymarket

from tests.client.support import EXAMPLE_CALLS, LICENSE, ClientFactory, error_body

STATUS_CLASSES: list[tuple[int, type[ymarket.ApiError]]] = [
    (400, ymarket.BadRequestError),
    (401, ymarket.UnauthorizedError),
    (403, ymarket.ForbiddenError),
    (404, ymarket.NotFoundError),
    (420, ymarket.RateLimitError),
    (423, ymarket.LockedError),
    (500, ymarket.ServerError),
    (502, ymarket.ServerError),
    (503, ymarket.ServerError),
    (409, ymarket.ApiError),
    (418, ymarket.ApiError),
    (302, ymarket.ApiError),
]

BODIES: dict[str, bytes] = {
    "documented": json.dumps(error_body("SOME_CODE", "what went wrong")).encode(),
    "empty": b"",
    "html": b"<html><body>502 Bad Gateway</body></html>",
    "truncated json": b'{"status": "ERROR", "errors": [{"code": "X"',
    "unknown enum": json.dumps(
        {"status": "SOMETHING_NEW", "errors": [{"code": "SOME_CODE", "message": "m"}]}
    ).encode(),
    "no code": json.dumps({"status": "ERROR", "errors": [{"message": "only a message"}]}).encode(),
    "errors not objects": json.dumps({"status": "ERROR", "errors": ["SOME_CODE"]}).encode(),
    "json array": b"[1, 2]",
}

CALLS = EXAMPLE_CALLS


@pytest.mark.parametrize("operation_id", sorted(CALLS))
@pytest.mark.parametrize(("status", "error_class"), STATUS_CLASSES)
@pytest.mark.parametrize("body_kind", sorted(BODIES))
def test_status_gives_typed_error_with_raw_text(
    make_each_client: ClientFactory,
    operation_id: str,
    status: int,
    error_class: type[ymarket.ApiError],
    body_kind: str,
) -> None:
    content = BODIES[body_kind]
    client, recorder = make_each_client(
        lambda _: httpx.Response(status, content=content, headers={"X-Trace": "t1"}),
        max_retries=0,
    )
    with pytest.raises(ymarket.ApiError) as caught:
        CALLS[operation_id](client)
    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.raw_text == content.decode()
    assert error.headers["x-trace"] == "t1"
    assert error.operation_id == operation_id
    assert len(recorder.requests) == 1
    if body_kind in ("documented", "unknown enum"):
        assert error.errors == (ymarket.ErrorDetail("SOME_CODE", error.errors[0].message),)
        assert "SOME_CODE" in str(error)
    elif body_kind == "errors not objects":
        assert [e.code for e in error.errors] == ["SOME_CODE"]
    elif body_kind == "no code":
        assert error.errors == (ymarket.ErrorDetail("", "only a message"),)
    else:
        assert error.errors == ()
        assert (repr(content.decode()[:20])[1:-1] in str(error)) or "empty body" in str(error)


def test_api_errors_are_one_family() -> None:
    for _, cls in STATUS_CLASSES:
        assert issubclass(cls, ymarket.ApiError)
        assert issubclass(cls, ymarket.YMarketError)
    assert issubclass(ymarket.TransportError, ymarket.YMarketError)
    assert issubclass(ymarket.ValidationError, ValueError)


def test_retry_after_is_read(make_each_client: ClientFactory) -> None:
    client, _ = make_each_client(
        lambda _: httpx.Response(420, json=error_body(), headers={"Retry-After": "12"}),
        max_retries=0,
    )
    with pytest.raises(ymarket.RateLimitError) as caught:
        client.delete_campaign_offers(1001, ["a"])
    assert caught.value.retry_after == 12.0


@pytest.mark.parametrize(
    ("exception", "maybe_sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("connect timeout"), False),
        (httpx.PoolTimeout("pool timeout"), False),
        (httpx.ReadTimeout("read timeout"), True),
        (httpx.WriteTimeout("write timeout"), True),
        (httpx.RemoteProtocolError("peer closed connection"), True),
        (httpx.ReadError("connection reset"), True),
    ],
)
def test_transport_failures_become_transport_error(
    make_each_client: ClientFactory, exception: httpx.TransportError, maybe_sent: bool
) -> None:
    def fail(_: httpx.Request) -> httpx.Response:
        raise exception

    client, _ = make_each_client(fail, max_retries=0)
    with pytest.raises(ymarket.TransportError) as caught:
        client.delete_outlet_licenses(1001, [1])
    assert caught.value.maybe_sent is maybe_sent
    assert ("may have been sent" in str(caught.value)) is maybe_sent


class TestTolerantSuccess:
    """A 2xx with an unexpected body does not crash."""

    def test_unknown_status_enum_in_success(self, make_each_client: ClientFactory) -> None:
        body = {"status": "PARTIAL", "result": {"notDeletedOfferIds": ["b"]}}
        client, _ = make_each_client(lambda _: httpx.Response(200, json=body))
        result = client.delete_campaign_offers(1001, ["a", "b"])
        assert result.not_deleted_offer_ids == ("b",)

    def test_success_without_result_means_nothing_kept(
        self, make_each_client: ClientFactory
    ) -> None:
        client, _ = make_each_client(lambda _: httpx.Response(200, json={"status": "OK"}))
        assert client.delete_campaign_offers(1001, ["a"]).not_deleted_offer_ids == ()

    @pytest.mark.parametrize("content", [b"", b"<html>ok</html>", b'{"result": 5}'])
    def test_unreadable_delete_result_is_an_error_with_raw_text(
        self, make_each_client: ClientFactory, content: bytes
    ) -> None:
        client, _ = make_each_client(lambda _: httpx.Response(200, content=content))
        with pytest.raises(ymarket.UnexpectedResponseError) as caught:
            client.delete_campaign_offers(1001, ["a"])
        assert caught.value.raw_text == content.decode()
        assert caught.value.status_code == 200

    @pytest.mark.parametrize("content", [b"", b"not json", b'{"status": "NEW_VALUE"}'])
    def test_license_success_with_any_body_is_success(
        self, make_each_client: ClientFactory, content: bytes
    ) -> None:
        client, _ = make_each_client(lambda _: httpx.Response(200, content=content))
        assert client.delete_outlet_licenses(1001, [1, 2]).count == 2
        assert client.update_outlet_licenses(1001, [LICENSE]).count == 1

    def test_order_items_success_ignores_body(self, make_each_client: ClientFactory) -> None:
        client, _ = make_each_client(lambda _: httpx.Response(200, content=b"whatever"))
        result = client.update_order_items(1001, 9, [{"id": 1, "count": 0}])
        assert result.status_code == 200
