"""The ``ymarket`` commands, one module per command group (``_app`` adds them to ``ymarket``).

Each module imports only click and the light ``ymarket.cli`` modules at the top;
the client, the simulator and rich are imported when a command runs.
"""

from __future__ import annotations

__all__: list[str] = []
