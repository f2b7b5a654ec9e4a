"""Date parsing, arithmetic and .NET-style formats for the date functions (docs/entra.md §4.2).

Entra's date functions are .NET and VB underneath: ``CDate`` accepts any string .NET can
parse, ``FormatDateTime`` uses .NET custom format strings, ``DateAdd``/``DateDiff`` follow VB
interval rules, and ``DateFromNum``/``NumFromDate`` speak AD FILETIME. Every datetime here is
timezone-aware UTC; text without an offset is taken as UTC.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = [
    "DATE_INTERVALS",
    "add_interval",
    "diff_interval",
    "from_filetime",
    "parse_datetime",
    "to_filetime",
]

_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)

#: VB interval codes accepted by DateAdd and DateDiff.
DATE_INTERVALS = ("yyyy", "q", "m", "y", "d", "w", "ww", "h", "n", "s")

_TIME = (
    r"(?:[T ]\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,7}))?)?)?"
)
_AMPM = r"(?:\s*(?P<ampm>[AaPp][Mm]))?"
_OFFSET = r"\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?"
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _TIME + _AMPM + _OFFSET)
_US = re.compile(r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})" + _TIME + _AMPM + _OFFSET)


def parse_datetime(text: str) -> datetime | None:
    """Parse the date formats .NET's invariant culture reads; ``None`` if it cannot.

    Accepts ISO 8601 (``2009-06-15T01:45:30-07:00``, ``2020-03-16-07:00``, ``2021-08-24``) and
    the US form Entra prints (``8/25/2021 5:41:18 PM``), each with an optional offset.

    Args:
        text: The date text.

    Returns:
        The instant in UTC, or ``None`` when the text is not a date.
    """
    stripped = text.strip()
    match = _ISO.fullmatch(stripped) or _US.fullmatch(stripped)
    if match is None:
        return None
    parts = match.groupdict()
    hour = int(parts["hour"] or 0)
    if parts["ampm"]:
        hour = hour % 12 + (12 if parts["ampm"].upper() == "PM" else 0)
    fraction = (parts["fraction"] or "").ljust(6, "0")[:6]
    try:
        local = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            hour,
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction),
            tzinfo=_offset(parts["offset"]),
        )
    except ValueError:
        return None
    return local.astimezone(UTC)


def _offset(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return timezone(sign * timedelta(minutes=minutes))


def add_interval(interval: str, amount: int, value: datetime) -> datetime:
    """VB ``DateAdd``: add ``amount`` units of ``interval`` to ``value``.

    Months and years clamp the day to the end of a shorter month (Jan 31 + 1 m → Feb 28/29).

    Raises:
        ValueError: For an unknown interval or a result outside the calendar.
    """
    if interval in ("yyyy", "q", "m"):
        months = amount * {"yyyy": 12, "q": 3, "m": 1}[interval]
        return _add_months(value, months)
    seconds = {"y": 86400, "d": 86400, "w": 86400, "ww": 604800, "h": 3600, "n": 60, "s": 1}
    if interval not in seconds:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(DATE_INTERVALS)}")
    return value + timedelta(seconds=amount * seconds[interval])


def _add_months(value: datetime, months: int) -> datetime:
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def diff_interval(interval: str, start: datetime, end: datetime) -> int:
    """VB ``DateDiff``: ``end - start`` in ``interval`` units, positive if ``end`` is later.

    Years, quarters and months count calendar boundaries; ``ww`` counts Sunday boundaries;
    ``d``, ``y``, ``w``, ``h``, ``n``, ``s`` truncate the elapsed time toward zero.

    Raises:
        ValueError: For an unknown interval.
    """
    if interval == "yyyy":
        return end.year - start.year
    if interval == "q":
        return (end.year - start.year) * 4 + (end.month - 1) // 3 - (start.month - 1) // 3
    if interval == "m":
        return (end.year - start.year) * 12 + end.month - start.month
    if interval == "ww":
        return (_week_start(end) - _week_start(start)).days // 7
    seconds = (end - start).total_seconds()
    units = {"y": 86400, "d": 86400, "w": 604800, "h": 3600, "n": 60, "s": 1}
    if interval not in units:
        raise ValueError(f"unknown interval {interval!r}; use one of {', '.join(DATE_INTERVALS)}")
    return math.trunc(seconds / units[interval])


def _week_start(value: datetime) -> datetime:
    days_since_sunday = (value.weekday() + 1) % 7
    midnight = value.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=days_since_sunday)


def from_filetime(ticks: int) -> datetime:
    """AD FILETIME (100-ns intervals since 1601-01-01 UTC) to a datetime."""
    return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def to_filetime(value: datetime) -> int:
    """A datetime to AD FILETIME (100-ns intervals since 1601-01-01 UTC)."""
    delta = value.astimezone(UTC) - _FILETIME_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
