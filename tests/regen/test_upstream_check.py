"""upstream-check: Yandex's published spec against ours, one fact at a time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build import SPEC_PATH
from generator.compile import load_spec
from generator.spec_walk import operations
from generator.upstream_check import (
    LOCK_PATH,
    UpstreamError,
    bundle_upstream,
    main,
    read_lock,
    read_upstream,
)

PATHS = "openapi/paths/"
SCHEMAS = "openapi/components/schemas/"
PARAMETERS = "openapi/components/parameters/"
OFFERS = PATHS + "v2_campaigns_campaignId_offers_delete.yaml"
ITEMS = PATHS + "v2_campaigns_campaignId_orders_orderId_items.yaml"
LICENSES = PATHS + "v2_campaigns_campaignId_outlets_licenses.yaml"


@pytest.fixture
def upstream_copy(upstream_dir: Path, tmp_path: Path) -> Path:
    """The files the four operations use (and the index, SNAPSHOT.txt) in a temporary copy."""
    used = read_upstream(upstream_dir, operations(load_spec(SPEC_PATH))).files
    root = tmp_path / "upstream"
    for name in [*(f"openapi/{file}" for file in used), "openapi/openapi.yaml", "SNAPSHOT.txt"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(upstream_dir / name, root / name)
    return root


def _edit(root: Path, name: str, old: str, new: str) -> None:
    file = root / name
    text = file.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {name}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(path)
    return code, capsys.readouterr().out.splitlines()


def test_the_shared_snapshot_has_no_drift(upstream_dir: Path, repo_root: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "upstream-check", str(upstream_dir)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    accepted = [line for line in done.stdout.splitlines() if line.startswith("accepted")]
    assert accepted and all("[allowlist #" in line for line in accepted)
    assert "lock: reconciled with this upstream" in done.stdout
    assert "DRIFT" not in done.stdout


def test_the_openapi_folder_itself_is_accepted(upstream_dir: Path) -> None:
    assert main(upstream_dir / "openapi") == 0


@dataclass(frozen=True)
class Mutation:
    file: str
    old: str
    new: str
    expected: str  # the start of the one DRIFT line, after "DRIFT    "
    everywhere: bool = False  # a fact all four operations share


MUTATIONS = {
    "path bound": Mutation(
        PARAMETERS + "CampaignId.yaml",
        "minimum: 1",
        "minimum: 0",
        "deleteOutletLicenses path.campaignId minimum: upstream says 0, ours says 1",
        everywhere=True,
    ),
    "path type": Mutation(
        PARAMETERS + "OrderId.yaml",
        "type: integer",
        "type: string",
        "updateOrderItems path.orderId type: upstream says string",
    ),
    "query maxItems": Mutation(
        PARAMETERS + "DeleteLicenseIds.yaml",
        "maxItems: 500",
        "maxItems: 200",
        "deleteOutletLicenses query.ids maxItems: upstream says 200, ours says 500",
    ),
    "request item length": Mutation(
        SCHEMAS + "DeleteCampaignOffersRequest.yaml",
        "maxItems: 500",
        "maxItems: 100",
        "deleteCampaignOffers body.offerIds maxItems",
    ),
    "uniqueness": Mutation(
        SCHEMAS + "DeleteCampaignOffersRequest.yaml",
        "uniqueItems: true",
        "uniqueItems: false",
        "deleteCampaignOffers body.offerIds uniqueItems: upstream says —, ours says yes",
    ),
    "nullable": Mutation(
        SCHEMAS + "DeleteCampaignOffersDTO.yaml",
        "nullable: true",
        "nullable: false",
        "deleteCampaignOffers responses.200.result.notDeletedOfferIds nullable",
    ),
    "enum": Mutation(
        SCHEMAS + "LicenseType.yaml",
        "  - UNKNOWN",
        "  - UNKNOWN\n  - EXPIRED",
        "updateOutletLicenses body.licenses[].licenseType enum: upstream says ALCOHOL, UNKNOWN, "
        "EXPIRED",
    ),
    "required": Mutation(
        SCHEMAS + "OutletLicenseDTO.yaml",
        "  - number\n",
        "",
        "updateOutletLicenses body.licenses[].number required: upstream says no, ours says yes",
    ),
    "format": Mutation(
        SCHEMAS + "OrderItemModificationDTO.yaml",
        "format: int32",
        "format: int64",
        "updateOrderItems body.items[].count format: upstream says int64, ours says int32",
    ),
    "pattern": Mutation(
        SCHEMAS + "CountryCode.yaml",
        "pattern: ^[A-Z]{2}$",
        "pattern: ^[A-Z]{3}$",
        "updateOrderItems body.items[].instances[].countryCode pattern",
    ),
    "transform": Mutation(
        SCHEMAS + "ShopSku.yaml",
        "x-transform: trim",
        "x-transform: lower",
        "deleteCampaignOffers body.offerIds transform: upstream says lower, ours says trim",
    ),
    "new field": Mutation(
        SCHEMAS + "UpdateOrderItemRequest.yaml",
        "  reason:",
        "  comment:\n    type: string\n  reason:",
        "updateOrderItems body.comment field: upstream says present, ours says —",
    ),
    "response code": Mutation(
        OFFERS,
        "    '423':\n      $ref: ../components/responses/423.yaml\n",
        "",
        "deleteCampaignOffers (operation) responses",
    ),
    "method": Mutation(
        ITEMS,
        "put:",
        "post:",
        "updateOrderItems (operation) method: upstream says POST, ours says PUT",
    ),
    "scopes": Mutation(
        OFFERS,
        "    - offers-and-cards-management\n",
        "",
        "deleteCampaignOffers (operation) scopes: upstream says all-methods,",
    ),
    "placement model": Mutation(
        OFFERS,
        "    - laas\n",
        "",
        "deleteCampaignOffers (operation) placement models",
    ),
    "amount": Mutation(
        OFFERS,
        "amount: 5000",
        "amount: 4000",
        "deleteCampaignOffers (operation) limit[none]: upstream says 4000 per 60 s",
    ),
    "period": Mutation(
        ITEMS,
        "period: hours",
        "period: days",
        "updateOrderItems (operation) limit[none]: upstream says 10000 per 86400 s",
    ),
    "parallel limit": Mutation(
        ITEMS,
        "parallel-limit-value: 6",
        "parallel-limit-value: 4",
        "updateOrderItems (operation) limit[medium]: upstream says 10000 per 3600 s, at most 4",
    ),
    "what is counted": Mutation(
        OFFERS,
        "path: req.offerIds",
        "path: resp",
        "deleteCampaignOffers (operation) counted: upstream says requests, "
        "ours says items of offerIds",
    ),
    "security scheme": Mutation(
        "openapi/openapi.yaml",
        "name: Api-Key",
        "name: X-Api-Key",
        "updateOutletLicenses (operation) securitySchemes.ApiKey.name: upstream says X-Api-Key",
        everywhere=True,
    ),
    "path": Mutation(
        "openapi/openapi.yaml",
        "  /v2/campaigns/{campaignId}/offers/delete:",
        "  /v3/campaigns/{campaignId}/offers/delete:",
        "deleteCampaignOffers (operation) path: upstream says /v3/",
    ),
    # Unknown shapes of Yandex's extensions: reported, never a traceback.
    "limit config as a list": Mutation(
        OFFERS,
        "x-resource-limit-config:\n",
        "x-resource-limit-config: [5000]\n  x-old-limit-config:\n",
        "deleteCampaignOffers (operation) shape: upstream says x-resource-limit-config is list",
    ),
    "unknown period": Mutation(
        OFFERS,
        "period: minutes",
        "period: fortnights",
        "deleteCampaignOffers (operation) shape: upstream says x-resource-limit-config tier none",
    ),
    "unknown tier": Mutation(
        OFFERS,
        "    medium:",
        "    high:\n      amount: 1\n      period: hours\n      period-duration: 1\n    medium:",
        "deleteCampaignOffers (operation) shape: upstream says x-resource-limit-config key 'high'",
    ),
    "amount as text": Mutation(
        ITEMS,
        "amount: 10000",
        "amount: '10000'",
        "updateOrderItems (operation) shape: upstream says x-resource-limit-config tier none",
    ),
    "parallel limit as a map": Mutation(
        ITEMS,
        "parallel-limit-value: 6",
        "parallel-limit-value: {value: 6}",
        "updateOrderItems (operation) shape: upstream says x-resource-limit-config "
        "parallel-limit-value",
    ),
    "scopes as text": Mutation(
        OFFERS,
        "x-auth-scopes:\n    - all-methods\n    - offers-and-cards-management",
        "x-auth-scopes: all-methods offers-and-cards-management",
        "deleteCampaignOffers (operation) shape: upstream says x-auth-scopes",
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_each_upstream_change_is_reported(
    mutation: Mutation, upstream_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(upstream_copy, mutation.file, mutation.old, mutation.new)
    code, lines = _run(upstream_copy, capsys)
    drift = [line.removeprefix("DRIFT    ") for line in lines if line.startswith("DRIFT")]
    assert code == 1
    assert any(line.startswith(mutation.expected) for line in drift), drift
    # One fact changed upstream: only the operation using it drifts (a shared schema or a
    # limit on every tier may show in several places of it).
    drifting = {line.split(" ", 1)[0] for line in drift}
    if mutation.everywhere:
        assert drifting == set(operations(load_spec(SPEC_PATH)))
    else:
        assert drifting == {mutation.expected.split(" ", 1)[0]}


def test_an_unchanged_copy_has_no_drift(
    upstream_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _run(upstream_copy, capsys)
    assert code == 0, lines
    assert "lock: reconciled with this upstream" in "\n".join(lines)


def test_a_missing_operation_is_reported(
    upstream_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(upstream_copy, ITEMS, "operationId: updateOrderItems", "operationId: changeOrderItems")
    code, lines = _run(upstream_copy, capsys)
    assert code == 1
    assert "DRIFT    updateOrderItems (operation) exists: upstream says no, ours says yes" in lines


def test_an_unreadable_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _run(tmp_path, capsys)
    assert code == 2 and "no openapi.yaml" in lines[0]


def test_a_broken_ref_exits_2_with_a_message(
    upstream_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(upstream_copy, OFFERS, "DeleteCampaignOffersRequest.yaml", "Gone.yaml")
    code, lines = _run(upstream_copy, capsys)
    assert code == 2 and "Gone.yaml" in lines[0]


def test_the_lock_notices_a_newer_snapshot(
    upstream_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(upstream_copy, "SNAPSHOT.txt", "committed: 2026-07-17", "committed: 2026-08-17")
    _edit(upstream_copy, "SNAPSHOT.txt", "commit: 1318e9b", "commit: 2318e9b")
    _code, lines = _run(upstream_copy, capsys)
    status = next(line for line in lines if line.startswith("lock:"))
    assert "is newer than the lock" in status
    assert "files the four operations use are unchanged" in status


def test_the_lock_notices_changed_files(
    upstream_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(upstream_copy, SCHEMAS + "ShopSku.yaml", "description:", "description: new words")
    code, lines = _run(upstream_copy, capsys)
    assert code == 0  # descriptions are not compared ...
    assert "files the four operations use CHANGED" in "\n".join(lines)  # ... but the lock sees it


def test_update_lock_records_a_git_checkout(upstream_copy: Path, tmp_path: Path) -> None:
    (upstream_copy / "SNAPSHOT.txt").unlink()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(upstream_copy), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "snapshot")
    lock = tmp_path / "upstream.lock"
    assert main(upstream_copy, lock_path=lock, update_lock=True) == 0
    recorded = read_lock(lock)
    assert recorded["commit"] == git("rev-parse", "HEAD")
    assert recorded["sha256"] == read_lock(LOCK_PATH)["sha256"]  # the same files as the snapshot


def test_the_committed_lock_names_the_snapshot(upstream_dir: Path) -> None:
    snapshot = (upstream_dir / "SNAPSHOT.txt").read_text(encoding="utf-8")
    assert f"commit: {read_lock(LOCK_PATH)['commit']}" in snapshot


def test_bundle_is_a_self_contained_document_of_the_operations(upstream_copy: Path) -> None:
    wanted = operations(load_spec(SPEC_PATH))
    document = bundle_upstream(upstream_copy, wanted)
    assert document["openapi"].startswith("3.")
    assert "$ref" not in json.dumps(document)
    found = [
        op["operationId"]
        for item in document["paths"].values()
        for method, op in item.items()
        if method != "parameters"
    ]
    assert sorted(found) == sorted(wanted)
    with pytest.raises(UpstreamError, match="no operation notAnOperation"):
        bundle_upstream(upstream_copy, [*wanted, "notAnOperation"])
