"""Credentials stay secret; plain HTTP is refused; construction and configuration."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import httpx
import pytest
import ymarket

from tests.client.support import (
    API_KEY,
    LICENSE,
    AsyncClientFactory,
    ClientFactory,
    error_body,
    run,
)

OAUTH = "oauth-token-secret-99"


def test_api_key_goes_in_the_spec_header(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client()
    client.delete_outlet_licenses(1001, [1])
    assert recorder.requests[0].headers["Api-Key"] == API_KEY
    assert "authorization" not in recorder.requests[0].headers


def test_oauth_token_goes_as_bearer(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(api_key=None, oauth_token=OAUTH)
    client.delete_outlet_licenses(1001, [1])
    assert recorder.requests[0].headers["Authorization"] == f"Bearer {OAUTH}"
    assert "api-key" not in recorder.requests[0].headers


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one"),
        ({"api_key": "a", "oauth_token": "b"}, "exactly one"),
        ({"api_key": " "}, "empty"),
        ({"oauth_token": ""}, "empty"),
    ],
)
def test_exactly_one_non_empty_credential(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ymarket.Client(**kwargs)


def test_credentials_never_appear_in_repr_str_logs_or_errors(
    make_each_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/offers/delete"):
            return httpx.Response(500, json=error_body())  # retried: logs at INFO
        return httpx.Response(403, json=error_body("FORBIDDEN", "no"))

    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for kwargs in ({"api_key": API_KEY}, {"api_key": None, "oauth_token": OAUTH}):
            client, _ = make_each_client(handler, log_bodies=True, max_retries=1, **kwargs)
            texts += [repr(client), str(client), repr(client.rate_limiter)]
            errors: list[ymarket.ApiError] = []
            with pytest.raises(ymarket.ServerError) as server_error:
                client.delete_campaign_offers(1001, ["a"])
            errors.append(server_error.value)
            with pytest.raises(ymarket.ForbiddenError) as forbidden:
                client.delete_outlet_licenses(1001, [1])
            errors.append(forbidden.value)
            for error in errors:
                texts += [str(error), repr(error), repr(vars(error)), repr(error.__cause__)]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.__dict__) for record in caplog.records]
    joined = "\n".join(texts)
    assert "***" in joined
    assert "retry 1 of 1" in joined and "/v2/campaigns/1001/outlets/licenses" in joined
    assert API_KEY not in joined
    assert OAUTH not in joined


def test_bodies_are_not_logged_unless_asked(
    make_each_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_each_client()
    with caplog.at_level(logging.DEBUG, logger="ymarket"):
        client.delete_campaign_offers(1001, ["very-private-sku"])
    assert caplog.records
    assert "very-private-sku" not in caplog.text
    client, _ = make_each_client(log_bodies=True)
    with caplog.at_level(logging.DEBUG, logger="ymarket"):
        client.delete_campaign_offers(1001, ["very-private-sku"])
    assert "very-private-sku" in caplog.text


@pytest.mark.parametrize(
    "base_url", ["http://api.example.com", "http://10.0.0.1:8080", "http://simulator.local"]
)
def test_plain_http_to_a_remote_host_is_refused(base_url: str) -> None:
    with pytest.raises(ymarket.InsecureTransportError):
        ymarket.Client("k", base_url=base_url)
    with pytest.raises(ymarket.InsecureTransportError):
        ymarket.AsyncClient("k", base_url=base_url)


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8080", "http://localhost:8000", "http://[::1]:80", "https://x.org"],
)
def test_loopback_and_https_are_allowed(base_url: str) -> None:
    ymarket.Client("k", base_url=base_url).close()


def test_plain_http_can_be_allowed_explicitly(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(base_url="http://proxy.internal", allow_insecure_http=True)
    client.delete_outlet_licenses(1001, [1])
    assert str(recorder.requests[0].url).startswith("http://proxy.internal/v2/")


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YANDEX_MARKET_API_KEY", raising=False)
    monkeypatch.delenv("YANDEX_MARKET_OAUTH_TOKEN", raising=False)
    with pytest.raises(ValueError, match="YANDEX_MARKET_API_KEY"):
        ymarket.Client.from_env()
    monkeypatch.setenv("YANDEX_MARKET_OAUTH_TOKEN", OAUTH)
    monkeypatch.setenv("YANDEX_MARKET_BASE_URL", "http://127.0.0.1:9")
    client = ymarket.Client.from_env(max_retries=0)
    assert "oauth_token=***" in repr(client)
    assert "127.0.0.1:9" in repr(client)
    client.close()
    monkeypatch.setenv("YANDEX_MARKET_API_KEY", API_KEY)
    async_client = ymarket.AsyncClient.from_env()
    assert "api_key=***" in repr(async_client)
    run(async_client.aclose())


def test_default_base_url_is_the_spec_server() -> None:
    with ymarket.Client("k") as client:
        assert ymarket.DEFAULT_BASE_URL.startswith("https://")
        assert ymarket.DEFAULT_BASE_URL in repr(client)


def test_context_managers_close_the_pool(
    make_each_client: ClientFactory, make_async_client: AsyncClientFactory
) -> None:
    client, _ = make_each_client()
    with client:
        client.delete_outlet_licenses(1001, [1])
    with pytest.raises(RuntimeError):
        client.delete_outlet_licenses(1001, [1])

    async def use() -> None:
        async_client, _ = make_async_client()
        async with async_client:
            await async_client.delete_outlet_licenses(1001, [1])
        with pytest.raises(RuntimeError):
            await async_client.delete_outlet_licenses(1001, [1])

    run(use())


def test_timeout_setting_reaches_the_request(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(timeout=3.5)
    client.delete_outlet_licenses(1001, [1])
    assert recorder.requests[0].extensions["timeout"]["read"] == 3.5


class TestLicenseDates:
    def test_zone_name_gives_local_midnight_with_offset(self) -> None:
        moment = ymarket.license_datetime(datetime.date(2022, 11, 20), "Europe/Moscow")
        assert moment.isoformat() == "2022-11-20T00:00:00+03:00"

    def test_offset_and_dst(self) -> None:
        offset = datetime.timedelta(hours=5)
        assert ymarket.license_datetime(datetime.date(2020, 1, 1), offset).isoformat() == (
            "2020-01-01T00:00:00+05:00"
        )
        summer = ymarket.license_datetime(datetime.date(2020, 7, 1), "Europe/Berlin")
        winter = ymarket.license_datetime(datetime.date(2020, 1, 1), "Europe/Berlin")
        assert summer.isoformat().endswith("+02:00") and winter.isoformat().endswith("+01:00")

    def test_unknown_zone(self) -> None:
        with pytest.raises(ValueError, match="Mars/Olympus"):
            ymarket.license_datetime(datetime.date(2020, 1, 1), "Mars/Olympus")

    def test_client_turns_dates_into_local_midnight(self, make_each_client: ClientFactory) -> None:
        client, recorder = make_each_client()
        licenses = [
            {
                **LICENSE,
                "outletId": 5,
                "dateOfIssue": datetime.date(2017, 11, 13),
                "dateOfExpiry": datetime.date(2022, 11, 20),
            },
            {
                **LICENSE,
                "outletId": 6,
                "dateOfIssue": datetime.date(2017, 11, 13),
                "dateOfExpiry": datetime.datetime(2022, 11, 20),
            },
        ]
        client.update_outlet_licenses(
            1001, licenses, tz={5: "Europe/Moscow", 6: datetime.timedelta(hours=7)}
        )
        sent = recorder.bodies()[0]["licenses"]
        assert [(s["dateOfIssue"], s["dateOfExpiry"]) for s in sent] == [
            ("2017-11-13T00:00:00+03:00", "2022-11-20T00:00:00+03:00"),
            ("2017-11-13T00:00:00+07:00", "2022-11-20T00:00:00+07:00"),
        ]

    def test_a_date_without_zone_is_refused(self, make_each_client: ClientFactory) -> None:
        client, recorder = make_each_client()
        with pytest.raises(ymarket.ValidationError) as caught:
            client.update_outlet_licenses(
                1001, [{**LICENSE, "dateOfIssue": datetime.date(2017, 11, 13)}]
            )
        assert recorder.requests == []
        assert [(p.path, p.rule) for p in caught.value.problems] == [
            ("$.licenses[0].dateOfIssue", "date-zone")
        ]

    def test_a_naive_datetime_without_zone_is_refused(
        self, make_each_client: ClientFactory
    ) -> None:
        client, recorder = make_each_client()
        with pytest.raises(ymarket.ValidationError, match="format"):
            client.update_outlet_licenses(
                1001, [{**LICENSE, "dateOfIssue": datetime.datetime(2017, 11, 13)}]
            )
        assert recorder.requests == []


def test_async_client_has_the_same_methods_as_coroutines() -> None:
    import inspect

    def public(cls: type) -> set[str]:
        return {n for n, v in vars(cls).items() if callable(v) and not n.startswith("_")}

    operations = {"delete_campaign_offers", "delete_outlet_licenses", "update_outlet_licenses"}
    operations.add("update_order_items")
    assert operations <= public(ymarket.Client)
    assert public(ymarket.Client) - {"close"} == public(ymarket.AsyncClient) - {"aclose"}
    for name in operations:
        sync_method = getattr(ymarket.Client, name)
        async_method = getattr(ymarket.AsyncClient, name)
        assert inspect.iscoroutinefunction(async_method)
        assert inspect.signature(sync_method) == inspect.signature(async_method)


def test_update_order_items_says_it_removes_unlisted_items() -> None:
    import inspect

    doc = inspect.getdoc(ymarket.Client.update_order_items) or ""
    assert "NOT listed is REMOVED" in doc
    hints = inspect.signature(ymarket.Client.update_order_items).parameters["items"].annotation
    assert "AllRemainingItems" in str(hints)
