"""Benchmarks (not part of the default test run): ``uv run python -m tests.benchmarks``.

See BENCHMARKS.md for what each section measures and the latest figures.
"""
