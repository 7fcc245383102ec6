"""Retries: on 420, 5xx, timeouts and connection failures, only where repeating is safe."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
import ymarket

from tests.client.support import (
    EXAMPLE_CALLS,
    KNOWN_LICENSE,
    NEW_LICENSE,
    AsyncClientFactory,
    ClientFactory,
    FakeTime,
    error_body,
    ok_handler,
    run,
)

Answer = httpx.Response | httpx.TransportError


def scripted(*answers: Answer) -> Callable[[httpx.Request], httpx.Response]:
    """Answer with ``answers`` in order, then with success."""
    queue: Iterator[Answer] = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(queue, None)
        if answer is None:
            return ok_handler(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


def r420(retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return httpx.Response(420, json=error_body("LIMIT_EXCEEDED", "slow down"), headers=headers)


def r500() -> httpx.Response:
    return httpx.Response(500, json=error_body("INTERNAL_ERROR", "oops"))


def test_420_burst_is_backed_off_and_survived(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    client, recorder = make_each_client(scripted(r420(), r420(), r420()))
    result = client.delete_campaign_offers(1001, ["a", "b"])
    assert result.chunks[0].attempts == 4
    assert len(recorder.requests) == 4
    policy = ymarket.RetryPolicy()
    # Equal jitter: at least half of each doubling step.
    assert fake_time.sleeps[0] >= policy.rate_limit_backoff / 2
    assert fake_time.sleeps[1] >= policy.rate_limit_backoff
    assert all(s <= policy.max_backoff for s in fake_time.sleeps)


def test_retry_after_is_honoured(make_each_client: ClientFactory, fake_time: FakeTime) -> None:
    client, _ = make_each_client(scripted(r420("7")))
    client.delete_outlet_licenses(1001, [1])
    assert 7.0 in fake_time.sleeps


def test_too_long_retry_after_is_raised_not_waited(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    client, recorder = make_each_client(scripted(r420("3600")))
    with pytest.raises(ymarket.RateLimitError) as caught:
        client.delete_outlet_licenses(1001, [1])
    assert caught.value.retry_after == 3600.0
    assert "3600" in str(caught.value)
    assert len(recorder.requests) == 1
    assert fake_time.sleeps == []


def test_retries_stop_after_max_retries(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(scripted(*[r500()] * 10), max_retries=2)
    with pytest.raises(ymarket.ServerError) as caught:
        client.delete_campaign_offers(1001, ["a"])
    assert len(recorder.requests) == 3
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)


def test_max_retries_zero_never_retries(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(scripted(r420()), max_retries=0)
    with pytest.raises(ymarket.RateLimitError):
        client.delete_campaign_offers(1001, ["a"])
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 423])
def test_client_errors_are_not_retried(make_each_client: ClientFactory, status: int) -> None:
    client, recorder = make_each_client(scripted(httpx.Response(status, json=error_body())))
    with pytest.raises(ymarket.ApiError):
        client.delete_campaign_offers(1001, ["a"])
    assert len(recorder.requests) == 1


AMBIGUOUS: list[Callable[[], Answer]] = [
    r500,
    lambda: httpx.Response(503, text="unavailable"),
    lambda: httpx.ReadTimeout("read timeout"),
    lambda: httpx.WriteTimeout("write timeout"),
    lambda: httpx.RemoteProtocolError("Server disconnected without sending a response."),
    lambda: httpx.ReadError("connection reset by peer"),
]
NOT_SENT: list[Callable[[], Answer]] = [
    lambda: httpx.ConnectError("connection refused"),
    lambda: httpx.ConnectTimeout("connect timeout"),
    lambda: httpx.PoolTimeout("pool timeout"),
]


@pytest.mark.parametrize("failure", AMBIGUOUS + NOT_SENT)
@pytest.mark.parametrize("call", EXAMPLE_CALLS.values(), ids=EXAMPLE_CALLS.keys())
def test_repeatable_requests_are_retried(
    make_each_client: ClientFactory,
    failure: Callable[[], Answer],
    call: Callable[[ymarket.Client], object],
) -> None:
    client, recorder = make_each_client(scripted(failure(), failure()))
    call(client)
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("failure", AMBIGUOUS)
def test_license_creation_is_not_retried_after_ambiguous_failure(
    make_each_client: ClientFactory, failure: Callable[[], Answer]
) -> None:
    client, recorder = make_each_client(scripted(failure()))
    with pytest.raises(ymarket.YMarketError) as caught:
        client.update_outlet_licenses(1001, [*KNOWN_LICENSE, *NEW_LICENSE])
    assert len(recorder.requests) == 1
    assert caught.value.retry_note is not None
    assert "created a second time" in str(caught.value)
    assert caught.value.progress is not None
    assert len(caught.value.progress.failed) == 2


@pytest.mark.parametrize("failure", NOT_SENT)
def test_license_creation_is_retried_when_not_sent(
    make_each_client: ClientFactory, failure: Callable[[], Answer]
) -> None:
    client, recorder = make_each_client(scripted(failure()))
    client.update_outlet_licenses(1001, NEW_LICENSE)
    assert len(recorder.requests) == 2


def test_license_creation_is_retried_after_420(make_each_client: ClientFactory) -> None:
    client, recorder = make_each_client(scripted(r420()))
    client.update_outlet_licenses(1001, NEW_LICENSE)
    assert len(recorder.requests) == 2


def test_each_retry_is_logged(
    make_each_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_each_client(scripted(r420(), r500()))
    with caplog.at_level(logging.DEBUG, logger="ymarket"):
        client.delete_campaign_offers(1001, ["a"])
    retries = [r for r in caplog.records if "retry" in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.INFO, logging.INFO]
    assert "RateLimitError" in retries[0].getMessage()
    assert "ServerError" in retries[1].getMessage()
    attempts = [r for r in caplog.records if "-> " in r.getMessage()]
    assert len(attempts) == 3
    assert "POST /v2/campaigns/1001/offers/delete -> 420" in attempts[0].getMessage()
    assert "(attempt 3)" in attempts[2].getMessage()


def test_a_420_pauses_everyone_on_that_quota(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    client, _ = make_each_client(scripted(r420("9")))
    client.delete_campaign_offers(1001, ["a"])
    limiter = client.rate_limiter
    assert limiter is not None
    bucket = limiter.bucket("deleteCampaignOffers", 1001)
    assert bucket is not None
    fake_time.now -= 5  # as if another thread asked during the pause
    assert bucket.reserve(1) == pytest.approx(5.0)


class TestAsync:
    def test_async_420_and_timeouts_are_retried(
        self, make_async_client: AsyncClientFactory
    ) -> None:
        client, recorder = make_async_client(
            scripted(r420(), httpx.ReadTimeout("t"), httpx.ConnectError("c"))
        )
        result = run(client.delete_campaign_offers(1001, ["a"]))
        assert result.chunks[0].attempts == 4
        assert len(recorder.requests) == 4

    def test_async_license_creation_not_retried(
        self, make_async_client: AsyncClientFactory
    ) -> None:
        client, recorder = make_async_client(scripted(httpx.ReadTimeout("t")))
        with pytest.raises(ymarket.TransportError) as caught:
            run(client.update_outlet_licenses(1001, NEW_LICENSE))
        assert caught.value.maybe_sent
        assert caught.value.retry_note is not None
        assert len(recorder.requests) == 1


def test_420s_have_their_own_budget_beyond_max_retries(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    """A quota shared with other programs can answer 420 longer than max_retries 5xx tries."""
    policy = ymarket.RetryPolicy()
    burst = [r420() for _ in range(policy.max_rate_limit_retries)]
    client, recorder = make_each_client(scripted(*burst))
    result = client.delete_campaign_offers(1001, ["a"])
    assert policy.max_rate_limit_retries > policy.max_retries
    assert result.chunks[0].attempts == policy.max_rate_limit_retries + 1
    assert len(recorder.requests) == policy.max_rate_limit_retries + 1
    assert all(s <= policy.max_backoff for s in fake_time.sleeps)


def test_420_budget_is_finite(make_each_client: ClientFactory, fake_time: FakeTime) -> None:
    policy = ymarket.RetryPolicy()
    client, recorder = make_each_client(scripted(*[r420() for _ in range(50)]))
    with pytest.raises(ymarket.RateLimitError) as caught:
        client.delete_campaign_offers(1001, ["a"])
    assert len(recorder.requests) == policy.max_rate_limit_retries + 1
    assert caught.value.attempts == policy.max_rate_limit_retries + 1


def test_500s_still_stop_at_max_retries(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    client, recorder = make_each_client(scripted(*[r500() for _ in range(10)]))
    with pytest.raises(ymarket.ServerError):
        client.delete_campaign_offers(1001, ["a"])
    assert len(recorder.requests) == ymarket.RetryPolicy().max_retries + 1


def test_chunk_tells_when_it_was_repeated_after_a_possibly_applied_failure(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    client, _ = make_each_client(scripted(r500()))
    (chunk,) = client.delete_campaign_offers(1001, ["a"]).chunks
    assert (chunk.attempts, chunk.repeated_after_ambiguous_failure) == (2, True)
    client, _ = make_each_client(scripted(r420(), httpx.ConnectError("refused")))
    (chunk,) = client.delete_campaign_offers(1001, ["a"]).chunks
    assert (chunk.attempts, chunk.repeated_after_ambiguous_failure) == (3, False)
