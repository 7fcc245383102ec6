"""A client's configuration: credentials, base URL, timeouts, retry policy, pacing.

Everything the constructors of Client and AsyncClient take except the
transport and the sleep function, checked once, with the credential kept out
of every repr.
"""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.request
from collections.abc import Generator
from typing import Any, NamedTuple, TypeAlias

import attrs
import httpx
from ymarket_api import AuthenticatedClient

from ymarket._ratelimit import Clock, QuotaBucket, RateLimiter
from ymarket._retry import RetryPolicy
from ymarket.spec import compiled_spec, spec_version

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncCookielessClient",
    "Config",
    "CookielessClient",
    "RateLimitSetting",
    "env_kwargs",
]

DEFAULT_BASE_URL: str = str(compiled_spec()["servers"][0])
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
ENV_API_KEY = "YANDEX_MARKET_API_KEY"
ENV_OAUTH_TOKEN = "YANDEX_MARKET_OAUTH_TOKEN"
ENV_BASE_URL = "YANDEX_MARKET_BASE_URL"
INTEGRATION_HEADER = "X-Market-Integration"

RateLimitSetting: TypeAlias = bool | str | RateLimiter | None


class _NoCookies(httpx.Cookies):
    """Cookies that stay empty: the client neither stores nor sends any.

    The Partner API is authorized by the key or token on every request and documents
    no cookie; a jar would only carry one answer's state into later calls. httpx
    builds urllib stand-ins of every request and answer to offer them to its jar:
    skipping that saves about a tenth of a call (BENCHMARKS.md, section 1).
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        del response


class _Cookieless:
    """Makes an httpx client's public ``cookies`` a :class:`_NoCookies` of its own."""

    @property
    def cookies(self) -> httpx.Cookies:
        found: httpx.Cookies | None = self.__dict__.get("_ymarket_cookies")
        if found is None:
            found = self.__dict__["_ymarket_cookies"] = _NoCookies()
        return found

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        if cookies:
            raise ValueError("the ymarket client keeps no cookies")


class CookielessClient(_Cookieless, httpx.Client):
    """The httpx client :class:`ymarket.Client` sends with: no cookies (see ``_NoCookies``)."""


class AsyncCookielessClient(_Cookieless, httpx.AsyncClient):
    """The httpx client :class:`ymarket.AsyncClient` sends with: no cookies."""


class _CredentialAuth(httpx.Auth):
    """Adds the credential header to each request; never shows it."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"<credential header {self._header}: ***>"


def _credential(api_key: str | None, oauth_token: str | None) -> tuple[str, str, str]:
    """(kind, header, value) from the spec's securitySchemes."""
    if (api_key is None) == (oauth_token is None):
        raise ValueError("give exactly one of api_key= or oauth_token=")
    given = api_key if api_key is not None else oauth_token or ""
    if not given.strip():
        raise ValueError("the credential is empty")
    # Refused, not stripped: a key read with its line ending would otherwise be sent
    # as a wrong key. The message never shows the credential.
    if given != given.strip() or any(c in given for c in "\r\n"):
        raise ValueError(
            "the credential has white space or a line break around or in it (a line ending "
            "read from a file?); remove it"
        )
    for scheme in compiled_spec()["securitySchemes"].values():
        if api_key is not None and scheme["type"] == "apiKey" and scheme["in"] == "header":
            return "api_key", str(scheme["name"]), api_key
        if (
            oauth_token is not None
            and scheme["type"] == "http"
            and scheme["scheme"].lower() == "bearer"
        ):
            return "oauth_token", "Authorization", f"Bearer {oauth_token}"
    raise ValueError("the spec has no security scheme for this kind of credential")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def shown(url: str | httpx.URL) -> str:
    """The URL without its userinfo (user and password are never shown)."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else str(url)


# How httpx 0.28 picks a proxy from the environment, mirrored here on the standard
# library and httpx's public URL class: httpx's own helpers (``get_environment_proxies``
# and ``URLPattern`` in ``httpx._utils``) are private, and this project uses nothing
# private of httpx. The behaviour is httpx's documented one ("Environment Variables":
# HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY); tests/client/test_env_proxy.py
# compares it with httpx's choice for a table of environments and URLs.


def _environment_proxy_table() -> dict[str, str | None]:
    """The proxies the environment asks for, keyed as httpx mounts them.

    ``"http://"``, ``"https://"``, ``"all://"`` -> the proxy URL (``http://`` added when
    the value has no scheme); one key per NO_PROXY entry -> None (no proxy). A ``*``
    among the NO_PROXY entries turns every proxy off. Read through
    ``urllib.request.getproxies()``, as httpx does: lowercase names win, an empty value
    is unset, and under CGI (REQUEST_METHOD set) an uppercase HTTP_PROXY is ignored.
    """
    found = urllib.request.getproxies()
    table: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            proxy = found[scheme]
            table[f"{scheme}://"] = proxy if "://" in proxy else f"http://{proxy}"
    for entry in (part.strip() for part in found.get("no", "").split(",")):
        if entry == "*":
            return {}
        if not entry:
            continue
        # As curl reads NO_PROXY: "example.com" also covers its subdomains, ".example.com"
        # only the subdomains; an address (what precedes a "/", so "10.0.0.0/8" is only
        # 10.0.0.0) and "localhost" only themselves; an entry with a scheme as it is.
        if "://" in entry:
            table[entry] = None
        elif _is_address(entry, ipaddress.IPv4Address):
            table[f"all://{entry}"] = None
        elif _is_address(entry, ipaddress.IPv6Address):
            table[f"all://[{entry}]"] = None
        elif entry.lower() == "localhost":
            table[f"all://{entry}"] = None
        else:
            table[f"all://*{entry}"] = None
    return table


def _is_address(
    entry: str, kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]
) -> bool:
    try:
        kind(entry.split("/")[0])
    except ValueError:
        return False
    return True


class _ProxyKey(NamedTuple):
    """One key of the proxy table, read as httpx reads it: which URLs it covers."""

    scheme: str  # "" for "all://"
    host: str  # "" for any host
    port: int | None  # None for any port (and for a scheme's default one)
    host_pattern: re.Pattern[str] | None

    @classmethod
    def parse(cls, key: str) -> _ProxyKey:
        url = httpx.URL(key)  # raises httpx.InvalidURL where httpx's client would too
        host = "" if url.host == "*" else url.host
        if not host:
            pattern = None
        elif host.startswith("*."):  # subdomains only
            pattern = re.compile(f"^.+\\.{re.escape(host[2:])}$")
        elif host.startswith("*"):  # the domain and its subdomains
            pattern = re.compile(f"^(.+\\.)?{re.escape(host[1:])}$")
        else:
            pattern = re.compile(f"^{re.escape(host)}$")
        return cls("" if url.scheme == "all" else url.scheme, host, url.port, pattern)

    def covers(self, url: httpx.URL) -> bool:
        return (
            (not self.scheme or self.scheme == url.scheme)
            and (self.host_pattern is None or self.host_pattern.match(url.host) is not None)
            and (self.port is None or self.port == url.port)
        )

    def precedence(self) -> tuple[int, int, int]:
        """Sorts first what httpx tries first: a port, then the longer host, then scheme."""
        return (0 if self.port is not None else 1, -len(self.host), -len(self.scheme))


def _env_proxy(url: httpx.URL) -> httpx.URL | None:
    """The proxy httpx takes from the environment (HTTP(S)_PROXY, ALL_PROXY) for ``url``."""
    keys = [(_ProxyKey.parse(key), proxy) for key, proxy in _environment_proxy_table().items()]
    # Most specific first, as httpx mounts them (a stable sort: ties keep table order).
    for key, proxy in sorted(keys, key=lambda item: item[0].precedence()):
        if key.covers(url):
            return None if proxy is None else httpx.URL(proxy)  # None: NO_PROXY
    return None


def _check_env_proxy(base_url: str, allow_insecure_http: bool) -> None:
    """Refuse a plain-HTTP proxy that would see credentials in cleartext."""
    from ymarket.errors import InsecureTransportError

    url = httpx.URL(base_url)
    proxy = _env_proxy(url)
    if proxy is None or proxy.scheme != "http" or allow_insecure_http or _is_loopback(proxy.host):
        return
    # Through a plain-HTTP proxy an https request is tunnelled (the key stays encrypted),
    # but the proxy's own credentials, and anything sent over plain http, are cleartext.
    if proxy.userinfo or url.scheme == "http":
        raise InsecureTransportError(
            f"refusing to send credentials in cleartext to the proxy {proxy.host!r} (from "
            "HTTP_PROXY/HTTPS_PROXY/ALL_PROXY); use an https or loopback proxy, or "
            "allow_insecure_http=True"
        )


def _check_base_url(base_url: str, allow_insecure_http: bool) -> None:
    from ymarket.errors import InsecureTransportError

    url = httpx.URL(base_url)
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise InsecureTransportError(
            f"refusing to send credentials over plain HTTP to {url.host!r}; use https, a "
            "loopback address, or allow_insecure_http=True"
        )
    if url.scheme not in ("http", "https"):
        raise ValueError(f"base_url must be http(s), got {shown(base_url)!r}")


def _limiter(rate_limit: RateLimitSetting, clock: Clock) -> RateLimiter | None:
    if isinstance(rate_limit, RateLimiter):
        return rate_limit
    if rate_limit is None or rate_limit is False:
        return None
    return RateLimiter(None if rate_limit is True else rate_limit, clock=clock)


class Config:
    """The checked settings of one client."""

    def __init__(
        self,
        *,
        api_key: str | None,
        oauth_token: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        retry: RetryPolicy | None,
        rate_limit: RateLimitSetting,
        allow_insecure_http: bool,
        log_bodies: bool,
        clock: Clock,
        integration: str | None = None,
        deadline: float | None = None,
    ) -> None:
        kind, header, value = _credential(api_key, oauth_token)
        self.credential_kind = kind
        self.auth = _CredentialAuth(header, value)
        # An explicit base_url wins; the environment points a program at a simulator.
        self.base_url = (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        _check_base_url(self.base_url, allow_insecure_http)
        self.allow_insecure_http = allow_insecure_http
        self.timeout = (
            DEFAULT_TIMEOUT
            if timeout is None
            else (timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout))
        )
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = attrs.evolve(policy, max_retries=max_retries)
        if policy.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.policy = policy
        if deadline is not None and not deadline > 0:
            raise ValueError("deadline must be a positive number of seconds")
        self.deadline = deadline
        self.clock = clock
        self.limiter = _limiter(rate_limit, clock)
        self._buckets: dict[tuple[str, int], QuotaBucket | None] = {}
        self.log_bodies = log_bodies
        default_name = f"ymarket-partner/{spec_version()}"
        self.headers = {
            "User-Agent": default_name,
            # Tells Market which integration sends the request (the docs ask for it).
            INTEGRATION_HEADER: default_name if integration is None else integration,
        }
        # The generated client only builds the URL and parses; its token is never used
        # because the httpx client it is given adds the credential (see _CredentialAuth).
        self.api = AuthenticatedClient(base_url=self.base_url, token="")

    def httpx_kwargs(self) -> dict[str, Any]:
        """What the httpx client of either kind is built with (the transport aside)."""
        return {
            "base_url": self.base_url,
            "auth": self.auth,
            "headers": self.headers,
            "timeout": self.timeout,
        }

    def check_env_proxy(self) -> None:
        """Refuse an environment proxy that would see credentials in cleartext.

        Called when the client makes its own transport (httpx reads the proxy
        variables only then).
        """
        _check_env_proxy(self.base_url, self.allow_insecure_http)

    def describe(self, name: str) -> str:
        """The repr of a client: no credential, only its kind."""
        limits = "off" if self.limiter is None else repr(self.limiter.tier or "default")
        return (
            f"{name}(base_url={shown(self.base_url)!r}, credential={self.credential_kind}=***, "
            f"max_retries={self.policy.max_retries}, rate_limit={limits})"
        )

    def bucket(self, operation_id: str, campaign_id: int) -> QuotaBucket | None:
        """The quota bucket a call spends from (None when pacing is off)."""
        if self.limiter is None:
            return None
        # A limiter's bucket for a key never changes: remembered here, one dict read
        # per request instead of the limiter's lookup through the spec.
        key = (operation_id, campaign_id)
        if key in self._buckets:
            return self._buckets[key]
        if len(self._buckets) >= 4096:
            self._buckets.clear()  # campaigns come and go: keep it bounded
        found = self._buckets[key] = self.limiter.bucket(operation_id, campaign_id)
        return found


def env_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments completed from YANDEX_MARKET_* environment variables."""
    result = dict(kwargs)
    if "api_key" not in result and "oauth_token" not in result:
        api_key = os.environ.get(ENV_API_KEY)
        token = os.environ.get(ENV_OAUTH_TOKEN)
        if api_key:
            result["api_key"] = api_key
        elif token:
            result["oauth_token"] = token
        else:
            raise ValueError(f"set {ENV_API_KEY} or {ENV_OAUTH_TOKEN}")
    if "base_url" not in result and os.environ.get(ENV_BASE_URL):
        result["base_url"] = os.environ[ENV_BASE_URL]
    return result
