"""Bulk calls: chunks of the spec's maxItems, aggregation, partial failure, streaming."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import ymarket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ymarket.spec import operation

from tests.client.support import (
    LICENSE,
    AsyncClientFactory,
    ClientFactory,
    error_body,
    ok_handler,
    run,
)


def _chunk_size(operation_id: str) -> int:
    size = operation(operation_id).bulk_max_items
    assert size is not None
    return size


CHUNK = _chunk_size("deleteCampaignOffers")
LICENSE_CHUNK = _chunk_size("deleteOutletLicenses")


def fail_request(number: int, status: int = 400) -> object:
    """A handler that fails its ``number``-th request (1-based) with ``status``."""
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        if count == number:
            return httpx.Response(status, json=error_body("BAD", "chunk refused"))
        return ok_handler(request)

    return handler


def test_not_deleted_skus_of_every_chunk_are_aggregated(make_each_client: ClientFactory) -> None:
    skus = [f"keep-{i}" if i % 300 == 0 else f"sku-{i}" for i in range(1234)]
    seen: list[ymarket.ChunkResult] = []
    client, recorder = make_each_client()
    result = client.delete_campaign_offers(1001, skus, on_chunk=seen.append)
    assert [len(b["offerIds"]) for b in recorder.bodies()] == [CHUNK, CHUNK, 1234 - 2 * CHUNK]
    assert result.not_deleted_offer_ids == tuple(s for s in skus if s.startswith("keep"))
    assert result.requested == 1234
    assert result.deleted_count == 1234 - 5
    assert [c.index for c in seen] == [0, 1, 2]
    assert [c.start for c in seen] == [0, CHUNK, 2 * CHUNK]
    assert seen == list(result.chunks)


def test_partial_failure_says_what_was_done(make_each_client: ClientFactory) -> None:
    skus = [f"sku-{i}" for i in range(1700)]
    client, recorder = make_each_client(fail_request(3))
    with pytest.raises(ymarket.BadRequestError) as caught:
        client.delete_campaign_offers(1001, skus)
    progress = caught.value.progress
    assert isinstance(progress, ymarket.BulkProgress)
    assert progress.done == tuple(skus[: 2 * CHUNK])
    assert progress.failed == tuple(skus[2 * CHUNK : 3 * CHUNK])
    assert progress.not_attempted == tuple(skus[3 * CHUNK :])
    assert progress.done + progress.not_done == tuple(skus)
    assert f"{2 * CHUNK} item(s) done" in str(caught.value)
    assert len(recorder.requests) == 3


def test_partial_failure_of_licenses(make_each_client: ClientFactory) -> None:
    ids = list(range(1, 1201))
    client, _ = make_each_client(fail_request(2, 500), max_retries=0)
    with pytest.raises(ymarket.ServerError) as caught:
        client.delete_outlet_licenses(1001, ids)
    assert caught.value.progress.done == tuple(ids[:LICENSE_CHUNK])
    assert caught.value.progress.not_done == tuple(ids[LICENSE_CHUNK:])


def test_license_ids_go_in_the_query_in_chunks(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client()
    result = client.delete_outlet_licenses(1001, range(1, 1101))
    queries = [r.url.query.decode() for r in recorder.requests]
    assert [len(q.removeprefix("ids=").split(",")) for q in queries] == [500, 500, 100]
    assert queries[0].startswith("ids=1,2,3,")
    assert result.count == 1100


def test_licenses_are_chunked(make_each_client: ClientFactory) -> None:
    licenses = [{**LICENSE, "id": i} for i in range(1, 702)]
    client, recorder = make_each_client()
    client.update_outlet_licenses(1001, licenses)
    assert [len(b["licenses"]) for b in recorder.bodies()] == [500, 201]


def test_a_bad_item_anywhere_in_a_list_sends_nothing(make_each_client: ClientFactory) -> None:
    skus = [f"sku-{i}" for i in range(1500)]
    skus[1234] = "bad\nsku"
    skus[1400] = skus[3]  # a duplicate across chunks
    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError) as caught:
        client.delete_campaign_offers(1001, skus)
    assert recorder.requests == []
    paths = {p.path for p in caught.value.problems}
    assert "$.offerIds[1234]" in paths
    assert any(
        p.rule == "uniqueItems" and "[1400] repeats [3]" in p.message for p in caught.value.problems
    )


def test_streamed_input_is_read_chunk_by_chunk(make_each_client: ClientFactory) -> None:
    read = 0

    def skus() -> Iterator[str]:
        nonlocal read
        for i in range(1100):
            read += 1
            yield f"sku-{i}"

    reads_at_chunk: list[int] = []
    client, recorder = make_each_client()
    result = client.delete_campaign_offers(
        1001, skus(), on_chunk=lambda _: reads_at_chunk.append(read)
    )
    assert reads_at_chunk == [500, 1000, 1100]
    assert result.requested == 1100
    assert len(recorder.requests) == 3


def test_streamed_failure_leaves_the_rest_unread(make_each_client: ClientFactory) -> None:
    source = iter([f"sku-{i}" for i in range(2000)])
    client, _ = make_each_client(fail_request(2))
    with pytest.raises(ymarket.BadRequestError) as caught:
        client.delete_campaign_offers(1001, source)
    progress = caught.value.progress
    assert len(progress.done) == 500 and len(progress.failed) == 500
    assert progress.not_attempted == ()
    assert not progress.input_exhausted
    assert next(source) == "sku-1000"  # resume from here


def test_streamed_duplicate_in_a_later_chunk_is_refused_before_sending_it(
    make_each_client: ClientFactory,
) -> None:
    def skus() -> Iterator[str]:
        yield from (f"sku-{i}" for i in range(600))
        yield "sku-7"

    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError) as caught:
        client.delete_campaign_offers(1001, skus())
    assert len(recorder.requests) == 1  # the first chunk went out, the second did not
    assert [p.path for p in caught.value.problems] == ["$.offerIds[600]"]
    assert caught.value.progress.done == tuple(f"sku-{i}" for i in range(500))


def test_empty_input_is_refused(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError):
        client.delete_campaign_offers(1001, [])
    assert recorder.requests == []


def test_async_bulk_parity(make_async_client: AsyncClientFactory) -> None:
    skus = [f"keep-{i}" if i % 700 == 0 else f"sku-{i}" for i in range(1500)]
    client, recorder = make_async_client(fail_request(3))
    with pytest.raises(ymarket.BadRequestError) as caught:
        run(client.delete_campaign_offers(1001, skus))
    assert caught.value.progress.done == tuple(skus[:1000])
    client, recorder = make_async_client()
    result = run(client.delete_campaign_offers(1001, skus))
    assert result.not_deleted_offer_ids == ("keep-0", "keep-700", "keep-1400")
    assert [len(b["offerIds"]) for b in recorder.bodies()] == [500, 500, 500]


@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(count=st.integers(min_value=1, max_value=2600), stream=st.booleans())
def test_any_number_of_skus_is_sent_in_chunks_each_exactly_once(
    make_each_client: ClientFactory, count: int, stream: bool
) -> None:
    skus = [f"sku-{i}" for i in range(count)]
    client, recorder = make_each_client(rate_limit=False)
    client.delete_campaign_offers(1001, iter(skus) if stream else skus)
    sent = [json.loads(r.content)["offerIds"] for r in recorder.requests]
    assert all(1 <= len(chunk) <= CHUNK for chunk in sent)
    assert [sku for chunk in sent for sku in chunk] == skus
