"""Validation before sending: a table generated from the spec's constraints, and cross-field rules.

Every constraint keyword found in an operation's compiled request schemas (body
and parameters, vendor extensions included) yields a failing case: a valid base
request with one value broken against that keyword. The base request passes;
each failing case is refused by ``ymarket.validation`` with that rule at that
JSON path and, where the client's signature can express it, by the client with
no request sent.
"""

from __future__ import annotations

import copy
import datetime
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import jsonschema_rs
import pytest
import ymarket
from ymarket.spec import operation, operations
from ymarket.validation import _json_path, check_request

from tests.client.support import LICENSE, ClientFactory, ok_handler

CIS_PLAIN = "010460166200001621ABCDEF"
CIS_TAIL = "\x1d010460166200001621ABCDEF\x1d91EE06\x1d92abc"

BASE: dict[str, dict[str, Any]] = {
    "deleteCampaignOffers": {
        "path": {"campaignId": 1001},
        "body": {"offerIds": ["sku-1", "\u0427\u0430\u0439\tblack"]},
    },
    "deleteOutletLicenses": {"path": {"campaignId": 1001}, "query": {"ids": [1, 2]}},
    "updateOutletLicenses": {
        "path": {"campaignId": 1001},
        "body": {"licenses": [{**LICENSE, "id": 4}]},
    },
    "updateOrderItems": {
        "path": {"campaignId": 1001, "orderId": 77},
        "body": {
            "items": [
                {
                    "id": 1,
                    "count": 1,
                    "instances": [
                        {
                            "cis": CIS_PLAIN,
                            "uin": "1234567890123456",
                            "rnpt": "1234567890/12345678/12345678/123",
                            "gtd": "1234567890/12345678/12345678",
                            "countryCode": "RU",
                        }
                    ],
                }
            ],
            "reason": "USER_REQUESTED_REMOVE",
        },
    },
}


@attrs.frozen
class Case:
    operation_id: str
    location: str
    path: tuple[str | int, ...]
    rule: str
    request: dict[str, Any]
    severity: str = "error"

    @property
    def id(self) -> str:
        return f"{self.operation_id}:{self.location}{_json_path(self.path)[1:]}:{self.rule}"


def _set(document: Any, path: tuple[str | int, ...], value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def _get(document: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _not_matching(pattern: str) -> str:
    for candidate in ("", " ", "\t", "a\nb", "x\x7f", "ab", "AB1", "1"):
        if not re.search(pattern, candidate):
            return candidate
    raise AssertionError(f"no candidate breaks {pattern}")


def _wrong_type(types: Any) -> Any:
    kinds = set(types if isinstance(types, list) else [types])
    return "not-a-number" if kinds & {"integer", "number", "array", "object"} else 12345


def _filler(example: Any, index: int) -> Any:
    if isinstance(example, str):
        return f"filler-{index}"
    if isinstance(example, int):
        return 10_000 + index
    return copy.deepcopy(example)


def _mutations(schema: dict[str, Any], value: Any) -> Iterator[tuple[str, Any, str]]:
    """(rule, broken value, severity) for each constraint of ``schema`` on ``value``."""
    if "type" in schema:
        yield "type", _wrong_type(schema["type"]), "error"
    if "minLength" in schema:
        yield "minLength", "x" * (schema["minLength"] - 1), "error"
    if "maxLength" in schema:
        yield "maxLength", "x" * (schema["maxLength"] + 1), "error"
    if "pattern" in schema:
        yield "pattern", _not_matching(schema["pattern"]), "error"
    if "enum" in schema:
        yield "enum", "NOT_IN_THE_ENUM", "error"
    if "minimum" in schema:
        yield "minimum", schema["minimum"] - 1, "error"
    if "maximum" in schema:
        yield "maximum", schema["maximum"] + 1, "error"
    if schema.get("format") == "date-time":
        yield "format", "2020-13-45T00:00:00+03:00", "error"
    if isinstance(value, list) and value:
        if "minItems" in schema:
            yield "minItems", value[: schema["minItems"] - 1], "error"
        if "maxItems" in schema:
            extra = schema["maxItems"] + 1 - len(value)
            yield "maxItems", value + [_filler(value[0], i) for i in range(extra)], "error"
        if schema.get("uniqueItems"):
            yield "uniqueItems", [*value, value[0]], "error"
    extension = schema.get("x-ymarket-patterns")
    if extension:
        yield extension["rule"], "not-a-valid-code", extension["severity"]


def _cases_in(
    operation_id: str,
    location: str,
    schema: dict[str, Any],
    request: dict[str, Any],
    path: tuple[str | int, ...],
) -> Iterator[Case]:
    value = _get(request[location], path) if path else request[location]
    for rule, broken, severity in _mutations(schema, value):
        if path:
            mutated = copy.deepcopy(request)
            _set(mutated[location], path, broken)
            yield Case(operation_id, location, path, rule, mutated, severity)
    if isinstance(value, dict):
        for name in schema.get("required", []):
            mutated = copy.deepcopy(request)
            holder = _get(mutated[location], path) if path else mutated[location]
            del holder[name]
            yield Case(operation_id, location, path, "required", mutated)
        for later, earlier in schema.get("x-ymarket-not-before", {}).items():
            mutated = copy.deepcopy(request)
            target = _get(mutated[location], path)
            issued = datetime.datetime.fromisoformat(target[earlier])
            target[later] = (issued - datetime.timedelta(days=1)).isoformat()
            yield Case(operation_id, location, (*path, later), "not-before", mutated)
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                yield from _cases_in(operation_id, location, sub, request, (*path, name))
    if isinstance(value, list) and value and "items" in schema:
        yield from _cases_in(operation_id, location, schema["items"], request, (*path, 0))


def generated_cases() -> list[Case]:
    cases: list[Case] = []
    for operation_id, op in sorted(operations().items()):
        request = BASE[operation_id]
        for location in ("path", "query"):
            schema = op.parameters_schema.get("properties", {}).get(location)
            if schema is not None:
                cases.extend(_cases_in(operation_id, location, schema, request, ()))
        if op.request_body_schema is not None:
            cases.extend(_cases_in(operation_id, "body", op.request_body_schema, request, ()))
    return cases


CASES = generated_cases()


def check(operation_id: str, request: dict[str, Any]) -> Any:
    return check_request(
        operation_id,
        path_params=request.get("path"),
        query_params=request.get("query"),
        body=request.get("body"),
    )


def test_every_operation_has_a_base_request_and_cases() -> None:
    assert set(BASE) == set(operations())
    rules = {case.rule for case in CASES}
    # The spec's constraint kinds all show up in the table.
    expected = {"type", "minLength", "maxLength", "pattern", "enum", "minimum", "minItems"}
    expected |= {"maxItems", "uniqueItems", "required", "format", "not-before", "cis-format"}
    expected |= {"uin-format", "gtd-format", "rnpt-format"}
    assert expected <= rules
    assert len(CASES) > 60
    assert len(CLIENT_CASES) > 50


@pytest.mark.parametrize(
    "offer_ids",
    [
        ["SKU-1", "SKU-2"],
        ["SKU-1", "SKU-1"],
        ["SKU-1", "SKU-1", ""],
        ["SKU-1", ["SKU-1"]],
        ["SKU-1", {"id": "SKU-1"}],
        [1, True],
        ["SKU-1", 2, 2.0],
    ],
)
@pytest.mark.parametrize("bulk", [False, True])
def test_body_verdict_is_the_whole_schemas(offer_ids: list[Any], bulk: bool) -> None:
    # Distinct items are told by a set first: the verdict must stay jsonschema-rs's
    # on the spec's whole schema (repeats, unhashable items, True next to 1).
    body = {"offerIds": offer_ids}
    schema = operation("deleteCampaignOffers").request_body_schema
    assert schema is not None
    result = check_request(
        "deleteCampaignOffers", path_params={"campaignId": 1001}, body=body, bulk=bulk
    )
    body_errors = [p for p in result.errors if p.location == "body"]
    assert bool(body_errors) == (not jsonschema_rs.Draft4Validator(schema).is_valid(body))


@pytest.mark.parametrize("operation_id", sorted(BASE))
def test_base_request_passes(operation_id: str) -> None:
    result = check(operation_id, BASE[operation_id])
    assert result.errors == () and result.warnings == ()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_constraint_is_reported_with_rule_and_path(case: Case) -> None:
    result = check(case.operation_id, case.request)
    found = result.errors if case.severity == "error" else result.warnings
    if case.severity == "warning":
        assert result.errors == ()
    where = _json_path(case.path)
    assert any(p.rule == case.rule and p.path == where for p in found), (
        f"{case.rule} at {where} not in {[str(p) for p in result.errors + result.warnings]}"
    )


def _expressible(case: Case) -> bool:
    """Whether the client's signature can send ``case.request`` at all."""
    top = operation(case.operation_id).bulk_field or "items"
    if "campaignId" not in case.request["path"]:
        return False
    if case.operation_id == "updateOrderItems" and "orderId" not in case.request["path"]:
        return False
    if len(case.path) <= 1 and case.rule in ("required", "type") and case.location != "path":
        return False
    # Over maxItems the client splits into chunks instead (see test_bulk).
    return not (case.rule == "maxItems" and case.path == (top,))


def _client_call(client: ymarket.Client, case: Case) -> Callable[[], object]:
    """The client call that sends ``case.request``."""
    request = case.request
    campaign = request["path"]["campaignId"]
    if case.operation_id == "deleteCampaignOffers":
        return lambda: client.delete_campaign_offers(campaign, request["body"]["offerIds"])
    if case.operation_id == "deleteOutletLicenses":
        return lambda: client.delete_outlet_licenses(campaign, request["query"]["ids"])
    if case.operation_id == "updateOutletLicenses":
        return lambda: client.update_outlet_licenses(campaign, request["body"]["licenses"])
    body = request["body"]
    return lambda: client.update_order_items(
        campaign, request["path"]["orderId"], body["items"], reason=body.get("reason")
    )


CLIENT_CASES = [case for case in CASES if _expressible(case)]


@pytest.mark.parametrize("case", CLIENT_CASES, ids=lambda c: c.id)
def test_client_refuses_broken_request_and_sends_nothing(
    make_each_client: ClientFactory, case: Case
) -> None:
    client, recorder = make_each_client()
    call = _client_call(client, case)
    if case.severity == "warning":
        with pytest.warns(ymarket.FormatWarning, match=case.rule):
            call()
        assert len(recorder.requests) == 1
        return
    with pytest.raises(ymarket.ValidationError) as caught:
        call()
    assert recorder.requests == []
    assert any(p.rule == case.rule for p in caught.value.problems)


@pytest.mark.parametrize("operation_id", sorted(BASE))
def test_client_sends_the_base_request(make_each_client: ClientFactory, operation_id: str) -> None:
    client, recorder = make_each_client()
    base = BASE[operation_id]
    case = Case(operation_id, "body", ("x",), "none", base)
    call = _client_call(client, case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call()
    assert len(recorder.requests) == 1


class TestRulesFromTheTrial:
    """What openapi-generator's client let through, each refused before sending."""

    @pytest.mark.parametrize(
        "skus",
        [
            ["a", "a"],
            ["   "],
            [" \t "],
            ["line\nbreak"],
            ["del\x7f"],
            ["nul\x00"],
            [""],
            ["x" * 256],
        ],
        ids=["duplicate", "spaces", "blank-tab", "newline", "DEL", "NUL", "empty", "too-long"],
    )
    def test_bad_skus(self, make_each_client: ClientFactory, skus: list[str]) -> None:
        client, recorder = make_each_client()
        with pytest.raises(ymarket.ValidationError) as caught:
            client.delete_campaign_offers(1001, skus)
        assert recorder.requests == []
        assert all(p.path.startswith("$.offerIds") for p in caught.value.problems)

    @pytest.mark.parametrize("sku", ["tab\tinside", "x" * 255, "\u0427\u0430\u0439", "a b"])
    def test_good_skus(self, make_each_client: ClientFactory, sku: str) -> None:
        client, recorder = make_each_client()
        client.delete_campaign_offers(1001, [sku])
        assert len(recorder.requests) == 1

    def test_expiry_before_issue(self, make_each_client: ClientFactory) -> None:
        client, recorder = make_each_client()
        bad = {
            **LICENSE,
            "dateOfIssue": "2022-11-20T00:00:00+03:00",
            "dateOfExpiry": "2017-11-13T00:00:00+03:00",
        }
        with pytest.raises(ymarket.ValidationError) as caught:
            client.update_outlet_licenses(1001, [LICENSE, bad])
        assert recorder.requests == []
        assert [(p.path, p.rule) for p in caught.value.problems] == [
            ("$.licenses[1].dateOfExpiry", "not-before")
        ]

    def test_expiry_compared_as_instants(self, make_each_client: ClientFactory) -> None:
        client, recorder = make_each_client()
        # Same instant written with two offsets: not earlier.
        same = {
            **LICENSE,
            "dateOfIssue": "2020-01-01T00:00:00+03:00",
            "dateOfExpiry": "2019-12-31T21:00:00+00:00",
        }
        client.update_outlet_licenses(1001, [same])
        assert len(recorder.requests) == 1

    def test_expiry_before_issue_as_dates(self, make_each_client: ClientFactory) -> None:
        client, recorder = make_each_client()
        bad = {
            **LICENSE,
            "dateOfIssue": datetime.date(2022, 1, 2),
            "dateOfExpiry": datetime.date(2022, 1, 1),
        }
        with pytest.raises(ymarket.ValidationError):
            client.update_outlet_licenses(1001, [bad], tz="Europe/Moscow")
        assert recorder.requests == []


class TestCisFormats:
    @pytest.mark.parametrize("cis", [CIS_PLAIN, CIS_TAIL, "(01)04601662000016(21)ABCDEF"])
    def test_documented_formats_pass(self, make_each_client: ClientFactory, cis: str) -> None:
        client, recorder = make_each_client()
        client.update_order_items(1001, 5, [{"id": 1, "count": 1, "instances": [{"cis": cis}]}])
        assert len(recorder.requests) == 1

    @pytest.mark.parametrize(
        "cis",
        ["", "hello", "0104601662000016", "01046016620000162ABCDEF", "01046016620000162\nABCDEF"],
    )
    def test_other_values_are_refused(self, make_each_client: ClientFactory, cis: str) -> None:
        client, recorder = make_each_client()
        with pytest.raises(ymarket.ValidationError) as caught:
            client.update_order_items(1001, 5, [{"id": 1, "count": 1, "instances": [{"cis": cis}]}])
        assert recorder.requests == []
        assert caught.value.problems[0].path == "$.items[0].instances[0].cis"

    def test_the_docs_positive_example_passes(self, make_each_client: ClientFactory) -> None:
        # A 7-character serial: the published spec allows 6 to 8, 13 or 20 characters.
        client, recorder = make_each_client()
        client.update_order_items(
            1001,
            5,
            [{"id": 1, "count": 1, "instances": [{"cis": "01030410947874432155Qbag!\x1d93Zjqw"}]}],
        )
        assert len(recorder.requests) == 1

    @pytest.mark.parametrize(
        ("field", "value"),
        [("uin", "123456789012345"), ("gtd", "12/34"), ("rnpt", "1234567890/12345678/12345678")],
    )
    def test_descriptive_formats_only_warn(
        self, make_each_client: ClientFactory, field: str, value: str
    ) -> None:
        client, recorder = make_each_client()
        with pytest.warns(ymarket.FormatWarning, match=f"{field}-format"):
            client.update_order_items(
                1001, 5, [{"id": 1, "count": 1, "instances": [{field: value}]}]
            )
        assert len(recorder.requests) == 1


def test_generated_models_are_accepted(make_each_client: ClientFactory) -> None:
    from ymarket_api.models import LicenseType, OrderItemModificationDTO, OutletLicenseDTO

    client, recorder = make_each_client(ok_handler)
    model = OutletLicenseDTO(
        outlet_id=5,
        license_type=LicenseType.ALCOHOL,
        number="N1",
        date_of_issue=datetime.datetime(
            2020, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=3))
        ),
        date_of_expiry=datetime.datetime(
            2019, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=3))
        ),
    )
    with pytest.raises(ymarket.ValidationError, match="not-before"):
        client.update_outlet_licenses(1001, [model])
    assert recorder.requests == []
    client.update_order_items(1001, 5, [OrderItemModificationDTO(id=1, count=0)])
    assert recorder.bodies()[-1] == {"items": [{"id": 1, "count": 0}]}


def test_openapi_3_0_integers_refuse_a_fractional_notation() -> None:
    """OpenAPI 3.0 (JSON Schema Draft 4) has no integer 1.0, unlike 3.1."""
    from ymarket.validation import check_request

    body = {"items": [{"id": 1.0, "count": 1}]}
    result = check_request(
        "updateOrderItems", path_params={"campaignId": 1, "orderId": 1}, body=body
    )
    assert [(p.path, p.rule) for p in result.errors] == [("$.items[0].id", "type")]
    body = {"items": [{"id": 1, "count": 1}]}
    assert check_request(
        "updateOrderItems", path_params={"campaignId": 1, "orderId": 1}, body=body
    ).ok
