"""The diff classifier gets each kind of spec change right, and proposes the semver bump."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.build import SPEC_PATH
from generator.compile import load_spec
from generator.spec_diff import bump, bump_kind, diff_specs, where

Spec = dict[str, Any]
BASE: Spec = load_spec(SPEC_PATH)


def _schema(spec: Spec, name: str) -> Any:
    return spec["components"]["schemas"][name]


def _op(spec: Spec, path: str, method: str) -> Any:
    return spec["paths"][path][method]


LICENSES = "/v2/campaigns/{campaignId}/outlets/licenses"
OFFERS = "/v2/campaigns/{campaignId}/offers/delete"
ITEMS = "/v2/campaigns/{campaignId}/orders/{orderId}/items"


def _set(target: Callable[[Spec], Any], key: str, value: Any) -> Callable[[Spec], None]:
    def apply(spec: Spec) -> None:
        target(spec)[key] = value

    return apply


def _delete(target: Callable[[Spec], Any], key: str) -> Callable[[Spec], None]:
    def apply(spec: Spec) -> None:
        del target(spec)[key]

    return apply


def _licenses(spec: Spec) -> Any:
    return _schema(spec, "UpdateOutletLicenseRequest")["properties"]["licenses"]


def _license(spec: Spec) -> Any:
    return _schema(spec, "OutletLicenseDTO")


def _new_required_field(spec: Spec) -> None:
    _license(spec)["properties"]["region"] = {"type": "string"}
    _license(spec)["required"].append("region")


def _new_optional_field(spec: Spec) -> None:
    _license(spec)["properties"]["comment"] = {"type": "string"}


def _new_operation(spec: Spec) -> None:
    spec["paths"]["/v2/campaigns/{campaignId}/outlets"] = {
        "get": {
            "operationId": "getOutlets",
            "responses": {"200": {"description": "ok"}},
        }
    }


def _move(spec: Spec) -> None:
    spec["paths"]["/v3/campaigns/{campaignId}/offers/delete"] = spec["paths"].pop(OFFERS)


def _new_response_field(spec: Spec) -> None:
    _schema(spec, "DeleteCampaignOffersDTO")["properties"]["reasons"] = {"type": "string"}


# (change, mutation, expected kind, words the change's text contains, bump)
CASES: dict[str, tuple[Callable[[Spec], None], str, str, str]] = {
    "removed operation": (
        lambda s: s["paths"].pop(ITEMS),
        "breaking",
        "operation removed",
        "major",
    ),
    "new operation": (_new_operation, "additive", "new operation (GET", "minor"),
    "changed path": (_move, "breaking", "moved from POST /v2/", "major"),
    "removed request field": (
        lambda s: _schema(s, "UpdateOrderItemRequest")["properties"].pop("reason"),
        "breaking",
        "`reason` in the request body was removed",
        "major",
    ),
    "removed response field": (
        lambda s: _schema(s, "ApiErrorDTO")["properties"].pop("message"),
        "breaking",
        "`errors[].message` in the 400, 401, 403, 404, 420, 423, 500 responses was removed",
        "major",
    ),
    "new required field": (
        _new_required_field,
        "breaking",
        "new required `licenses[].region` in the request body",
        "major",
    ),
    "new optional field": (
        _new_optional_field,
        "additive",
        "new optional `licenses[].comment`",
        "minor",
    ),
    "new response field": (_new_response_field, "additive", "new `result.reasons`", "minor"),
    "optional field becomes required": (
        lambda s: _schema(s, "UpdateOrderItemRequest")["required"].append("reason"),
        "breaking",
        "`reason` in the request body is now required",
        "major",
    ),
    "required field becomes optional": (
        lambda s: _license(s)["required"].remove("number"),
        "additive",
        "`licenses[].number` in the request body is now optional",
        "minor",
    ),
    "tightened maxItems": (
        _set(_licenses, "maxItems", 300),
        "breaking",
        "accepts at most 300 items (was 500)",
        "major",
    ),
    "loosened maxItems": (
        _set(_licenses, "maxItems", 1000),
        "additive",
        "accepts at most 1000 items (was 500)",
        "minor",
    ),
    "removed maxItems": (
        _delete(_licenses, "maxItems"),
        "additive",
        "no longer limited to at most 500 items",
        "minor",
    ),
    "tightened minimum": (
        _set(lambda s: _license(s)["properties"]["outletId"], "minimum", 2),
        "breaking",
        "a value of at least 2 (was 1)",
        "major",
    ),
    "new pattern": (
        _set(lambda s: _license(s)["properties"]["number"], "pattern", "^[0-9]+$"),
        "breaking",
        "must now match `^[0-9]+$`",
        "major",
    ),
    "new uniqueItems": (
        _set(_licenses, "uniqueItems", True),
        "breaking",
        "must now hold distinct items",
        "major",
    ),
    "narrowed request enum": (
        _set(lambda s: _schema(s, "LicenseType"), "enum", ["ALCOHOL"]),
        "breaking",
        "no longer accepts `UNKNOWN`",
        "major",
    ),
    "new request enum value": (
        _set(lambda s: _schema(s, "LicenseType"), "enum", ["ALCOHOL", "UNKNOWN", "TOBACCO"]),
        "additive",
        "accepts new value(s) `TOBACCO`",
        "minor",
    ),
    "new response enum value": (
        _set(lambda s: _schema(s, "ApiResponseStatusType"), "enum", ["OK", "ERROR", "PARTIAL"]),
        "additive",
        "may return new value(s) `PARTIAL`",
        "minor",
    ),
    "changed type": (
        _set(lambda s: s["components"]["parameters"]["orderId"]["schema"], "type", "string"),
        "breaking",
        "changed type from `integer<int64>` to `string<int64>`",
        "major",
    ),
    "format warning becomes error": (
        lambda s: _schema(s, "BriefOrderItemInstanceDTO")["properties"]["uin"][
            "x-ymarket-patterns"
        ].update(severity="error"),
        "breaking",
        "`items[].instances[].uin` in the request body must now match",
        "major",
    ),
    "removed scope": (
        _set(lambda s: _op(s, ITEMS, "put"), "x-ymarket-scopes", ["all-methods"]),
        "breaking",
        "no longer available with scope(s) `inventory-and-order-processing`",
        "major",
    ),
    "new response code": (
        lambda s: _op(s, ITEMS, "put")["responses"].update(
            {"423": {"$ref": "#/components/responses/Locked"}}
        ),
        "additive",
        "may now answer 423",
        "minor",
    ),
    "lower rate limit": (
        lambda s: _op(s, LICENSES, "delete")["x-ymarket-rate-limit"]["tiers"]["base"].update(
            limit=50000
        ),
        "breaking",
        "rate limit (`base` tier) is now 50,000 requests per 3600 s (was 100,000",
        "major",
    ),
    "higher rate limit": (
        lambda s: _op(s, LICENSES, "delete")["x-ymarket-rate-limit"]["tiers"]["base"].update(
            limit=200000
        ),
        "additive",
        "is now 200,000 requests per 3600 s",
        "minor",
    ),
    "new parallel limit": (
        lambda s: _op(s, LICENSES, "delete")["x-ymarket-rate-limit"]["tiers"]["base"].update(
            maxParallel=2
        ),
        "breaking",
        "at most 2 in flight",
        "major",
    ),
    "raised parallel limit": (
        lambda s: _op(s, ITEMS, "put")["x-ymarket-rate-limit"]["tiers"]["base"].update(
            maxParallel=8
        ),
        "additive",
        "at most 8 in flight",
        "minor",
    ),
    "new rate-limit tier": (
        lambda s: _op(s, LICENSES, "delete")["x-ymarket-rate-limit"]["tiers"].update(
            extended={"limit": 1, "periodSeconds": 1, "source": "test"}
        ),
        "additive",
        "tier `extended` added",
        "minor",
    ),
    "changed default tier": (
        _set(lambda s: _op(s, OFFERS, "post")["x-ymarket-rate-limit"], "defaultTier", "extended"),
        "patch",
        "now pace to the `extended` tier",
        "patch",
    ),
    "new transform": (
        _set(lambda s: _schema(s, "LicenseType"), "x-ymarket-transform", "trim"),
        "breaking",
        "is now transformed by the server: trim",
        "major",
    ),
    "removed transform": (
        _set(
            lambda s: _schema(s, "DeleteCampaignOffersRequest")["properties"]["offerIds"],
            "items",
            {k: v for k, v in BASE["components"]["schemas"]["ShopSku"].items() if k[:2] != "x-"},
        ),
        "additive",
        "is no longer transformed (trim)",
        "minor",
    ),
    "new placement model": (
        _set(lambda s: _op(s, ITEMS, "put"), "x-ymarket-placement-models", ["DBS", "FBS"]),
        "additive",
        "now also available with model(s) `FBS`",
        "minor",
    ),
    "lower campaign limit": (
        lambda s: s["x-ymarket-campaign-limits"].update(maxParallel=2),
        "breaking",
        "at most 2 requests in flight per campaign (was 4)",
        "major",
    ),
    "higher campaign limit": (
        lambda s: s["x-ymarket-campaign-limits"].update(maxParallel=8),
        "additive",
        "at most 8 requests in flight per campaign (was 4)",
        "minor",
    ),
    "changed repeatability": (
        _set(lambda s: _op(s, ITEMS, "put"), "x-ymarket-repeatable", False),
        "patch",
        "repeatable after an ambiguous failure: now False",
        "patch",
    ),
    "unknown extension": (
        _set(lambda s: _op(s, ITEMS, "put"), "x-ymarket-future", 1),
        "patch",
        "x-ymarket-future` changed",
        "patch",
    ),
    "changed description": (
        _set(lambda s: _op(s, OFFERS, "post"), "summary", "Delete offers"),
        "patch",
        "descriptions and other documentation changed",
        "patch",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_change_is_classified(case: tuple[Callable[[Spec], None], str, str, str]) -> None:
    mutate, kind, words, part = case
    new = copy.deepcopy(BASE)
    mutate(new)
    changes = diff_specs(BASE, new)
    assert [c.kind for c in changes] == [kind], [c.line() for c in changes]
    assert words in changes[0].text
    assert bump_kind(changes) == part


def test_same_spec_has_no_changes_even_with_a_new_version() -> None:
    new = copy.deepcopy(BASE)
    new["info"]["version"] = "9.9.9"
    assert diff_specs(BASE, new) == []
    assert bump_kind([]) is None


def test_breaking_wins_and_comes_first() -> None:
    new = copy.deepcopy(BASE)
    _new_optional_field(new)
    _licenses(new)["maxItems"] = 300
    changes = diff_specs(BASE, new)
    assert [c.kind for c in changes] == ["breaking", "additive"]
    assert bump_kind(changes) == "major"


@pytest.mark.parametrize(
    ("version", "part", "expected"),
    [
        ("0.1.0", "major", "1.0.0"),
        ("0.1.0", "minor", "0.2.0"),
        ("0.1.0", "patch", "0.1.1"),
        ("1.9.3", "minor", "1.10.0"),
        ("2.0.0rc1", "patch", "2.0.1"),
    ],
)
def test_bump(version: str, part: str, expected: str) -> None:
    assert bump(version, part) == expected


def test_where_names_fields_as_users_see_them() -> None:
    assert where("query.ids") == "query parameter `ids`"
    assert where("body.licenses[].id") == "`licenses[].id` in the request body"
    assert where("responses.200.result.x") == "`result.x` in the 200 response"


def test_diff_command(tmp_path: Path, repo_root: Path) -> None:
    new = copy.deepcopy(BASE)
    _licenses(new)["maxItems"] = 300
    new_path = tmp_path / "new.yaml"
    new_path.write_text(yaml.safe_dump(new, sort_keys=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "diff", str(SPEC_PATH), str(new_path)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "BREAKING  `updateOutletLicenses`: `licenses` in the request body accepts at most 300"
        in (result.stdout)
    )
    current = load_spec(SPEC_PATH)["info"]["version"]
    assert f"proposed bump: major ({current} -> {bump(current, 'major')})" in result.stdout
