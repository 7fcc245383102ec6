"""The environment proxy the client checks is the one httpx itself would take.

``ymarket._config._env_proxy`` mirrors httpx's environment handling on public API only.
The oracle here is httpx: a client built from the same environment, asked which
transport it would use for the URL. Only this test reaches into httpx's private parts.
"""

from __future__ import annotations

import os

import httpx
import pytest
from httpx._utils import get_environment_proxies
from ymarket._config import _env_proxy

PROXY = "http://proxy.example:3128"
OTHER = "https://other.example:8443"
ALL = "http://all.example:1080"

ENVIRONMENTS: dict[str, dict[str, str]] = {
    "nothing": {},
    "HTTPS_PROXY only": {"HTTPS_PROXY": PROXY},
    "HTTP_PROXY only": {"HTTP_PROXY": PROXY},
    "ALL_PROXY only": {"ALL_PROXY": ALL},
    "all three": {"HTTPS_PROXY": OTHER, "HTTP_PROXY": PROXY, "ALL_PROXY": ALL},
    "https and all": {"HTTPS_PROXY": OTHER, "ALL_PROXY": ALL},
    "lowercase": {"https_proxy": PROXY, "http_proxy": OTHER, "all_proxy": ALL},
    "lowercase wins": {"https_proxy": PROXY, "HTTPS_PROXY": OTHER},
    "empty lowercase unsets": {"https_proxy": "", "HTTPS_PROXY": OTHER, "ALL_PROXY": ALL},
    "empty value": {"HTTPS_PROXY": "", "ALL_PROXY": ALL},
    "no scheme": {"HTTPS_PROXY": "proxy.example:3128", "HTTP_PROXY": "10.1.2.3:8080"},
    "with credentials": {"HTTPS_PROXY": "http://user:secret@proxy.example:3128"},
    "CGI drops HTTP_PROXY": {"HTTP_PROXY": PROXY, "ALL_PROXY": ALL, "REQUEST_METHOD": "GET"},
    "CGI keeps http_proxy": {"http_proxy": PROXY, "REQUEST_METHOD": "GET"},
    "NO_PROXY *": {"HTTPS_PROXY": PROXY, "HTTP_PROXY": PROXY, "NO_PROXY": "*"},
    "NO_PROXY * among others": {"ALL_PROXY": ALL, "NO_PROXY": "example.com, *"},
    "NO_PROXY domain": {"ALL_PROXY": ALL, "NO_PROXY": "yandex.ru"},
    "NO_PROXY .domain": {"ALL_PROXY": ALL, "NO_PROXY": ".yandex.ru"},
    "NO_PROXY full host": {"HTTPS_PROXY": PROXY, "NO_PROXY": "api.partner.market.yandex.ru"},
    "NO_PROXY upper case": {"HTTPS_PROXY": PROXY, "NO_PROXY": "API.Partner.Market.Yandex.RU"},
    "no_proxy lowercase": {"https_proxy": PROXY, "no_proxy": "market.yandex.ru"},
    "NO_PROXY host:port": {"ALL_PROXY": ALL, "NO_PROXY": "example.com:8443"},
    "NO_PROXY host:default port": {"ALL_PROXY": ALL, "NO_PROXY": "market.yandex.ru:443"},
    "NO_PROXY IPv4": {"ALL_PROXY": ALL, "NO_PROXY": "127.0.0.1,192.168.1.5"},
    "NO_PROXY IPv4:port": {"ALL_PROXY": ALL, "NO_PROXY": "10.0.0.1:8080"},
    "NO_PROXY IPv6": {"ALL_PROXY": ALL, "NO_PROXY": "::1"},
    "NO_PROXY CIDR": {"ALL_PROXY": ALL, "NO_PROXY": "192.168.0.0/16,10.0.0.0/8"},
    "NO_PROXY localhost": {"HTTP_PROXY": PROXY, "NO_PROXY": "LocalHost"},
    "NO_PROXY spaces and gaps": {"ALL_PROXY": ALL, "NO_PROXY": " , yandex.ru ,,example.com"},
    "NO_PROXY with scheme": {"ALL_PROXY": ALL, "NO_PROXY": "http://api.partner.market.yandex.ru"},
    "NO_PROXY scheme only": {"HTTPS_PROXY": PROXY, "ALL_PROXY": ALL, "NO_PROXY": "https://"},
    "NO_PROXY .domain and port": {"ALL_PROXY": ALL, "NO_PROXY": ".example.com:8443"},
}

URLS = [
    "https://api.partner.market.yandex.ru",
    "https://api.partner.market.yandex.ru/v2/campaigns",
    "http://api.partner.market.yandex.ru",
    "https://market.yandex.ru",
    "https://yandex.ru",
    "https://notyandex.ru",
    "https://example.com",
    "https://example.com:8443",
    "https://www.example.com:8443",
    "http://example.com:8080",
    "http://localhost:9000",
    "http://127.0.0.1:8080",
    "https://127.0.0.1",
    "http://192.168.0.0",
    "http://192.168.1.5:8000",
    "http://10.0.0.1:8080",
    "http://10.0.0.2",
    "http://[::1]:8000",
    "https://[2001:db8::1]",
]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy variable of either case, and not a CGI request."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)
    return monkeypatch


def httpx_choice(url: httpx.URL) -> httpx.URL | None:
    """The proxy (with its userinfo) of the transport an httpx client picks for ``url``."""
    table = get_environment_proxies()
    with httpx.Client() as client:
        chosen = client._transport_for_url(url)
        if chosen is client._transport:
            return None
        (key,) = [p.pattern for p, t in client._mounts.items() if t is chosen]
    proxy = table[key]
    assert proxy is not None
    return httpx.URL(proxy)


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_the_same_proxy_as_httpx(environment: pytest.MonkeyPatch, name: str) -> None:
    for variable, value in ENVIRONMENTS[name].items():
        environment.setenv(variable, value)
    for raw in URLS:
        url = httpx.URL(raw)
        assert _env_proxy(url) == httpx_choice(url), raw


def test_a_proxy_without_scheme_is_plain_http(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("HTTPS_PROXY", "user:secret@proxy.example:3128")
    proxy = _env_proxy(httpx.URL("https://api.partner.market.yandex.ru"))
    assert proxy == httpx.URL("http://user:secret@proxy.example:3128")


def test_an_unreadable_no_proxy_entry_fails_as_in_httpx(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("ALL_PROXY", ALL)
    environment.setenv("NO_PROXY", "fe80::/10")  # httpx makes "all://[fe80::/10]" of it
    with pytest.raises(httpx.InvalidURL):
        httpx.Client()
    with pytest.raises(httpx.InvalidURL):
        _env_proxy(httpx.URL("https://api.partner.market.yandex.ru"))
