"""A deadline bounds a request's retries and waits; retry logs count against the right budget."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
import ymarket

from tests.client.support import ClientFactory, FakeTime, error_body


def answers(*responses: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    stream: Iterator[httpx.Response] = iter(responses)
    return lambda _request: next(stream, httpx.Response(200, json={"status": "OK"}))


def r420(retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return httpx.Response(420, json=error_body("LIMIT_EXCEEDED", "slow"), headers=headers)


def r500() -> httpx.Response:
    return httpx.Response(500, json=error_body("INTERNAL_ERROR", "oops"))


def test_retry_logs_count_each_budget(
    make_each_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_each_client(answers(r420(), r500(), r420()))
    with caplog.at_level(logging.INFO, logger="ymarket"):
        client.delete_outlet_licenses(1001, [1])
    lines = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert [line.split(": ", 1)[1].split(" in ")[0] for line in lines] == [
        "420 retry 1 of 8",
        "retry 1 of 3",
        "420 retry 2 of 8",
    ]


def test_a_deadline_stops_a_request_that_would_retry(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    policy = ymarket.RetryPolicy(max_retries=20, initial_backoff=1.0, jitter=False)
    client, recorder = make_each_client(
        answers(*[r500() for _ in range(30)]), retry=policy, deadline=10.0
    )
    with pytest.raises(ymarket.ServerError) as caught:
        client.delete_outlet_licenses(1001, [1])
    assert sum(fake_time.sleeps) <= 10.0
    assert len(recorder.requests) == 4  # waits of 1, 2 and 4 s; the next (8 s) would pass it
    assert caught.value.retry_note is not None and "deadline of 10 s" in caught.value.retry_note


def test_without_a_deadline_the_same_request_retries_to_its_budget(
    make_each_client: ClientFactory,
) -> None:
    policy = ymarket.RetryPolicy(max_retries=5, initial_backoff=1.0, jitter=False)
    client, recorder = make_each_client(answers(*[r500() for _ in range(30)]), retry=policy)
    with pytest.raises(ymarket.ServerError):
        client.delete_outlet_licenses(1001, [1])
    assert len(recorder.requests) == 6


@pytest.mark.parametrize("deadline", [0, -1.0])
def test_a_deadline_must_be_positive(deadline: float) -> None:
    with pytest.raises(ValueError, match="deadline"):
        ymarket.Client("k", deadline=deadline)


def test_the_total_retry_wait_stays_within_its_documented_bound(
    make_each_client: ClientFactory, fake_time: FakeTime
) -> None:
    policy = ymarket.RetryPolicy()
    client, recorder = make_each_client(answers(*[r420("119") for _ in range(20)]), retry=policy)
    with pytest.raises(ymarket.RateLimitError):
        client.delete_outlet_licenses(1001, [1])
    assert len(recorder.requests) == policy.max_rate_limit_retries + 1
    assert 0 < sum(fake_time.sleeps) <= policy.max_total_wait
    assert ymarket.RetryPolicy(max_retries=0).max_total_wait == 0.0
