"""docs-check: the current pages agree with the spec; one docs change gives exactly one line."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from generator.docs_check import (
    ALLOWLIST_PATH,
    AllowlistEntry,
    Difference,
    check_pages,
    docs_facts,
    load_allowlist,
    main,
)
from generator.docs_pages import parse_page


def _pages(docs_dir: Path) -> list[str]:
    return sorted(str(p) for p in docs_dir.iterdir() if p.suffix in (".md", ".txt"))


def test_current_pages_have_no_drift(docs_dir: Path) -> None:
    report = check_pages(_pages(docs_dir))
    assert report.drift == []
    # The known deviations are there, each accepted with a reason.
    accepted = {(d.page, d.field, d.fact) for d in report.differences}
    assert ("deleteCampaignOffers.no-v2-path.txt", "(operation)", "path") in accepted
    assert ("deleteOutletLicenses.md", "query.ids", "maxItems") in accepted
    assert all(d.accepted for d in report.differences)
    assert report.unused == []


def test_command_on_the_shared_pages_exits_0(docs_dir: Path, repo_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "docs-check", *_pages(docs_dir)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 drift" in result.stdout
    assert (
        "accepted deleteCampaignOffers.no-v2-path.txt: deleteCampaignOffers (operation) path"
        in (result.stdout)
    )


def test_every_layout_is_read(docs_dir: Path) -> None:
    """The parser sees what the pages state (spot checks per layout)."""
    md = docs_facts(parse_page((docs_dir / "updateOrderItems.md").read_text(), "u.md"))
    assert md.operation["method"] == "PUT"
    assert md.operation["limit"] == "100,000 requests per hour"
    assert md.fields["body.items[].count"] == {
        "type": "integer<int32>",
        "required": "yes",
        "minimum": "0",
    }
    cis = md.fields["body.items[].instances[].cis"]["patterns"]
    assert "|" in cis and "<code>" not in cis  # `<code>&#124;</code>` is a `|` of the regex
    txt = docs_facts(
        parse_page((docs_dir / "updateOutletLicenses.txt").read_text(), "updateOutletLicenses.txt")
    )
    # Inline nested object: the parent's facts follow its last property.
    assert txt.fields["body.licenses"]["maxItems"] == "500"
    assert "maxItems" not in txt.fields["body.licenses[].id"]
    assert txt.fields["responses.400.errors"]["minItems"] == "1"
    assert txt.operation["placement models"] == "DBS"
    assert txt.operation["scopes"] == "all-methods, settings-management"


@dataclass(frozen=True)
class OneChange:
    page: str
    old: str
    new: str
    expected: tuple[str, str, str, str]  # field, fact, docs say, spec says
    count: int = 1  # occurrences replaced (-1: all; a page may state a fact twice)


ONE_CHANGE = {
    "max items 500 -> 300 (markdown)": OneChange(
        "deleteCampaignOffers.md",
        "_Min items:_ `1` _Max items:_ `500`",
        "_Min items:_ `1` _Max items:_ `300`",
        ("body.offerIds", "maxItems", "300", "500"),
    ),
    "max items 500 -> 300 (text, nested object)": OneChange(
        "updateOutletLicenses.txt",
        "Max items: 500",
        "Max items: 300",
        ("body.licenses", "maxItems", "300", "500"),
    ),
    "new enum value (markdown)": OneChange(
        "updateOrderItems.md",
        "`PARTNER_REQUESTED_REMOVE`, `USER_REQUESTED_REMOVE`",
        "`PARTNER_REQUESTED_REMOVE`, `USER_REQUESTED_REMOVE`, `CUSTOMS_REMOVE`",
        (
            "body.reason",
            "enum",
            "PARTNER_REQUESTED_REMOVE, USER_REQUESTED_REMOVE, CUSTOMS_REMOVE",
            "PARTNER_REQUESTED_REMOVE, USER_REQUESTED_REMOVE",
        ),
        count=-1,
    ),
    "new enum value (text)": OneChange(
        "updateOutletLicenses.txt",
        "Enum: ALCOHOL, UNKNOWN",
        "Enum: ALCOHOL, TOBACCO, UNKNOWN",
        ("body.licenses[].licenseType", "enum", "ALCOHOL, TOBACCO, UNKNOWN", "ALCOHOL, UNKNOWN"),
    ),
    "new required field (markdown)": OneChange(
        "updateOrderItems.md",
        "count* |  **Type:** integer<int32> The new quantity of the product. _Min value:_ `0`  \n",
        "count* |  **Type:** integer<int32> The new quantity of the product. _Min value:_ `0`  \n"
        "price* |  **Type:** number The new price of one unit. _Min value:_ `0`  \n",
        ("body.items[].price", "field", "documented", "absent"),
    ),
    "new required field (text, query parameter)": OneChange(
        "deleteCampaignOffers.no-v2-path.txt",
        "Body\n\napplication/json\n{\n",
        "Query parameters\n\nName\n\nDescription\n\nbusinessId*\n\nType: integer<int64>\n\n"
        "The business ID.\n\nBody\n\napplication/json\n{\n",
        ("query.businessId", "field", "documented", "absent"),
    ),
    "changed limit (markdown)": OneChange(
        "deleteOutletLicenses.md",
        "100,000 requests per hour",
        "10,000 requests per hour",
        ("(operation)", "limit", "10,000 requests per hour", "100,000 requests per hour"),
    ),
    "changed limit (text)": OneChange(
        "updateOutletLicenses.txt",
        "⚙️ Limit: 100,000 requests per hour",
        "⚙️ Limit: 50,000 requests per hour",
        ("(operation)", "limit", "50,000 requests per hour", "100,000 requests per hour"),
    ),
    "changed min value (markdown)": OneChange(
        "updateOrderItems.md",
        "The new quantity of the product. _Min value:_ `0`",
        "The new quantity of the product. _Min value:_ `1`",
        ("body.items[].count", "minimum", "1", "0"),
    ),
    "changed min value (text)": OneChange(
        "updateOutletLicenses.txt",
        "ID of the point of sale for which the license is valid.\n\nMin value: 1",
        "ID of the point of sale for which the license is valid.\n\nMin value: 2",
        ("body.licenses[].outletId", "minimum", "2", "1"),
    ),
    "changed pattern": OneChange(
        "updateOrderItems.md",
        "_Pattern:_ `^[A-Z]{2}$`",
        "_Pattern:_ `^[A-Z]{2,3}$`",
        ("body.items[].instances[].countryCode", "pattern", "^[A-Z]{2,3}$", "^[A-Z]{2}$"),
    ),
    "changed description regex (cis)": OneChange(
        "updateOrderItems.md",
        r"Without the cryptotail — `^(?=[!-~]{1,256}$)(\(?01\)?\d{14}",
        r"Without the cryptotail — `^(?=[!-~]{1,256}$)(\(?01\)?\d{15}",
        ("body.items[].instances[].cis", "patterns", "", ""),  # values checked loosely below
    ),
    "new response code (markdown)": OneChange(
        "deleteOutletLicenses.md",
        "##  [](https://yandex.ru/dev/market/partner-api/doc/en/reference/outlets/en/reference/"
        "outlets/deleteOutletLicenses#500-internal-server-error)500",
        "##  [](#429)429 Too Many Requests\nToo many requests.\n"
        "##  [](https://yandex.ru/dev/market/partner-api/doc/en/reference/outlets/en/reference/"
        "outlets/deleteOutletLicenses#500-internal-server-error)500",
        ("responses.429", "response", "listed", "not declared"),
    ),
    "new response code (text)": OneChange(
        "deleteCampaignOffers.no-v2-path.txt",
        "500 Internal Server Error\n",
        "429 Too Many Requests\n\nToo many requests.\n\n500 Internal Server Error\n",
        ("responses.429", "response", "listed", "not declared"),
    ),
}


def _drift_lines(report_drift: list[Difference]) -> list[tuple[str, str, str, str]]:
    return [(d.field, d.fact, d.docs, d.spec) for d in report_drift]


@pytest.mark.parametrize("case", ONE_CHANGE.values(), ids=ONE_CHANGE.keys())
def test_one_docs_change_is_reported_alone(case: OneChange, docs_dir: Path, tmp_path: Path) -> None:
    original = (docs_dir / case.page).read_text(encoding="utf-8")
    assert case.old in original, "fixture text not found in the page"
    changed = original.replace(case.old, case.new, case.count)
    copy = tmp_path / case.page
    copy.write_text(changed, encoding="utf-8")
    before = check_pages([str(docs_dir / case.page)])
    after = check_pages([str(copy)])
    drift = _drift_lines(after.drift)
    assert len(drift) == 1, drift
    field, fact, docs, spec = drift[0]
    if case.expected[2]:
        assert drift[0] == case.expected
    else:
        assert (field, fact) == case.expected[:2]
        assert r"\d{15}" in docs and r"\d{15}" not in spec
    # Nothing else moved: the accepted deviations of other facts are the same as on the real page.
    assert [d.line() for d in after.differences if d.accepted] == [
        d.line() for d in before.differences if d.accepted and (d.field, d.fact) != (field, fact)
    ]


def test_main_exit_code_and_output_on_drift(
    docs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "deleteCampaignOffers.md"
    copy.write_text(
        (docs_dir / "deleteCampaignOffers.md")
        .read_text(encoding="utf-8")
        .replace("_Max items:_ `500`", "_Max items:_ `300`"),
        encoding="utf-8",
    )
    assert main([str(copy)]) == 1
    out = capsys.readouterr().out
    assert (
        "DRIFT    deleteCampaignOffers.md: deleteCampaignOffers body.offerIds maxItems: "
        "docs say 300, spec says 500"
    ) in out
    assert "1 drift" in out


def test_a_field_the_docs_drop_is_reported(docs_dir: Path, tmp_path: Path) -> None:
    original = (docs_dir / "updateOrderItems.md").read_text(encoding="utf-8")
    row = re.search(r"(?m)^uin \|.*\n", original)
    assert row is not None
    copy = tmp_path / "updateOrderItems.md"
    copy.write_text(original.replace(row.group(0), ""), encoding="utf-8")
    drift = _drift_lines(check_pages([str(copy)]).drift)
    assert drift == [("body.items[].instances[].uin", "field", "absent", "present")]


def test_allowlist_entries_need_a_reason(tmp_path: Path) -> None:
    allowlist = tmp_path / "allow.yaml"
    allowlist.write_text(
        "accepted:\n  - {pages: [a.md], operation: x, field: y, fact: type}\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="lacks reason"):
        load_allowlist(allowlist)


def test_allowlist_pins_values_and_pages() -> None:
    entry = AllowlistEntry(("a.md",), "op", "body.x[].*", "maxItems", "why", docs="—", spec="5")
    base = Difference("a.md", "op", "body.x[].y", "maxItems", "—", "5")
    assert entry.matches(base)
    assert not entry.matches(Difference("b.md", "op", "body.x[].y", "maxItems", "—", "5"))
    assert not entry.matches(Difference("a.md", "op", "body.x[].y", "maxItems", "—", "6"))
    assert not entry.matches(Difference("a.md", "op", "body.xy", "maxItems", "—", "5"))
    assert all(e.reason for e in load_allowlist(ALLOWLIST_PATH))


def _as_html(text: str) -> str:
    """The plain-text render as a docs site page would serve it."""
    blocks = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("•"):
            blocks.append(f"<ul><li>{html.escape(stripped[1:].strip())}</li></ul>")
        elif stripped:
            blocks.append(f"<p>{html.escape(stripped)}</p>")
    return (
        "<!DOCTYPE html><html><head><title>x</title><style>p{}</style></head><body>"
        + "\n".join(blocks)
        + "<script>var a = 'Limit: 1 requests per hour';</script></body></html>"
    )


def test_url_pages_are_fetched_and_read(docs_dir: Path) -> None:
    base = "https://yandex.ru/dev/market/partner-api/doc/en/reference"
    pages = {
        f"{base}/outlets/updateOutletLicenses": (
            "text/html",
            _as_html((docs_dir / "updateOutletLicenses.txt").read_text(encoding="utf-8")),
        ),
        f"{base}/orders/updateOrderItems": (
            "text/markdown",
            (docs_dir / "updateOrderItems.md").read_text(encoding="utf-8"),
        ),
    }
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if str(request.url) not in pages:
            return httpx.Response(404, text="not found")
        content_type, body = pages[str(request.url)]
        return httpx.Response(200, text=body, headers={"content-type": content_type})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = check_pages(list(pages), client=client)
        assert requested == list(pages)
        # Same facts as the files (the HTML is rendered back to the text layout).
        html_page = [d for d in report.differences if d.operation == "updateOutletLicenses"]
        file_page = check_pages([str(docs_dir / "updateOutletLicenses.txt")]).differences
        assert [(d.field, d.fact, d.docs, d.spec) for d in html_page] == [
            (d.field, d.fact, d.docs, d.spec) for d in file_page
        ]
        # The page-specific allowlist entries name the file render, not the URL.
        assert any(d.accepted is None for d in html_page)
        assert all(d.accepted for d in report.differences if d.operation == "updateOrderItems")
        assert main([f"{base}/orders/missingPage"], client=client) == 2


_TEXT_HEADER = """Removing offers from the assortment

The method is available for the {models} models.

Request

POST

https://api.partner.market.yandex.ru/v2/campaigns/{{campaignId}}/offers/delete
"""
_MD_HEADER = """---
title: Removing offers | Yandex.Market API for sellers
url: https://yandex.ru/dev/market/partner-api/doc/en/reference/assortment/deleteCampaignOffers
---

# Removing offers from the assortment
**The method is available for the {models} models.**
##  [](#request)Request
POST
```
https://api.partner.market.yandex.ru/v2/campaigns/{{campaignId}}/offers/delete

```
"""


@pytest.mark.parametrize(
    ("name", "layout"),
    [("deleteCampaignOffers.txt", _TEXT_HEADER), ("deleteCampaignOffers.md", _MD_HEADER)],
    ids=["text", "markdown"],
)
def test_placement_models_include_laas_in_both_layouts(
    name: str, layout: str, tmp_path: Path
) -> None:
    """Pages built here (no ../shared needed): LAAS is read, and a page that lists every
    model the spec has agrees with it on placement models."""
    page = tmp_path / name
    page.write_text(layout.format(models="FBY, FBS, Express, DBS and LAAS"), encoding="utf-8")
    assert parse_page(page.read_text(encoding="utf-8"), name).placement_models == [
        "FBY",
        "FBS",
        "EXPRESS",
        "DBS",
        "LAAS",
    ]
    facts = [(d.field, d.fact) for d in check_pages([str(page)]).differences]
    assert ("(operation)", "placement models") not in facts
    page.write_text(layout.format(models="FBY and DBS"), encoding="utf-8")
    drift = [d for d in check_pages([str(page)]).drift if d.fact == "placement models"]
    assert [(d.docs, d.spec) for d in drift] == [("DBS, FBY", "DBS, EXPRESS, FBS, FBY, LAAS")]
