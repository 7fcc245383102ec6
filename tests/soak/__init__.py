"""Soak with injected faults: a short version runs in the default suite, the full one in
``python -m tests.benchmarks --only 5``."""
