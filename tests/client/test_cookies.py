"""The client keeps no cookies: an answer's Set-Cookie never comes back in a request."""

from __future__ import annotations

import httpx
import pytest
from ymarket._config import AsyncCookielessClient, CookielessClient

from tests.client.support import ClientFactory, ok_handler


def _setting_cookies(request: httpx.Request) -> httpx.Response:
    answer = ok_handler(request)
    answer.headers["Set-Cookie"] = "session=abc; Path=/"
    return answer


def test_a_cookie_set_by_an_answer_is_not_sent_back(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(_setting_cookies)
    client.delete_campaign_offers(1001, ["sku-1"])
    client.delete_campaign_offers(1001, ["sku-2"])
    assert len(recorder.requests) == 2
    assert all("cookie" not in request.headers for request in recorder.requests)


@pytest.mark.parametrize("kind", [CookielessClient, AsyncCookielessClient])
def test_the_httpx_client_has_no_cookies_and_refuses_some(
    kind: type[CookielessClient] | type[AsyncCookielessClient],
) -> None:
    http = kind()
    assert not http.cookies
    http.cookies = {}  # nothing to keep: accepted
    with pytest.raises(ValueError, match="keeps no cookies"):
        http.cookies = {"session": "abc"}
    # The cookies httpx is offered by an answer are dropped, not stored.
    answer = httpx.Response(
        200, headers={"Set-Cookie": "a=b"}, request=httpx.Request("GET", "https://x.test/")
    )
    http.cookies.extract_cookies(answer)
    assert not http.cookies
