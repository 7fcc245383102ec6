"""Whatever ends a bulk call mid-way, the caller is left with its progress.

Done, uncertain (in flight when it failed), not attempted, and how far a
streamed input was read: on a library error, an input iterator raising, a
conversion error, ``KeyboardInterrupt`` and task cancellation (their type kept).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import ymarket

from tests.client.support import (
    API_KEY,
    LICENSE,
    ClientFactory,
    FakeTime,
    error_body,
    ok_handler,
    run,
)
from tests.client.test_bulk import CHUNK

REPO_ROOT = Path(__file__).resolve().parents[2]


def skus(count: int) -> list[str]:
    return [f"sku-{i}" for i in range(count)]


def test_a_failing_iterator_leaves_the_progress_on_its_error(
    make_each_client: ClientFactory,
) -> None:
    def source() -> Iterator[str]:
        yield from skus(2 * CHUNK + 200)
        raise OSError("the disk went away")

    client, recorder = make_each_client()
    with pytest.raises(OSError, match="the disk went away") as caught:
        client.delete_campaign_offers(1001, source())
    progress: ymarket.BulkProgress = caught.value.progress  # type: ignore[attr-defined]
    assert len(recorder.requests) == 2
    assert progress.done == tuple(skus(2 * CHUNK))
    assert progress.failed == progress.uncertain == ()
    # Read before the iterator failed, never sent: nothing read is lost.
    assert progress.not_attempted == tuple(skus(2 * CHUNK + 200)[2 * CHUNK :])
    assert progress.read == 2 * CHUNK + 200 and not progress.input_exhausted
    assert any("1000 item(s) done" in note for note in caught.value.__notes__)


def test_a_conversion_error_mid_stream_leaves_the_progress(
    make_each_client: ClientFactory,
) -> None:
    licenses: list[dict[str, Any]] = [{**LICENSE, "id": n} for n in range(1, 601)]
    licenses[549]["dateOfIssue"] = float("nan")  # an empty pandas cell

    client, recorder = make_each_client()
    with pytest.raises(ymarket.ValidationError) as caught:
        client.update_outlet_licenses(1001, iter(licenses))
    progress = caught.value.progress
    assert len(recorder.requests) == 1
    assert [d["id"] for d in progress.done] == list(range(1, 501))
    assert progress.failed == ()  # the bad chunk was never sent
    assert [d["id"] for d in progress.not_attempted] == list(range(501, 601))
    assert progress.read == 600


def test_a_library_error_says_what_is_uncertain(make_each_client: ClientFactory) -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        if count == 2:
            return httpx.Response(400, json=error_body("BAD", "refused"))
        return ok_handler(request)

    source = iter(skus(3 * CHUNK + 7))
    client, _ = make_each_client(handler)
    with pytest.raises(ymarket.BadRequestError) as caught:
        client.delete_campaign_offers(1001, source)
    progress = caught.value.progress
    assert progress.failed == tuple(skus(2 * CHUNK)[CHUNK:])
    assert progress.uncertain == ()  # a 400 was refused, not applied
    assert progress.read == 2 * CHUNK
    assert len(list(source)) == CHUNK + 7  # the rest, still in the iterator


def test_keyboard_interrupt_from_the_transport_keeps_its_type_and_carries_progress(
    make_client: ClientFactory,
) -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        if count == 2:
            raise KeyboardInterrupt
        return ok_handler(request)

    client, _ = make_client(handler)
    with pytest.raises(KeyboardInterrupt) as caught:
        client.delete_campaign_offers(1001, skus(3 * CHUNK))
    assert type(caught.value) is KeyboardInterrupt
    progress = caught.value.progress  # type: ignore[attr-defined]
    assert progress.done == tuple(skus(CHUNK))
    assert progress.failed == progress.uncertain == tuple(skus(2 * CHUNK)[CHUNK:])
    assert progress.not_attempted == tuple(skus(3 * CHUNK)[2 * CHUNK :])
    assert any("may have been applied" in note for note in caught.value.__notes__)


class StallingTransport(httpx.AsyncBaseTransport):
    """Answers 200 until request ``stall_at``, which never gets an answer."""

    def __init__(self, stall_at: int) -> None:
        self.stall_at = stall_at
        self.count = 0
        self.stalled = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count == self.stall_at:
            self.stalled.set()
            await asyncio.Event().wait()
        await request.aread()
        return ok_handler(request)


def test_cancellation_keeps_its_type_and_carries_progress(fake_time: FakeTime) -> None:
    async def main() -> BaseException:
        transport = StallingTransport(stall_at=3)
        async with ymarket.AsyncClient(
            api_key=API_KEY, transport=transport, clock=fake_time.clock, sleep=fake_time.async_sleep
        ) as client:
            task = asyncio.create_task(
                client.delete_campaign_offers(1001, iter(skus(4 * CHUNK + 1)))
            )
            await transport.stalled.wait()
            task.cancel()
            try:
                await task
            except asyncio.CancelledError as cancelled:
                return cancelled
        raise AssertionError("not cancelled")

    cancelled = run(main())
    assert type(cancelled) is asyncio.CancelledError
    progress = cancelled.progress  # type: ignore[attr-defined]
    assert progress.done == tuple(skus(2 * CHUNK))
    assert progress.uncertain == progress.failed == tuple(skus(3 * CHUNK)[2 * CHUNK :])
    assert progress.not_attempted == ()
    assert progress.read == 3 * CHUNK and not progress.input_exhausted


def _readme_bulk_example() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Bulk", 1)[1].split("\n### ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return block.group(1)


def test_the_readme_example_prints_the_right_count_to_redo(
    make_client: ClientFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    total = 4 * CHUNK + 33
    (tmp_path / "skus.txt").write_text("".join(f"{s}\n" for s in skus(total)))
    monkeypatch.chdir(tmp_path)
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        if count == 2:
            return httpx.Response(400, json=error_body("BAD", "refused"))
        return ok_handler(request)

    client, _ = make_client(handler)
    monkeypatch.setattr(ymarket.Client, "from_env", classmethod(lambda cls: client))
    with pytest.raises(ymarket.BadRequestError):  # the example re-raises after its report
        exec(_readme_bulk_example(), {"ymarket": ymarket})
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"{CHUNK} done; {total - CHUNK} to redo"
