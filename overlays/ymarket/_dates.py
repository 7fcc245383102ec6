"""License dates: the date on the license at 00:00:00 local time of the point of sale.

The docs of updateOutletLicenses require "the date indicated on the license,
the time 00:00:00 and the time zone corresponding to the region of the point
of sale", e.g. ``2022-11-20T00:00:00+03:00`` for Moscow.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["TzLike", "license_datetime", "to_tzinfo"]

TzLike = datetime.tzinfo | datetime.timedelta | str
"""A point of sale's zone: a tzinfo, a UTC offset, or an IANA name ("Europe/Moscow")."""


def to_tzinfo(tz: TzLike) -> datetime.tzinfo:
    """``tz`` as a tzinfo (ValueError for an unknown zone name)."""
    if isinstance(tz, datetime.tzinfo):
        return tz
    if isinstance(tz, datetime.timedelta):
        return datetime.timezone(tz)
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def license_datetime(day: datetime.date, tz: TzLike) -> datetime.datetime:
    """Local midnight of ``day`` in ``tz``, with its UTC offset on that day.

    >>> license_datetime(datetime.date(2022, 11, 20), "Europe/Moscow").isoformat()
    '2022-11-20T00:00:00+03:00'
    """
    if isinstance(day, datetime.datetime):
        day = day.date()
    return datetime.datetime(day.year, day.month, day.day, tzinfo=to_tzinfo(tz))


def zone_for(tz: TzLike | Mapping[int, TzLike] | None, outlet_id: object) -> datetime.tzinfo | None:
    """The zone for ``outlet_id`` from a single zone or a mapping outletId -> zone."""
    if tz is None:
        return None
    if isinstance(tz, Mapping):
        found = tz.get(outlet_id) if isinstance(outlet_id, int) else None
        return None if found is None else to_tzinfo(found)
    return to_tzinfo(tz)
