"""``python -m ymarket.cli``: the ``ymarket`` command."""

from ymarket.cli import main

main()
