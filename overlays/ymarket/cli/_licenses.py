"""Licenses from a CSV or JSON file, for ``ymarket licenses upsert``.

Columns (CSV) or keys (JSON) are the API's names: ``id`` (to change a license;
leave it out to create one), ``outletId``, ``licenseType``, ``number``,
``dateOfIssue``, ``dateOfExpiry``, plus ``tz``: the point of sale's zone
(``Europe/Moscow``) or UTC offset (``+03:00``). Dates are plain dates
(``2024-01-15``), sent as 00:00:00 local time with the offset, as the API wants;
a full date-time with an offset is sent as it is.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ymarket.cli._skus import InputError

__all__ = ["LicenseRows", "read_licenses"]

_FIELDS = ("id", "outletId", "licenseType", "number", "dateOfIssue", "dateOfExpiry")
_INTEGERS = ("id", "outletId")
_DATES = ("dateOfIssue", "dateOfExpiry")
_ZONE_KEY = "tz"
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$")
_SHOWN = 20


class LicenseRows:
    """Licenses read from a file, each with the place it came from (``line 3``, ``item 2``)."""

    def __init__(self, licenses: list[dict[str, Any]], places: list[str]) -> None:
        self.licenses = licenses
        self.places = places

    def place_of(self, path: str) -> str:
        """``$.licenses[2].number`` -> ``line 4: number`` (where the problem is in the file)."""
        found = re.match(r"^\$\.licenses\[(\d+)\]\.?(.*)$", path)
        if not found:
            return path
        place = self.places[int(found.group(1))]
        return f"{place}: {found.group(2)}" if found.group(2) else place

    def describe(self, problem: Any) -> str:
        """A problem of the request (a ``ymarket.validation`` problem), named by its place."""
        if problem.location == "body":
            return f"{self.place_of(problem.path)}: {problem.rule}: {problem.message}"
        return str(problem)


def _zone(value: str) -> datetime.tzinfo | str:
    found = _OFFSET.match(value.strip())
    if found:
        sign, hours, minutes = found.groups()
        delta = datetime.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return datetime.timezone(-delta if sign == "-" else delta)
    return value.strip()


def _convert(
    row: dict[str, Any], default_tz: str | None, problems: list[str], place: str
) -> dict[str, Any]:
    from ymarket import license_datetime

    license_: dict[str, Any] = {}
    unknown = sorted(set(row) - {*_FIELDS, _ZONE_KEY})
    if unknown:
        problems.append(
            f"{place}: unknown column(s) {', '.join(unknown)}; "
            f"known: {', '.join((*_FIELDS, _ZONE_KEY))}"
        )
    zone_text = row.get(_ZONE_KEY) or default_tz
    for name in _FIELDS:
        value = row.get(name)
        if value is None or value == "":
            continue  # a missing required field is reported by the spec's check
        if name in _INTEGERS and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                problems.append(f"{place}: {name}: {value!r} is not a whole number")
                continue
        if name in _DATES and isinstance(value, str) and "T" not in value:
            try:
                day = datetime.date.fromisoformat(value.strip())
            except ValueError:
                problems.append(f"{place}: {name}: {value!r} is not a date (YYYY-MM-DD)")
                continue
            if not zone_text:
                problems.append(
                    f"{place}: {name}: {value} is a plain date: give the point of sale's zone "
                    "in a tz column (Europe/Moscow or +03:00) or with --tz"
                )
                continue
            try:
                value = license_datetime(day, _zone(str(zone_text))).isoformat()
            except ValueError as error:
                problems.append(f"{place}: tz: {error}")
                continue
        license_[name] = value
    return license_


def _text(path: Path, encoding: str | None) -> str:
    """The file's text: ``encoding``, else UTF-8 (a BOM is detected and dropped).

    A byte that does not decode is one :class:`InputError` naming its line.
    """
    data = path.read_bytes()
    name = encoding or "utf-8"
    if encoding is None and data.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    try:
        codecs.lookup(name)
    except LookupError as error:
        raise InputError(f"--encoding {encoding}: unknown encoding") from error
    try:
        return data.decode(name)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        hint = "" if encoding else " (a file saved by Russian Excel: try --encoding cp1251)"
        raise InputError(
            f"{path}, line {line}: not {name} (byte 0x{data[error.start]:02x}){hint}; "
            "nothing was sent"
        ) from error


def _csv_rows(text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    with io.StringIO(text, newline="") as file:
        reader = csv.DictReader(file)
        for row in reader:
            extra = row.pop(None, None)
            if extra:
                row["(extra cells)"] = extra
            yield f"line {reader.line_num}", {k.strip(): (v or "").strip() for k, v in row.items()}


def _json_rows(path: Path, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise InputError(f"{path}: not valid JSON: {error}") from error
    items = document.get("licenses") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise InputError(f'{path}: expected a JSON array of licenses or {{"licenses": [...]}}')
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError(f"{path}: item {index} is not a JSON object")
        yield f"item {index}", item


def read_licenses(file: str, default_tz: str | None, encoding: str | None = None) -> LicenseRows:
    """Read and convert every license; :class:`InputError` lists every problem by place.

    ``encoding``: the file's (default UTF-8, with or without a BOM).
    """
    path = Path(file)
    if not path.is_file():
        raise InputError(f"{file}: no such file")
    text = _text(path, encoding)
    rows = _json_rows(path, text) if path.suffix.lower() == ".json" else _csv_rows(text)
    problems: list[str] = []
    licenses: list[dict[str, Any]] = []
    places: list[str] = []
    for place, row in rows:
        licenses.append(_convert(row, default_tz, problems, place))
        places.append(place)
    if not licenses and not problems:
        raise InputError(f"{file}: no licenses in the file; nothing was sent")
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:_SHOWN])
        more = f"\n  ... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise InputError(f"{len(problems)} problem(s) in {file}, nothing was sent:\n{shown}{more}")
    return LicenseRows(licenses, places)
