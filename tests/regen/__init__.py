"""Tests of docs-check, the spec diff and release (generator/docs_check.py, ...)."""
