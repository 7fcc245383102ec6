"""What importing the clients loads: a synchronous program never loads asyncio."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_a_sync_client_and_its_pacing_do_not_load_asyncio() -> None:
    loaded = _loaded_after(
        "import ymarket\n"
        "client = ymarket.Client(api_key='k', base_url='http://127.0.0.1:9')\n"
        "assert client.rate_limiter is not None\n"
        "client.close()"
    )
    assert "ymarket._sync_client" in loaded
    assert "asyncio" not in loaded
    assert "ymarket._async_client" not in loaded


def test_the_async_client_loads_asyncio() -> None:
    loaded = _loaded_after("from ymarket import AsyncClient")
    assert {"asyncio", "ymarket._async_client"} <= loaded
