"""Property: every answer Yandex's published response schemas allow is read by the client.

For each of the four operations and each status its published spec declares
(bundled from the snapshot in ``../shared/upstream`` by
``generator.upstream_check.bundle_upstream``), bodies generated from that
status's schema are served through ``httpx.MockTransport`` to ``Client`` and
``AsyncClient``. The call either returns or raises a typed error of
``ymarket.errors``: the status's :class:`ymarket.ApiError` for an error status,
:class:`ymarket.UnexpectedResponseError` for a 200 whose body says ``ERROR``; a
deleteCampaignOffers success reports the SKUs the body lists as kept, trimmed.

The generator walks the published schemas (``allOf``, ``nullable``, enums,
patterns, bounds) like ``body_values`` of ``test_properties.py`` walks ours
(hypothesis-jsonschema does not run on current Hypothesis), and adds what the
docs' best practices ask a client to tolerate beyond them: unknown fields at
every level and unknown enum values. Optional members are absent in some
examples and nullable ones null (``result``, ``errors``, the lists).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import ymarket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ymarket.errors import YMarketError

from generator.build import SPEC_PATH
from generator.compile import load_spec
from generator.spec_walk import operations
from generator.upstream_check import bundle_upstream
from tests.client.support import EXAMPLE_CALLS, ClientFactory
from tests.conftest import shared_folder

UNKNOWN_ENUM_VALUE = "VALUE_ADDED_LATER"
_UNKNOWN_FIELDS = st.dictionaries(
    st.sampled_from(["addedLater", "x", "meta"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2)),
    max_size=2,
)


def _merged(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``allOf`` parts merged in (properties and required joined)."""
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        part = _merged(part)
        merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
        merged.update(
            {k: v for k, v in part.items() if k not in ("properties", "required", "description")}
        )
    return merged


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    text = st.text(
        min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 12), 12)
    )
    if "pattern" in schema:
        text = text.filter(re.compile(schema["pattern"]).search)
    if schema.get("x-transform") == "trim":
        text = st.builds(lambda value, pad: pad + value + pad, text, st.sampled_from(["", " "]))
    return text


def published_values(schema: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    """Values the published ``schema`` allows, plus unknown fields and enum values."""
    if schema is None:  # no body declared: nothing, or a body the client must not need
        return st.one_of(st.none(), _UNKNOWN_FIELDS)
    schema = _merged(schema)
    if schema.get("nullable"):
        value = published_values({**schema, "nullable": False})
        return st.one_of(st.none(), value, value)
    if "enum" in schema:
        return st.sampled_from([*schema["enum"], UNKNOWN_ENUM_VALUE])
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        properties = {k: published_values(v) for k, v in schema.get("properties", {}).items()}
        required = set(schema.get("required", []))
        some = st.fixed_dictionaries(
            {k: v for k, v in properties.items() if k in required},
            optional={k: v for k, v in properties.items() if k not in required},
        )
        known = st.one_of(st.fixed_dictionaries(properties), some)  # every member, or some
        return st.builds(lambda extra, body: {**extra, **body}, _UNKNOWN_FIELDS, known)
    if kind == "array":
        return st.lists(
            published_values(schema.get("items", {})),
            min_size=schema.get("minItems", 0),
            max_size=schema.get("minItems", 0) + 3,
            unique=bool(schema.get("uniqueItems")),
        )
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**63)), schema.get("maximum", 2**63 - 1))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    raise LookupError(f"no strategy for the published schema {schema!r}: extend this walker")


def _published_answers() -> list[tuple[str, int, dict[str, Any] | None]]:
    """(operationId, status, JSON schema of its body) of every declared answer."""
    upstream = shared_folder("upstream/yandex-market-partner-api")
    document = bundle_upstream(upstream, operations(load_spec(SPEC_PATH)))
    answers = []
    for item in document["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, response in op["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                answers.append((op["operationId"], int(status), content.get("schema")))
    return answers


@pytest.fixture(scope="module")
def published_answers() -> dict[tuple[str, int], dict[str, Any] | None]:
    return {(operation_id, status): schema for operation_id, status, schema in _published_answers()}


# The statuses the snapshot declares (a change of them fails the test below).
STATUSES = {
    "deleteOutletLicenses": (200, 400, 401, 403, 404, 420, 500),
    "updateOutletLicenses": (200, 400, 401, 403, 404, 420, 500),
    "deleteCampaignOffers": (200, 400, 401, 403, 404, 420, 423, 500),
    "updateOrderItems": (200, 400, 401, 403, 404, 420, 500),
}
CASES = [
    (operation_id, status) for operation_id, statuses in STATUSES.items() for status in statuses
]


def test_the_cases_are_the_published_answers(
    published_answers: dict[tuple[str, int], Any],
) -> None:
    assert sorted(published_answers) == sorted(CASES)


SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _kept(body: Any) -> tuple[str, ...]:
    """The SKUs a deleteCampaignOffers body says were kept, trimmed (its ``x-transform``)."""
    result = body.get("result") if isinstance(body, dict) else None
    listed = result.get("notDeletedOfferIds") if isinstance(result, dict) else None
    return tuple(sku.strip() for sku in listed or ())


@pytest.mark.parametrize(("operation_id", "status"), CASES)
def test_every_published_answer_is_read(
    make_each_client: ClientFactory,
    published_answers: dict[tuple[str, int], dict[str, Any] | None],
    operation_id: str,
    status: int,
) -> None:
    served: list[httpx.Response] = []
    client, _ = make_each_client(lambda _request: served[-1], max_retries=0)

    # Success bodies vary most (lists, result, status); the error statuses share one schema.
    @settings(SETTINGS, max_examples=40 if status == 200 else 10)
    @given(body=published_values(published_answers[operation_id, status]))
    def read(body: Any) -> None:
        content = b"" if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        served.append(httpx.Response(status, content=content, headers=headers))
        says_error = isinstance(body, dict) and body.get("status") == "ERROR"
        try:
            outcome = EXAMPLE_CALLS[operation_id](client)
        except YMarketError as error:
            assert isinstance(error, ymarket.ApiError), error
            assert error.status_code == status
            if status == 200:
                assert says_error, f"a readable 200 refused: {error!r}"
                assert isinstance(error, ymarket.UnexpectedResponseError)
        else:
            assert status == 200 and not says_error, f"{status} {body!r} taken as a success"
            if isinstance(outcome, ymarket.DeleteOffersResult):
                assert outcome.not_deleted_offer_ids == _kept(body)

    read()
