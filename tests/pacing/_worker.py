"""``python -m tests.pacing._worker``: one process of a job sharing a quota through Redis.

``delete``: delete SKUs ``--first`` .. ``--first + --count - 1`` of the benchmark store
from a served simulator, paced by the Redis limiter (windows ``--scale`` times
shorter, as the simulator's scaled clock); resumed after exhausted retries as the
README says. Prints one JSON line: not_deleted, unfinished, retries, resumes,
seconds, and sent (wall-clock times of the first and last request).
``--shift S`` moves this process's clocks (``time.time``/``time.monotonic``) by S
seconds first, as a host whose clock is off.

``hold``: take every campaign-wide slot (lease ``--lease`` s), print their server
stamps as JSON, and sleep until killed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable


def _shift_clocks(seconds: float) -> None:
    real_time, real_monotonic = time.time, time.monotonic
    time.time = lambda: real_time() + seconds
    time.monotonic = lambda: real_monotonic() + seconds


def main() -> None:
    """Parse the arguments and run one worker."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["delete", "hold"])
    parser.add_argument("--redis", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--base-url")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--shift", type=float, default=0.0)
    parser.add_argument("--lease", type=float, default=120.0)
    parser.add_argument("--local", action="store_true", help="pace in-process only")
    args = parser.parse_args()
    if args.shift:
        _shift_clocks(args.shift)  # before anything reads a clock
    if args.mode == "hold":
        hold(args)
    else:
        delete(args)


def hold(args: argparse.Namespace) -> None:
    """Take the campaign's slots and never give them back."""
    from ymarket.spec import campaign_limits

    from tests.pacing._scaled import ScaledRedisRateLimiter
    from tests.soak._sim import CAMPAIGN

    limiter = ScaledRedisRateLimiter(
        args.redis, scale=args.scale, prefix=args.prefix, lease_seconds=args.lease
    )
    cap = campaign_limits()
    assert cap is not None
    stamps = []
    for _ in range(cap.max_parallel):
        bucket = limiter.bucket("updateOrderItems", CAMPAIGN)
        assert bucket is not None
        stamps.append(bucket.acquire(1, time.sleep).stamp)
    print(json.dumps({"stamps": stamps}), flush=True)
    time.sleep(3600)


def delete(args: argparse.Namespace) -> None:
    """Delete this worker's SKUs, resuming after exhausted retries."""
    import httpx
    import ymarket

    from tests.benchmarks._common import ScaledClock
    from tests.pacing._scaled import ScaledRedisRateLimiter
    from tests.soak._sim import API_KEY, CAMPAIGN, sku

    pending = [sku(n) for n in range(args.first, args.first + args.count)]
    clock = ScaledClock(args.scale)
    rate_limit: ymarket.RateLimiter | bool = True
    sleep: Callable[[float], None] = time.sleep
    if args.local:  # separate in-process pacing, on the simulator's scaled time
        rate_limit, sleep = ymarket.RateLimiter(clock=clock), clock.sleep_sync
    else:
        rate_limit = ScaledRedisRateLimiter(
            args.redis, scale=args.scale, prefix=args.prefix, lease_seconds=args.lease
        )
    not_deleted: list[str] = []
    retries = resumes = 0
    started = time.monotonic()
    sent: list[float] = []
    inner = httpx.HTTPTransport()

    class Timed(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(time.time())
            return inner.handle_request(request)

        def close(self) -> None:
            inner.close()

    with ymarket.Client(
        api_key=API_KEY,
        base_url=args.base_url,
        rate_limit=rate_limit,
        sleep=sleep,
        transport=Timed(),
    ) as client:
        for _ in range(100):
            try:
                result = client.delete_campaign_offers(CAMPAIGN, pending)
            except ymarket.YMarketError as error:
                chunks, pending = error.progress.chunks, list(error.progress.not_done)
                resumes += 1
            else:
                chunks, pending = result.chunks, []
            not_deleted.extend(s for chunk in chunks for s in chunk.not_deleted)
            retries += sum(chunk.attempts - 1 for chunk in chunks)
            if not pending:
                break
    report = {
        "not_deleted": not_deleted,
        "unfinished": pending,
        "retries": retries,
        "resumes": resumes,
        "seconds": time.monotonic() - started,
        "sent": [min(sent), max(sent)] if sent else [],
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
