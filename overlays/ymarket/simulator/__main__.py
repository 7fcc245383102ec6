"""``python -m ymarket.simulator``: serve the simulator on loopback (demo dataset by default)."""

from __future__ import annotations

import argparse
import sys

from ymarket.simulator.dataset import Dataset, DatasetError, demo_dataset, dump_demo


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m ymarket.simulator",
        description="Stateful simulator of the Yandex Market Partner API operations.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    parser.add_argument(
        "--data", metavar="FILE", help="load this dataset (JSON) instead of the demo"
    )
    parser.add_argument(
        "--dump-demo", action="store_true", help="print the demo dataset as JSON and exit"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=10_000,
        metavar="N",
        help="requests kept in the request log; older ones are dropped (default: 10000)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=1 << 20,
        metavar="N",
        help="larger request bodies are answered 400 (default: 1048576)",
    )
    args = parser.parse_args(argv)
    if args.dump_demo:
        dump_demo()
        return 0
    try:
        dataset = Dataset.load(args.data) if args.data else demo_dataset()
    except (OSError, DatasetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # Imported here so --dump-demo works without the server's dependencies.
    from ymarket.simulator.app import Simulator
    from ymarket.simulator.server import run

    simulator = Simulator(
        dataset=dataset,
        max_recorded_requests=args.max_requests,
        max_body_bytes=args.max_body_bytes,
    )
    return run(simulator, args.host, args.port, banner=dataset.summary() + "\n")


if __name__ == "__main__":
    sys.exit(main())
