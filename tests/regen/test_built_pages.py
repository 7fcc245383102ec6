"""docs-check on pages built from the spec in both layouts: needs no ../shared.

A page rendered from the spec states exactly the spec's facts (no difference at all);
one fact edited on it is exactly one drift, in the markdown crawl and in the
plain-text layout alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build import SPEC_PATH
from generator.compile import load_spec
from generator.docs_check import check_pages
from generator.docs_pages import markdown_to_text
from generator.spec_walk import operations
from tests.regen.built_pages import render_markdown

SPEC = load_spec(SPEC_PATH)
LAYOUTS = ("md", "txt")


def _write(folder: Path, operation_id: str, layout: str, page: str | None = None) -> Path:
    """The page of ``operation_id`` (or ``page``, in markdown) written in ``layout``."""
    markdown = page if page is not None else render_markdown(SPEC, operation_id)
    target = folder / f"{operation_id}.{layout}"
    target.write_text(markdown if layout == "md" else markdown_to_text(markdown)[0], "utf-8")
    return target


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("operation_id", sorted(operations(SPEC)))
def test_a_page_built_from_the_spec_has_no_difference(
    operation_id: str, layout: str, tmp_path: Path
) -> None:
    report = check_pages([str(_write(tmp_path, operation_id, layout))], allowlist_path=None)
    assert [d.line() for d in report.differences] == []


@dataclass(frozen=True)
class Edit:
    operation: str
    old: str
    new: str
    expected: tuple[str, str, str, str]  # field, fact, docs, spec


EDITS = {
    "batch size": Edit(
        "deleteCampaignOffers",
        "_Max items:_ `500`",
        "_Max items:_ `300`",
        ("body.offerIds", "maxItems", "300", "500"),
    ),
    "limit": Edit(
        "updateOrderItems",
        "10,000 requests per hour",
        "20,000 requests per hour",
        ("(operation)", "limit", "20,000 requests per hour", "10,000 requests per hour"),
    ),
    "required mark": Edit(
        "updateOutletLicenses",
        "number* |",
        "number |",
        ("body.licenses[].number", "required", "no", "yes"),
    ),
    "enum value": Edit(
        "updateOutletLicenses",
        "`ALCOHOL`, `UNKNOWN`",
        "`ALCOHOL`, `TOBACCO`, `UNKNOWN`",
        ("body.licenses[].licenseType", "enum", "ALCOHOL, TOBACCO, UNKNOWN", "ALCOHOL, UNKNOWN"),
    ),
    "method": Edit(
        "updateOrderItems", "\nPUT\n", "\nPOST\n", ("(operation)", "method", "POST", "PUT")
    ),
    "scope": Edit(
        "deleteOutletLicenses",
        "  * settings-management — Access\n",
        "",
        ("(operation)", "scopes", "all-methods", "all-methods, settings-management"),
    ),
    "placement model": Edit(
        "deleteCampaignOffers",
        "FBY, FBS, EXPRESS, DBS, LAAS models",
        "FBY, FBS, EXPRESS, DBS models",
        (
            "(operation)",
            "placement models",
            "DBS, EXPRESS, FBS, FBY",
            "DBS, EXPRESS, FBS, FBY, LAAS",
        ),
    ),
    "length": Edit(
        "deleteCampaignOffers",
        "_Max length:_ `255`",
        "_Max length:_ `128`",
        ("body.offerIds", "maxLength", "128", "255"),
    ),
    "type": Edit(
        "updateOrderItems",
        "count* |  **Type:** integer<int32>",
        "count* |  **Type:** integer<int64>",
        ("body.items[].count", "type", "integer<int64>", "integer<int32>"),
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_one_edited_fact_is_one_drift(edit: Edit, layout: str, tmp_path: Path) -> None:
    page = render_markdown(SPEC, edit.operation)
    assert edit.old in page, f"{edit.old!r} not in the built page"
    # The first occurrence: the request's (the response states a shared schema again).
    edited = _write(tmp_path, edit.operation, layout, page.replace(edit.old, edit.new, 1))
    drift = check_pages([str(edited)], allowlist_path=None).drift
    assert [(d.field, d.fact, d.docs, d.spec) for d in drift] == [edit.expected]
