"""The checked body is sent as orjson encodes it: the same bytes httpx's ``json=`` sends."""

from __future__ import annotations

import math
import sys
from typing import Any

import httpx
import pytest
from ymarket._convert import encode_json
from ymarket.validation import check_request


def _httpx_bytes(value: Any) -> bytes:
    return httpx.Request("POST", "http://127.0.0.1/", json=value).content


def _sku_corpus() -> list[str]:
    """Every code point but the surrogates, in a SKU, and a few longer SKUs."""
    skus = [f"A{chr(c)}z" for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    skus += ["\u041a\u0438\u0440\u0438\u043b\u043b\u0438\u0446\u0430" * 25, "\U0001f600" * 255]
    skus += ["x" * 255, " \u00a0sku\u3000", 'quote " back \\ slash', "null", "\u2028\u2029\ufeff"]
    return skus


def test_orjson_writes_httpx_bytes_for_every_accepted_sku() -> None:
    corpus = _sku_corpus()
    accepted = [
        sku
        for start in range(0, len(corpus), 500)
        for chunk in [corpus[start : start + 500]]
        if check_request(
            "deleteCampaignOffers", path_params={"campaignId": 1}, body={"offerIds": chunk}
        ).ok
        for sku in chunk
    ]
    # Chunks holding a refused SKU (control characters) are left out; most are accepted.
    assert len(accepted) > 0.9 * len(corpus)
    for start in range(0, len(accepted), 500):
        body = {"offerIds": accepted[start : start + 500]}
        assert encode_json(body) == _httpx_bytes(body)


@pytest.mark.parametrize(
    "value",
    [
        {"licenses": [{"id": 2**70, "number": "N-1", "outletId": 5}]},  # over orjson's 64 bits
        {"items": [{"id": 1, "count": 0, "instances": None}]},  # null written by json
        {"nested": {"1": [True, False, None, "null"]}},
    ],
)
def test_bodies_orjson_does_not_take_are_encoded_as_httpx_would(value: Any) -> None:
    assert encode_json(value) == _httpx_bytes(value)


@pytest.mark.parametrize("value", [{"x": math.nan}, {"x": [math.inf]}])
def test_values_httpx_refuses_are_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        _httpx_bytes(value)
    with pytest.raises(ValueError):
        encode_json(value)
