"""Tests of the ``ymarket`` command."""
