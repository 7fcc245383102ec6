"""spec/openapi.yaml is a valid OpenAPI 3.0.3 document holding the documented constraints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from ymarket import spec as compiled

from generator.build import COMPILED_SPEC_NAME, GENERATED_PACKAGE, SPEC_PATH
from generator.compile import compiled_json, load_spec

OPERATIONS = (
    "deleteOutletLicenses",
    "updateOutletLicenses",
    "deleteCampaignOffers",
    "updateOrderItems",
)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec(SPEC_PATH)


def test_spec_is_valid_openapi_3_0_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_every_operation_is_there_with_its_method_and_path(spec: dict[str, Any]) -> None:
    found = {
        op["operationId"]: (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    }
    assert found == {
        "deleteOutletLicenses": ("DELETE", "/v2/campaigns/{campaignId}/outlets/licenses"),
        "updateOutletLicenses": ("POST", "/v2/campaigns/{campaignId}/outlets/licenses"),
        "deleteCampaignOffers": ("POST", "/v2/campaigns/{campaignId}/offers/delete"),
        "updateOrderItems": ("PUT", "/v2/campaigns/{campaignId}/orders/{orderId}/items"),
    }


def test_compiled_spec_in_generated_package_matches_spec(spec: dict[str, Any]) -> None:
    on_disk = (GENERATED_PACKAGE / COMPILED_SPEC_NAME).read_text(encoding="utf-8")
    assert on_disk == compiled_json(spec)


def test_ids_query_parameter() -> None:
    (ids,) = [
        p for p in compiled.operation("deleteOutletLicenses").parameters if p["in"] == "query"
    ]
    assert ids["name"] == "ids" and ids["required"] is True
    assert (ids["style"], ids["explode"]) == ("form", False)
    schema = ids["schema"]
    assert (schema["minItems"], schema["maxItems"], schema["uniqueItems"]) == (1, 500, True)
    assert schema["items"]["type"] == "integer" and schema["items"]["format"] == "int64"


def test_path_parameters() -> None:
    params = {p["name"]: p for p in compiled.operation("updateOrderItems").parameters}
    assert params["campaignId"]["schema"]["minimum"] == 1
    assert params["campaignId"]["schema"]["format"] == "int64"
    assert params["orderId"]["schema"]["format"] == "int64"
    assert params["orderId"]["required"] is True


def test_offer_ids_constraints() -> None:
    body = compiled.operation("deleteCampaignOffers").request_body_schema
    assert body is not None and body["required"] == ["offerIds"]
    offer_ids = body["properties"]["offerIds"]
    assert (offer_ids["minItems"], offer_ids["maxItems"], offer_ids["uniqueItems"]) == (
        1,
        500,
        True,
    )
    sku = offer_ids["items"]
    assert (sku["minLength"], sku["maxLength"]) == (1, 255)
    # The spec's pattern is kept for messages; ``pattern`` is its look-ahead-free equivalent.
    assert sku["x-ymarket-spec-pattern"] == r"^(?=.*\S.*)[^\x00-\x08\x0A-\x1f\x7f]{1,255}$"
    assert "(?=" not in sku["pattern"] and sku["x-ymarket-transform"] == "trim"


def test_license_constraints() -> None:
    body = compiled.operation("updateOutletLicenses").request_body_schema
    assert body is not None
    licenses = body["properties"]["licenses"]
    assert (licenses["minItems"], licenses["maxItems"]) == (1, 500)
    license_schema = licenses["items"]
    assert set(license_schema["required"]) == {
        "outletId",
        "licenseType",
        "number",
        "dateOfIssue",
        "dateOfExpiry",
    }
    props = license_schema["properties"]
    assert props["outletId"]["minimum"] == 1
    assert props["licenseType"]["enum"] == ["ALCOHOL", "UNKNOWN"]
    assert props["dateOfIssue"]["format"] == props["dateOfExpiry"]["format"] == "date-time"
    assert license_schema["x-ymarket-not-before"] == {"dateOfExpiry": "dateOfIssue"}


def test_order_items_constraints() -> None:
    body = compiled.operation("updateOrderItems").request_body_schema
    assert body is not None and body["required"] == ["items"]
    items = body["properties"]["items"]
    assert items["minItems"] == 1
    item = items["items"]
    assert set(item["required"]) == {"id", "count"}
    assert item["properties"]["count"]["minimum"] == 0
    assert item["properties"]["count"]["maximum"] == 2**31 - 1  # from format int32
    assert item["properties"]["instances"]["type"] == ["array", "null"]
    instance = item["properties"]["instances"]["items"]["properties"]
    assert instance["countryCode"]["pattern"] == "^[A-Z]{2}$"
    assert (instance["countryCode"]["minLength"], instance["countryCode"]["maxLength"]) == (2, 2)
    assert instance["cis"]["x-ymarket-patterns"]["severity"] == "error"
    assert body["properties"]["reason"]["enum"] == [
        "PARTNER_REQUESTED_REMOVE",
        "USER_REQUESTED_REMOVE",
    ]


def test_responses_and_error_shape() -> None:
    for operation_id in OPERATIONS:
        codes = compiled.operation(operation_id).status_codes
        expected = {200, 400, 401, 403, 404, 420, 500}
        if operation_id == "deleteCampaignOffers":
            expected.add(423)
        assert codes == expected, operation_id
        error = compiled.operation(operation_id).responses["420"]["schema"]
        assert json.dumps(error).count('"required": ["status"]') or "status" in json.dumps(error)
    assert compiled.operation("updateOrderItems").responses["200"]["schema"] is None
    result = compiled.operation("deleteCampaignOffers").responses["200"]["schema"]
    not_deleted = result["allOf"][1]["properties"]["result"]["properties"]["notDeletedOfferIds"]
    assert (not_deleted["minItems"], not_deleted["uniqueItems"]) == (1, True)
    error_schema = compiled.compiled_spec()["schemas"]["ApiErrorResponse"]
    assert error_schema["allOf"][0]["required"] == ["status"]
    assert error_schema["allOf"][0]["properties"]["status"]["enum"] == ["OK", "ERROR"]
    assert error_schema["allOf"][1]["properties"]["errors"]["minItems"] == 1
    assert compiled.compiled_spec()["schemas"]["ApiErrorDTO"]["required"] == ["code"]


def test_security_schemes(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        **schemes["ApiKey"],
        "type": "apiKey",
        "in": "header",
        "name": "Api-Key",
    }
    assert (schemes["OAuth"]["type"], schemes["OAuth"]["scheme"]) == ("http", "bearer")


def test_vendor_extensions_are_read_by_code() -> None:
    offers = compiled.operation("deleteCampaignOffers")
    assert offers.rate_limit is not None and offers.rate_limit.unit == "items"
    assert offers.rate_limit.cost({"offerIds": ["a", "b", "c"]}) == 3
    assert offers.rate_limit.tier("extended").limit == 10_000
    assert offers.rate_limit.tier().limit == 5_000
    assert offers.scopes == ("offers-and-cards-management", "all-methods")
    assert offers.placement_models == ("FBY", "FBS", "EXPRESS", "DBS", "LAAS")
    assert offers.bulk_max_items == 500
    orders = compiled.operation("updateOrderItems")
    assert orders.rate_limit is not None and orders.rate_limit.tier().max_parallel == 6
    extended = orders.rate_limit.tier("extended")
    assert (extended.limit, extended.period_seconds, extended.max_parallel) == (10_000, 3600, 6)
    assert orders.placement_models == ("DBS",)
    for operation_id in ("deleteOutletLicenses", "updateOutletLicenses"):
        op = compiled.operation(operation_id)
        assert op.placement_models == ("DBS",)
        assert op.scopes == ("settings-management", "all-methods")
        assert op.rate_limit is not None and op.rate_limit.tier().limit == 100_000
        assert op.rate_limit.tier().period_seconds == 3600
        assert op.bulk_max_items == 500


def test_extensions_are_documented_at_the_top(spec: dict[str, Any]) -> None:
    header = SPEC_PATH.read_text(encoding="utf-8").split("\nopenapi:", 1)[0]
    used = set(re.findall(r"x-ymarket-[a-z-]+", json.dumps(spec)))
    assert used, "the spec uses vendor extensions"
    for name in used:
        assert name in header, f"{name} is not documented in the spec's header"


def test_version_is_single_sourced(repo_root: Path, spec: dict[str, Any]) -> None:
    import ymarket

    assert ymarket.__version__ == str(spec["info"]["version"])
    pyproject = (repo_root / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and 'path = "spec/openapi.yaml"' in pyproject


def test_chunking_comes_from_the_bulk_field_or_is_refused() -> None:
    assert compiled.operation("deleteCampaignOffers").chunking() == ("offerIds", 500)
    assert compiled.operation("deleteOutletLicenses").chunking() == ("ids", 500)
    with pytest.raises(ValueError, match="updateOrderItems"):
        compiled.operation("updateOrderItems").chunking()
