"""1. Client overhead: one deleteCampaignOffers call of 500 SKUs on httpx.MockTransport.

Contenders, all on the same in-memory transport and the same canned answer:
``ymarket.Client`` / ``ymarket.AsyncClient`` (validation on, pacing bookkeeping on),
raw ``httpx.Client.post`` / ``httpx.AsyncClient.post`` of the same JSON (+ ``.json()``),
and the client openapi-generator generates from the same spec (async, httpx library).
Then the validation step alone, and which bad inputs each client lets through.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import ymarket
from ymarket.validation import request_validator

from tests.benchmarks._common import (
    JumpClock,
    Section,
    free_port,
    interleaved,
    ms,
    serve_subprocess,
    verdict,
)
from tests.benchmarks.peer import load_peer

BASE = "http://127.0.0.1:9"
PATH = "/v2/campaigns/1001/offers/delete"
SKUS = [f"SKU-{n:06d}" for n in range(500)]
ANSWER = json.dumps(
    {"status": "OK", "result": {"notDeletedOfferIds": SKUS[:3]}}, separators=(",", ":")
).encode()
TARGET = 1.0
REPEATS = 3


def _repeated(
    variants: dict[str, Callable[[], object]], ours: str, raw: str, *, calls: int, rounds: int
) -> tuple[dict[str, float], list[float]]:
    """Medians over REPEATS interleaved runs, and each run's ours/raw ratio (sorted)."""
    runs = [interleaved(variants, calls=calls, rounds=rounds) for _ in range(REPEATS)]
    medians = {name: statistics.median(run[name] for run in runs) for name in variants}
    return medians, sorted(run[ours] / run[raw] for run in runs)


def _versus(ratios: list[float]) -> str:
    """The median ratio, the spread of the repeats and the target."""
    return (
        f"{statistics.median(ratios):.2f}x raw httpx (repeats {ratios[0]:.2f}-{ratios[-1]:.2f}; "
        f"target <= {TARGET}x)"
    )


def license_row(n: int) -> dict[str, Any]:
    """A valid license (JSON) for the validation benchmark."""
    return {
        "outletId": 501 + n % 7,
        "licenseType": "ALCOHOL",
        "number": f"77RPA{n:07d}",
        "dateOfIssue": "2024-01-15T00:00:00+03:00",
        "dateOfExpiry": "2029-01-14T00:00:00+03:00",
    }


LICENSES = [license_row(n) for n in range(500)]


def _answer(request: httpx.Request) -> httpx.Response:
    request.read()
    return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})


def _ymarket_sync() -> tuple[Callable[[], object], ymarket.Client]:
    client = ymarket.Client(
        api_key="bench",
        base_url=BASE,
        transport=httpx.MockTransport(_answer),
        rate_limit=ymarket.RateLimiter(clock=JumpClock()),
    )

    def call() -> object:
        return client.delete_campaign_offers(1001, SKUS)

    return call, client


def _raw_sync() -> tuple[Callable[[], object], httpx.Client]:
    client = httpx.Client(
        base_url=BASE, headers={"Api-Key": "bench"}, transport=httpx.MockTransport(_answer)
    )

    def call() -> object:
        response = client.post(PATH, json={"offerIds": SKUS})
        response.raise_for_status()
        return response.json()

    return call, client


def _async_variants(loop: asyncio.AbstractEventLoop, peer: Any) -> dict[str, Callable[[], object]]:
    mock = httpx.MockTransport(_answer)
    ours = ymarket.AsyncClient(
        api_key="bench",
        base_url=BASE,
        transport=mock,
        rate_limit=ymarket.RateLimiter(clock=JumpClock()),
    )
    raw = httpx.AsyncClient(base_url=BASE, headers={"Api-Key": "bench"}, transport=mock)
    configuration = peer.Configuration(host=BASE)
    configuration.api_key["ApiKey"] = "bench"
    api_client = peer.ApiClient(configuration)
    api_client.rest_client.pool_manager = httpx.AsyncClient(transport=mock)
    assortment = peer.AssortmentApi(api_client)

    async def ours_call() -> object:
        return await ours.delete_campaign_offers(1001, SKUS)

    async def raw_call() -> object:
        response = await raw.post(PATH, json={"offerIds": SKUS})
        response.raise_for_status()
        return response.json()

    async def peer_call() -> object:
        body = peer.DeleteCampaignOffersRequest(offer_ids=SKUS)
        return await assortment.delete_campaign_offers(1001, body)

    def runner(factory: Callable[[], Awaitable[object]]) -> Callable[[], object]:
        return lambda: loop.run_until_complete(factory())

    return {
        "ymarket.AsyncClient": runner(ours_call),
        "raw httpx.AsyncClient.post": runner(raw_call),
        "openapi-generator (httpx)": runner(peer_call),
    }


def _bad_inputs() -> list[tuple[str, str, Any]]:
    """(what is wrong, operation, JSON input) — each breaks one documented rule."""
    lic = license_row(1)
    return [
        ("duplicate SKU (uniqueItems)", "offers", ["A-1", "A-2", "A-1"]),
        ("SKU with a newline (pattern)", "offers", ["A-1", "bad\nsku"]),
        ("SKU of spaces only (pattern)", "offers", ["   "]),
        ("SKU with a control character (pattern)", "offers", ["bell\x07"]),
        ("SKU of 256 characters (maxLength)", "offers", ["x" * 256]),
        ("no SKUs (minItems)", "offers", []),
        ("501 SKUs in one request (maxItems)", "offers", [f"S{n}" for n in range(501)]),
        (
            "dateOfExpiry before dateOfIssue (x-ymarket-not-before)",
            "licenses",
            [{**lic, "dateOfExpiry": "2020-01-01T00:00:00+03:00"}],
        ),
        (
            "date-time without UTC offset (format)",
            "licenses",
            [{**lic, "dateOfIssue": "2024-01-15T00:00:00"}],
        ),
        (
            "impossible date 2024-02-30 (format)",
            "licenses",
            [{**lic, "dateOfIssue": "2024-02-30T00:00:00+03:00"}],
        ),
        ("licenseType TOBACCO (enum)", "licenses", [{**lic, "licenseType": "TOBACCO"}]),
        ("outletId 0 (minimum)", "licenses", [{**lic, "outletId": 0}]),
        (
            "license without number (required)",
            "licenses",
            [{k: v for k, v in lic.items() if k != "number"}],
        ),
    ]


def _breaks_rule(what: str, sent: list[httpx.Request]) -> bool:
    """Whether a request that breaks the rule reached the server.

    Splitting 501 SKUs into requests of at most 500 is what a bulk call should do,
    so for maxItems only a request over the limit counts.
    """
    if "maxItems" in what:
        return any(len(json.loads(r.content)["offerIds"]) > 500 for r in sent)
    return bool(sent)


def _let_through(peer: Any) -> list[tuple[str, bool, bool]]:
    """For each bad input: (what, ymarket sent it, peer sent it)."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "OK"})

    mock = httpx.MockTransport(record)
    ours = ymarket.Client(api_key="bench", base_url=BASE, transport=mock, rate_limit=False)
    configuration = peer.Configuration(host=BASE)
    configuration.api_key["ApiKey"] = "bench"
    api_client = peer.ApiClient(configuration)
    api_client.rest_client.pool_manager = httpx.AsyncClient(transport=mock)
    assortment = peer.AssortmentApi(api_client)
    outlets = peer.OutletsApi(api_client)
    rows = []
    loop = asyncio.new_event_loop()
    try:
        for what, kind, value in _bad_inputs():
            sent.clear()
            try:
                if kind == "offers":
                    ours.delete_campaign_offers(1001, value)
                else:
                    ours.update_outlet_licenses(1001, value)
            except (ymarket.ValidationError, TypeError, ValueError):
                pass
            ours_sent = _breaks_rule(what, sent)
            sent.clear()
            try:
                if kind == "offers":
                    body = peer.DeleteCampaignOffersRequest.from_dict({"offerIds": value})
                    loop.run_until_complete(assortment.delete_campaign_offers(1001, body))
                else:
                    body = peer.UpdateOutletLicenseRequest.from_dict({"licenses": value})
                    loop.run_until_complete(outlets.update_outlet_licenses(1001, body))
            except Exception:  # pydantic's ValidationError and the like: refused
                pass
            rows.append((what, ours_sent, _breaks_rule(what, sent)))
    finally:
        loop.close()
        ours.close()
    return rows


def run(section: Section, *, quick: bool = False) -> None:
    """Measure and add the rows of section 1."""
    rounds, calls = (5, 50) if quick else (15, 200)
    peer = load_peer()

    # Sync: ymarket.Client vs raw httpx.Client.
    ours, ours_client = _ymarket_sync()
    raw, raw_client = _raw_sync()
    sync, sync_ratios = _repeated(
        {"ours": ours, "raw": raw}, "ours", "raw", calls=calls, rounds=rounds
    )
    ours_client.close()
    raw_client.close()
    section.add("raw httpx.Client.post + .json(), per call", ms(sync["raw"]))
    section.add(
        "ymarket.Client.delete_campaign_offers, per call",
        ms(sync["ours"]),
        _versus(sync_ratios),
        verdict(statistics.median(sync_ratios) <= TARGET),
    )

    # The same two over a real socket (a canned-answer server on loopback).
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve_subprocess(sys.executable, "-m", "tests.benchmarks._canned", str(port), port=port):
        ours_net = ymarket.Client(
            api_key="bench", base_url=base, rate_limit=ymarket.RateLimiter(clock=JumpClock())
        )
        raw_net = httpx.Client(base_url=base, headers={"Api-Key": "bench"})

        def ours_loopback() -> object:
            return ours_net.delete_campaign_offers(1001, SKUS)

        def raw_loopback() -> object:
            response = raw_net.post(PATH, json={"offerIds": SKUS})
            response.raise_for_status()
            return response.json()

        net, net_ratios = _repeated(
            {"ours": ours_loopback, "raw": raw_loopback}, "ours", "raw", calls=calls, rounds=rounds
        )
        ours_net.close()
        raw_net.close()
    section.add(
        "over loopback (canned-answer server): ymarket.Client, per call",
        ms(net["ours"]),
        f"raw httpx {ms(net['raw'])}: {_versus(net_ratios)}",
        verdict(statistics.median(net_ratios) <= TARGET),
    )

    # Async: the three contenders on the same transport.
    loop = asyncio.new_event_loop()
    try:
        variants = _async_variants(loop, peer)
        timings, async_ratios = _repeated(
            variants,
            "ymarket.AsyncClient",
            "raw httpx.AsyncClient.post",
            calls=calls,
            rounds=rounds,
        )
    finally:
        loop.close()
    raw_async = timings["raw httpx.AsyncClient.post"]
    for name, seconds in timings.items():
        if name == "raw httpx.AsyncClient.post":
            section.add(f"{name} + .json(), per call", ms(seconds))
        elif name.startswith("ymarket"):
            section.add(
                f"{name}, per call",
                ms(seconds),
                _versus(async_ratios),
                verdict(statistics.median(async_ratios) <= TARGET),
            )
        else:
            section.add(
                f"{name}, per call", ms(seconds), f"{seconds / raw_async:.2f}x raw httpx (peer)"
            )

    # Validation alone.
    offers_check = request_validator("deleteCampaignOffers")
    licenses_check = request_validator("updateOutletLicenses")
    offers_body = {"offerIds": SKUS}
    licenses_body = {"licenses": LICENSES}

    def check_offers() -> object:
        return offers_check.check(path_params={"campaignId": 1001}, body=offers_body)

    def check_licenses() -> object:
        return licenses_check.check(path_params={"campaignId": 1001}, body=licenses_body)

    def peer_offers() -> object:
        return peer.DeleteCampaignOffersRequest.from_dict(offers_body)

    def peer_licenses() -> object:
        return peer.UpdateOutletLicenseRequest.from_dict(licenses_body)

    assert check_offers() and check_licenses()
    validation = interleaved(
        {
            "offers": check_offers,
            "peer offers": peer_offers,
            "licenses": check_licenses,
            "peer licenses": peer_licenses,
        },
        calls=calls,
        rounds=rounds,
    )
    section.add(
        "validation alone, 500 SKUs (ymarket.validation)",
        ms(validation["offers"]),
        f"peer's pydantic model: {ms(validation['peer offers'])}",
    )
    section.add(
        "validation alone, 500 licenses (ymarket.validation)",
        ms(validation["licenses"]),
        f"peer's pydantic model: {ms(validation['peer licenses'])}",
    )

    # Bad inputs.
    rows = _let_through(peer)
    ours_through = [what for what, ours_sent, _ in rows if ours_sent]
    peer_through = [what for what, _, peer_sent in rows if peer_sent]
    section.add(
        f"bad inputs sent to the server (of {len(rows)})",
        f"ymarket: {len(ours_through)}",
        f"peer: {len(peer_through)}",
        verdict(not ours_through),
    )
    section.note(
        "Bad inputs the peer sends: " + ("; ".join(peer_through) or "none") + ". "
        "ymarket refuses all "
        + str(len(rows) - len(ours_through))
        + " before sending"
        + (f" (but sends: {'; '.join(ours_through)})" if ours_through else "")
        + "."
    )
    section.note(
        "Per call = one 500-SKU request through the whole client: build, validate, "
        "serialize, send on httpx.MockTransport, parse the answer. Times: medians of "
        f"{REPEATS} repeats, each the median of {rounds} interleaved rounds of {calls} "
        "calls; ratios: the median of the repeats' ratios, their spread beside it."
    )


if __name__ == "__main__":
    run(Section(1, "Client overhead", "python -m tests.benchmarks --only 1"), quick=True)
