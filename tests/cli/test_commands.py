"""licenses upsert/delete, orders update-items and failures, against the served simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.cli.support import CAMPAIGN, Server, run_ymarket

LICENSES_PATH = f"/v2/campaigns/{CAMPAIGN}/outlets/licenses"


def api_requests(server: Server, path: str) -> list[dict[str, Any]]:
    return [r for r in server.requests() if r["path"] == path]


def test_licenses_upsert_from_csv_with_zone_and_offset_columns(sim: Server, tmp_path: Path) -> None:
    source = tmp_path / "licenses.csv"
    source.write_text(
        "id,outletId,licenseType,number,dateOfIssue,dateOfExpiry,tz\n"
        ",501,ALCOHOL,77RPA0100001,2025-03-01,2030-02-28,Europe/Moscow\n"
        "9001,501,ALCOHOL,77RPA0012345,2024-01-15,2031-01-14,+05:00\n"
    )
    result = run_ymarket(
        "licenses",
        "upsert",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        str(source),
        url=sim.url,
    )
    assert result.returncode == 0, result.stderr
    assert "2 license(s) sent in 1 request(s): 1 created, 1 changed" in result.stdout
    (sent,) = api_requests(sim, LICENSES_PATH)
    assert sent["status"] == 200
    first, second = sent["body"]["licenses"]
    assert "id" not in first and first["dateOfIssue"] == "2025-03-01T00:00:00+03:00"
    assert second["id"] == 9001 and second["dateOfExpiry"] == "2031-01-14T00:00:00+05:00"


def test_licenses_upsert_from_json_with_a_default_zone(sim: Server, tmp_path: Path) -> None:
    source = tmp_path / "licenses.json"
    source.write_text(
        json.dumps(
            [
                {
                    "outletId": 501,
                    "licenseType": "ALCOHOL",
                    "number": "77RPA0100002",
                    "dateOfIssue": "2025-03-01",
                    "dateOfExpiry": "2030-02-28",
                }
            ]
        )
    )
    result = run_ymarket(
        "--json",
        "licenses",
        "upsert",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        str(source),
        "--tz",
        "Asia/Yekaterinburg",
        url=sim.url,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 1
    (sent,) = api_requests(sim, LICENSES_PATH)
    assert sent["body"]["licenses"][0]["dateOfIssue"] == "2025-03-01T00:00:00+05:00"


def test_bad_license_rows_are_named_by_line_and_nothing_is_sent(
    sim: Server, tmp_path: Path
) -> None:
    source = tmp_path / "licenses.csv"
    source.write_text(
        "outletId,licenseType,number,dateOfIssue,dateOfExpiry,tz\n"
        "501,ALCOHOL,77RPA0100001,2025-13-01,2030-02-28,Europe/Moscow\n"
        "501,ALCOHOL,77RPA0100002,2025-03-01,2030-02-28,\n"
    )
    result = run_ymarket(
        "licenses",
        "upsert",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        str(source),
        url=sim.url,
    )
    assert result.returncode == 2
    assert "line 2: dateOfIssue: '2025-13-01' is not a date" in result.stderr
    assert "line 3: dateOfIssue: 2025-03-01 is a plain date" in result.stderr
    assert api_requests(sim, LICENSES_PATH) == []


def test_a_license_refused_by_the_spec_is_named_by_line(sim: Server, tmp_path: Path) -> None:
    source = tmp_path / "licenses.csv"
    source.write_text(
        "outletId,licenseType,number,dateOfIssue,dateOfExpiry,tz\n"
        "501,ALCOHOL,77RPA0100001,2025-03-01,2030-02-28,+03:00\n"
        "501,ALCOHOL,77RPA0100002,2025-03-01,2025-02-28,+03:00\n"
    )
    result = run_ymarket(
        "licenses",
        "upsert",
        "--campaign-id",
        str(CAMPAIGN),
        "--from-file",
        str(source),
        url=sim.url,
    )
    assert result.returncode == 2
    assert "line 3: dateOfExpiry: not-before" in result.stderr
    assert api_requests(sim, LICENSES_PATH) == []


def test_licenses_delete(sim: Server) -> None:
    result = run_ymarket("licenses", "delete", "--campaign-id", str(CAMPAIGN), "9001", url=sim.url)
    assert result.returncode == 0, result.stderr
    (sent,) = api_requests(sim, LICENSES_PATH)
    assert sent["method"] == "DELETE" and sent["query"] == [["ids", "9001"]]


ORDER = ["orders", "update-items", "--campaign-id", str(CAMPAIGN), "--order-id", "70001"]
ORDER_PATH = f"/v2/campaigns/{CAMPAIGN}/orders/70001/items"


def test_update_items_needs_yes_when_stdin_is_not_a_terminal(sim: Server) -> None:
    result = run_ymarket(*ORDER, "--item", "2=1", url=sim.url)
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert api_requests(sim, ORDER_PATH) == []


def test_update_items_with_yes(sim: Server) -> None:
    result = run_ymarket(
        *ORDER,
        "--item",
        "1=0",
        "--item",
        "2=1",
        "--item",
        "3=2",
        "--reason",
        "PARTNER_REQUESTED_REMOVE",
        "--yes",
        url=sim.url,
    )
    assert result.returncode == 0, result.stderr
    (sent,) = api_requests(sim, ORDER_PATH)
    assert sent["status"] == 200
    assert sent["body"] == {
        "items": [{"id": 1, "count": 0}, {"id": 2, "count": 1}, {"id": 3, "count": 2}],
        "reason": "PARTNER_REQUESTED_REMOVE",
    }


def test_update_items_refused_by_the_api_is_one_line_with_its_code(sim: Server) -> None:
    result = run_ymarket(*ORDER, "--item", "1=5", "--yes", url=sim.url)
    assert result.returncode == 4
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "ymarket: error: updateOrderItems: HTTP 400: ITEMS_ADDITION_NOT_SUPPORTED"
    )


def test_update_items_declined_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from ymarket.cli import _app
    from ymarket.cli.commands import orders

    monkeypatch.setattr(orders, "_interactive", lambda: True)
    result = CliRunner().invoke(
        _app.cli, ["--simulator", *ORDER, "--item", "2=1"], input="n\n", catch_exceptions=False
    )
    assert result.exit_code == 6
    assert "Every item of the order NOT listed here is REMOVED" in result.output


def test_a_bad_item_is_a_usage_error() -> None:
    result = run_ymarket("--simulator", *ORDER, "--item", "two=1", "--yes")
    assert result.returncode == 2
    assert "expected ID=COUNT" in result.stderr


def test_missing_credentials_are_one_line() -> None:
    result = run_ymarket("licenses", "delete", "--campaign-id", "1", "5")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "no credentials" in line and "YANDEX_MARKET_API_KEY" in line


def test_a_wrong_key_is_an_api_error(sim: Server) -> None:
    result = run_ymarket(
        "--api-key",
        "wrong",
        "licenses",
        "delete",
        "--campaign-id",
        str(CAMPAIGN),
        "1",
        url=sim.url,
    )
    assert result.returncode == 4
    assert "HTTP 403: FORBIDDEN" in result.stderr
    assert "wrong" not in result.stderr


def test_offers_delete_on_the_in_process_simulator_in_json() -> None:
    result = CliRunner().invoke(
        __import__("ymarket.cli._app", fromlist=["cli"]).cli,
        [
            "--simulator",
            "--json",
            "offers",
            "delete",
            "--campaign-id",
            "1001",
            "SKU-00401",
            "SKU-00500",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["deleted"] == 1 and document["notDeletedOfferIds"] == ["SKU-00500"]
    assert document["journal"] is None


def test_skus_and_from_file_together_are_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "s.txt"
    source.write_text("A\n")
    result = run_ymarket(
        "--simulator", "offers", "delete", "--campaign-id", "1001", "--from-file", str(source), "B"
    )
    assert result.returncode == 2


def test_rate_tier_settings_reach_the_client() -> None:
    from ymarket.cli._session import Failure, Settings

    with Settings(rate_tier="off", api_key="k", base_url="http://127.0.0.1:9").client() as client:
        assert client.rate_limiter is None
    with Settings(rate_tier="extended", api_key="k", base_url="http://127.0.0.1:9").client() as c:
        assert c.rate_limiter is not None
        assert c.rate_limiter.tier == "extended"
    with pytest.raises(Failure):
        Settings(rate_tier="platinum", api_key="k", base_url="http://127.0.0.1:9").client()
