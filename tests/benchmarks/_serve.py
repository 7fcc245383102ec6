"""``python -m tests.benchmarks._serve``: the simulator with N SKUs on loopback, for benchmarks.

``--clock jump`` moves the simulator's clock a whole quota window per reading, so
its rate limits never bind ("limits off"); ``--clock real`` keeps them;
``--clock scaled:F`` runs them F times faster than real time.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ymarket.simulator import Simulator
from ymarket.simulator.server import serve

from tests.benchmarks._common import JumpClock, ScaledClock
from tests.soak._sim import bench_dataset


def main() -> None:
    """Parse the arguments and serve until terminated."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--outlets", type=int, default=10)
    parser.add_argument("--licenses", type=int, default=100)
    parser.add_argument("--clock", default="jump", help="jump, real, or scaled:FACTOR")
    parser.add_argument("--tier", default=None, help="the campaign's rate-limit tier")
    args = parser.parse_args()
    dataset = bench_dataset(
        args.offers, outlets=args.outlets, licenses=args.licenses, rate_limit_tier=args.tier
    )
    clock: Callable[[], float] | None = None
    if args.clock == "jump":
        clock = JumpClock()
    elif args.clock.startswith("scaled:"):
        clock = ScaledClock(float(args.clock.partition(":")[2]))
    simulator = Simulator(dataset, clock=clock)
    serve(simulator, "127.0.0.1", args.port)


if __name__ == "__main__":
    main()
