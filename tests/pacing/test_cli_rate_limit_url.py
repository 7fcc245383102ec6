"""``--rate-limit-url`` / ``YANDEX_MARKET_RATE_LIMIT_URL`` of the ``ymarket`` commands that
call the API (issue 15), against a real Redis server and the served simulator."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from ymarket.cli._app import cli
from ymarket.cli._exit import ExitCode

from tests.cli.support import (
    API_KEY,
    CAMPAIGN,
    Server,
    run_ymarket,
    ymarket_env,
)
from tests.pacing._redis import RedisServer, free_port
from tests.pacing._served import ServedSimulator
from tests.soak._sim import API_KEY as BENCH_API_KEY
from tests.soak._sim import CAMPAIGN as BENCH_CAMPAIGN
from tests.soak._sim import sku

REPO_ROOT = Path(__file__).resolve().parents[2]
SCALE = 60  # the 5,000-SKU minute of deleteCampaignOffers lasts a second

# Each command that calls the API, as its words and arguments on the CLI test dataset.
API_COMMANDS: dict[str, tuple[str, ...]] = {
    "deleteCampaignOffers": ("offers", "delete", "--campaign-id", str(CAMPAIGN), "R-00001"),
    "deleteOutletLicenses": ("licenses", "delete", "--campaign-id", str(CAMPAIGN), "9001"),
    "updateOrderItems": (
        "orders", "update-items", "--campaign-id", str(CAMPAIGN), "--order-id", "70001",
        "--item", "1=1", "--item", "2=2", "--item", "3=2", "--yes",
    ),
}  # fmt: skip


def paced_operations(url: str) -> set[str]:
    """The operations whose quota keys the store holds (``{prefix:scope}:OPERATION:...``)."""
    client = redis.Redis.from_url(url)
    try:
        return {key.decode().split(":")[-2] for key in client.scan_iter("{ymarket:*")}
    finally:
        client.close()


def flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.mark.parametrize("operation_id", sorted(API_COMMANDS))
@pytest.mark.parametrize("how", ["option", "environment", "option after the command"])
def test_each_api_command_paces_through_the_store(
    redis_server: RedisServer, sim: Server, operation_id: str, how: str
) -> None:
    flush(redis_server.url)
    words = API_COMMANDS[operation_id]
    env = ymarket_env(sim.url)
    if how == "option":
        args = ("--rate-limit-url", redis_server.url, *words)
    elif how == "option after the command":
        args = (*words, "--rate-limit-url", redis_server.url)
    else:
        args = words
        env["YANDEX_MARKET_RATE_LIMIT_URL"] = redis_server.url
    result = subprocess.run(
        ["ymarket", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert operation_id in paced_operations(redis_server.url)


def test_licenses_upsert_paces_through_the_store(
    redis_server: RedisServer, sim: Server, tmp_path: Path
) -> None:
    flush(redis_server.url)
    source = tmp_path / "licenses.csv"
    source.write_text(
        "id,outletId,licenseType,number,dateOfIssue,dateOfExpiry\n"
        "9001,501,ALCOHOL,77RPA0012345,2024-01-15T00:00:00+03:00,2031-01-14T00:00:00+03:00\n"
    )
    result = run_ymarket(
        "--rate-limit-url", redis_server.url, "licenses", "upsert",
        "--campaign-id", str(CAMPAIGN), "--from-file", str(source), url=sim.url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "updateOutletLicenses" in paced_operations(redis_server.url)


@pytest.mark.parametrize("through", ["option", "environment"])
def test_a_store_that_does_not_answer_is_one_line_exit_5_no_password_nothing_sent(
    sim: Server, through: str
) -> None:
    url = f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0"
    words = ("--json", *API_COMMANDS["deleteCampaignOffers"])
    env = ymarket_env(sim.url)
    if through == "option":
        words = ("--rate-limit-url", url, *words)
    else:
        env["YANDEX_MARKET_RATE_LIMIT_URL"] = url
    result = subprocess.run(
        ["ymarket", *words], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == ExitCode.NETWORK
    (line,) = result.stderr.splitlines()
    assert line.startswith("ymarket: error: the pacing store redis://:***@127.0.0.1:")
    assert "does not answer" in line
    assert "s3cret-pass" not in result.stderr + result.stdout
    assert json.loads(result.stdout)["error"]["type"] == "PacingStoreError"
    assert sim.requests() == []


def test_missing_credentials_are_said_before_the_store_is_reached() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = run_ymarket("--rate-limit-url", url, *API_COMMANDS["deleteCampaignOffers"])
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "no credentials" in line


def test_not_a_redis_url_is_a_usage_error(sim: Server) -> None:
    result = run_ymarket(
        "--rate-limit-url", "http://user:pw@127.0.0.1:1", *API_COMMANDS["deleteCampaignOffers"],
        url=sim.url,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "--rate-limit-url" in line and "pw" not in line
    assert sim.requests() == []


@pytest.mark.parametrize("other", [("--simulator",), ("--rate-tier", "off")])
def test_options_that_do_not_pace_through_a_store_refuse_it(other: tuple[str, ...]) -> None:
    result = run_ymarket(
        *other,
        "--rate-limit-url",
        "redis://127.0.0.1:1/0",
        *API_COMMANDS["deleteOutletLicenses"],
        url="http://127.0.0.1:1",  # never reached
    )
    assert result.returncode == 2
    assert "--rate-limit-url" in result.stderr


def test_the_store_connection_is_closed_at_the_end(
    redis_server: RedisServer, sim: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = redis.Redis.from_url(redis_server.url)
    before = len(watcher.client_list())
    monkeypatch.setenv("YANDEX_MARKET_API_KEY", API_KEY)
    monkeypatch.setenv("YANDEX_MARKET_BASE_URL", sim.url)
    result = CliRunner().invoke(
        cli, ["--rate-limit-url", redis_server.url, *API_COMMANDS["deleteCampaignOffers"]]
    )
    assert result.exit_code == 0, result.output
    assert len(watcher.client_list()) == before
    watcher.close()


@pytest.mark.slow
def test_three_offers_delete_processes_share_one_quota_without_a_420(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """Issue 15's "done when", its windows 60 times shorter: 10,000 SKUs (20 chunks) by
    three ``ymarket offers delete`` processes through one store."""
    flush(redis_server.url)
    total, processes = 10_000, 3
    simulator = ServedSimulator(offers=total, scale=SCALE)
    try:
        # Whole requests of 500 each (7, 7 and 6): 20 requests in all, as in the issue.
        bounds = [0, 3_500, 7_000, total]
        parts = [range(bounds[n], bounds[n + 1]) for n in range(processes)]
        workers = []
        for n, part in enumerate(parts):
            source = tmp_path / f"part{n}.txt"
            source.write_text("".join(f"{sku(i)}\n" for i in part))
            env = ymarket_env()
            env.update(
                {"YANDEX_MARKET_BASE_URL": simulator.url, "YANDEX_MARKET_API_KEY": BENCH_API_KEY}
            )
            command = [
                sys.executable, "-m", "tests.pacing._scaled_cli", str(SCALE), "--json",
                "offers", "delete", "--campaign-id", str(BENCH_CAMPAIGN), "--from-file",
                str(source), "--rate-limit-url", redis_server.url,
            ]  # fmt: skip
            workers.append(
                subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
            )
        reports = []
        for process in workers:
            out, _ = process.communicate(timeout=120)
            assert process.returncode in (0, 3), out  # 3: some SKUs stay (Market warehouse)
            reports.append(json.loads(out))
        recorded = simulator.requests()
    finally:
        simulator.stop()
    statuses = [r["status"] for r in recorded]
    assert statuses.count(420) == 0
    assert statuses == [200] * len(statuses)
    sent = [s for r in recorded for s in r["body"]["offerIds"]]
    assert sorted(sent) == sorted(sku(n) for n in range(total))
    assert len(recorded) == 20
    kept = [s for report in reports for s in report["notDeletedOfferIds"]]
    assert kept and len(kept) == len(set(kept))  # the store keeps some in Market warehouses


@pytest.mark.slow
def test_a_store_lost_mid_job_is_said_waited_for_and_the_job_finishes(tmp_path: Path) -> None:
    """Fail-closed: the command says the store is gone, waits for it (nothing unpaced),
    says when it is back, and finishes the job."""
    (tmp_path / "store").mkdir()
    store = RedisServer(tmp_path / "store")
    simulator = ServedSimulator(offers=10_000, scale=SCALE)
    source = tmp_path / "skus.txt"
    source.write_text("".join(f"{sku(i)}\n" for i in range(10_000)))
    env = ymarket_env()
    env.update({"YANDEX_MARKET_BASE_URL": simulator.url, "YANDEX_MARKET_API_KEY": BENCH_API_KEY})
    command = [
        sys.executable, "-m", "tests.pacing._scaled_cli", str(SCALE), "offers", "delete",
        "--campaign-id", str(BENCH_CAMPAIGN), "--from-file", str(source),
        "--rate-limit-url", store.url,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    try:
        while not simulator.requests():  # under way: the first requests were paced
            assert process.poll() is None
        store.stop()
        said = []
        for line in process.stderr:
            said.append(line)
            if line.startswith(f"ymarket: pacing store {store.url} unreachable"):
                break
        else:
            raise AssertionError(f"the outage was not said: {said}")
        sent_while_away = len(simulator.requests())
        time.sleep(0.5)
        assert len(simulator.requests()) == sent_while_away  # nothing is sent unpaced
        store = RedisServer(tmp_path / "store", port=store.port)
        _, rest = process.communicate(timeout=120)
        recorded = simulator.requests()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        simulator.stop()
        store.stop()
    assert process.returncode == 3, rest  # done; some SKUs stay in Market warehouses
    assert f"ymarket: pacing store {store.url} answers again" in rest
    accepted = [s for r in recorded if r["status"] == 200 for s in r["body"]["offerIds"]]
    assert sorted(accepted) == sorted(sku(n) for n in range(10_000))
