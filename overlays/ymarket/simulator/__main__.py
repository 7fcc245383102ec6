"""``python -m ymarket.simulator``: serve the simulator on loopback (demo dataset by default)."""

from __future__ import annotations

import argparse
import sys

from ymarket.simulator.dataset import Dataset, DatasetError, demo_dataset


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
    args = parser.parse_args(argv)
    if args.dump_demo:
        print(demo_dataset().to_json())
        return 0
    try:
        dataset = Dataset.load(args.data) if args.data else demo_dataset()
    except (OSError, DatasetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # Imported here so --dump-demo works without the server's dependencies.
    from ymarket.simulator.app import Simulator
    from ymarket.simulator.server import serve

    simulator = Simulator(dataset=dataset)
    print(dataset.summary())
    print(
        f"\nServing on http://{args.host}:{args.port}  (control API: /__simulator__/)", flush=True
    )
    serve(simulator, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
