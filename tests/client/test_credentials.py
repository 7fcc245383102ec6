"""Credentials are never shown, never sent in cleartext, and a key with a line ending is refused."""

from __future__ import annotations

import logging

import httpx
import pytest
import ymarket

from tests.client.support import API_KEY, ClientFactory, error_body

CLIENT_CLASSES = [ymarket.Client, ymarket.AsyncClient]


@pytest.mark.parametrize("cls", CLIENT_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("key", [f"{API_KEY}\r\n", f" {API_KEY}", f"{API_KEY}\t", "ab\ncd"])
def test_white_space_around_a_key_is_refused_without_showing_it(
    cls: type[ymarket.Client | ymarket.AsyncClient], key: str
) -> None:
    with pytest.raises(ValueError, match="white space or a line break") as caught:
        cls(key)
    assert key.strip() not in str(caught.value)


@pytest.mark.parametrize("cls", CLIENT_CLASSES, ids=lambda c: c.__name__)
def test_a_token_with_a_line_ending_is_refused(
    cls: type[ymarket.Client | ymarket.AsyncClient],
) -> None:
    with pytest.raises(ValueError, match="line break"):
        cls(oauth_token="tok-123\n")


def test_the_userinfo_of_a_url_is_never_shown() -> None:
    client = ymarket.Client("k", base_url="https://user:hunter2@example.test/api")
    assert "hunter2" not in repr(client)
    assert "user" not in repr(client)
    assert "example.test" in repr(client)
    client.close()
    with pytest.raises(ValueError) as caught:
        ymarket.Client("k", base_url="ftp://user:hunter2@example.test")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("cls", CLIENT_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "ALL_PROXY", "https_proxy"])
def test_a_plain_http_proxy_with_credentials_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    cls: type[ymarket.Client | ymarket.AsyncClient],
    variable: str,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv(variable, "http://proxyuser:proxysecret@proxy.example:3128")
    with pytest.raises(ymarket.InsecureTransportError, match=r"proxy\.example") as caught:
        cls("k")
    assert "proxysecret" not in str(caught.value)
    # Allowed explicitly, through a loopback proxy, or bypassed by NO_PROXY.
    cls("k", allow_insecure_http=True)
    monkeypatch.setenv("NO_PROXY", "api.partner.market.yandex.ru")
    cls("k")
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.setenv(variable, "http://proxyuser:proxysecret@127.0.0.1:3128")
    cls("k")


def test_a_proxy_without_credentials_tunnels_https(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    ymarket.Client("k").close()  # the key stays inside the TLS tunnel


def test_no_credential_in_any_log_line_or_error(
    make_each_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_each_client(lambda _r: httpx.Response(400, json=error_body()), log_bodies=True)
    with caplog.at_level(logging.DEBUG), pytest.raises(ymarket.ApiError) as caught:
        client.delete_outlet_licenses(1001, [1])
    assert caplog.records  # httpx and ymarket logged at DEBUG
    assert all(API_KEY not in record.getMessage() for record in caplog.records)
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)
    assert API_KEY not in repr(client)
