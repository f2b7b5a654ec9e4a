""".NET custom date and time format strings, for ``FormatDateTime`` (docs/entra.md §4.2).

Supports the invariant-culture specifiers ``yyyy yy y MMMM MMM MM M dddd ddd dd d HH H hh h
mm m ss s f…fffffff F…FFFFFFF tt t zzz zz z K``, quoted literals (``'…'``, ``"…"``), ``\\x``
escapes and ``%`` before a single specifier. Any other character is a literal.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

__all__ = ["format_custom", "parse_custom"]

_SPECIFIERS = "yMdHhmsfFtzK"
_MONTHS = list(calendar.month_name)[1:]
_DAYS = list(calendar.day_name)


@dataclass(frozen=True, slots=True)
class _Part:
    spec: str  # repeated specifier letters, or "" for a literal
    text: str


@lru_cache(maxsize=256)
def _tokenize(fmt: str) -> tuple[_Part, ...]:
    parts: list[_Part] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char in "'\"":
            end = fmt.find(char, index + 1)
            end = len(fmt) if end < 0 else end
            parts.append(_Part("", fmt[index + 1 : end]))
            index = end + 1
        elif char == "\\" and index + 1 < len(fmt):
            parts.append(_Part("", fmt[index + 1]))
            index += 2
        elif char == "%":
            index += 1
        elif char in _SPECIFIERS:
            end = index
            while end < len(fmt) and fmt[end] == char:
                end += 1
            parts.append(_Part(fmt[index:end], ""))
            index = end
        else:
            parts.append(_Part("", char))
            index += 1
    return tuple(parts)


_PATTERNS = {
    "y": r"\d{1,4}",
    "yy": r"\d{2}",
    "M": r"\d{1,2}",
    "MM": r"\d{2}",
    "d": r"\d{1,2}",
    "dd": r"\d{2}",
    "H": r"\d{1,2}",
    "HH": r"\d{2}",
    "h": r"\d{1,2}",
    "hh": r"\d{2}",
    "m": r"\d{1,2}",
    "mm": r"\d{2}",
    "s": r"\d{1,2}",
    "ss": r"\d{2}",
    "t": "[AaPp]",
    "tt": "[AaPp][Mm]",
    "z": r"[+-]\d{1,2}",
    "zz": r"[+-]\d{2}",
    "zzz": r"[+-]\d{2}:\d{2}",
    "K": r"Z|[+-]\d{2}:\d{2}|",
    "MMM": "[A-Za-z]{3}",
    "MMMM": "[A-Za-z]+",
    "ddd": "[A-Za-z]{3}",
    "dddd": "[A-Za-z]+",
}


def _pattern(spec: str) -> str:
    if spec[0] in "fF":
        return rf"\d{{{len(spec)}}}" if spec[0] == "f" else rf"\d{{0,{len(spec)}}}"
    if spec[0] == "y" and len(spec) >= 3:
        return rf"\d{{{len(spec)}}}"
    return _PATTERNS.get(spec, _PATTERNS.get(spec[:4], ".+?"))


@lru_cache(maxsize=256)
def _parser(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    regex: list[str] = []
    specs: list[str] = []
    for part in _tokenize(fmt):
        if part.spec:
            regex.append(f"({_pattern(part.spec)})")
            specs.append(part.spec)
        else:
            regex.append(re.escape(part.text))
    return re.compile("".join(regex)), tuple(specs)


def parse_custom(text: str, fmt: str) -> datetime:
    """Parse ``text`` exactly per the .NET custom format ``fmt``; the result is UTC.

    Raises:
        ValueError: If the text does not match the format.
    """
    pattern, specs = _parser(fmt)
    match = pattern.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} does not match the format {fmt!r}")
    fields = {"year": 1, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "micro": 0}
    offset = timedelta(0)
    is_pm: bool | None = None
    for spec, raw in zip(specs, match.groups(), strict=True):
        kind = spec[0]
        if kind in "zK":
            offset = _parse_offset(raw)
        elif kind == "t":
            is_pm = raw[0] in "Pp"
        else:
            _read_field(fields, spec, raw)
    if is_pm is not None:
        fields["hour"] = fields["hour"] % 12 + (12 if is_pm else 0)
    return datetime(
        fields["year"],
        fields["month"],
        fields["day"],
        fields["hour"],
        fields["minute"],
        fields["second"],
        fields["micro"],
        tzinfo=timezone(offset),
    ).astimezone(UTC)


def _read_field(fields: dict[str, int], spec: str, raw: str) -> None:
    kind = spec[0]
    if kind == "y":
        fields["year"] = int(raw) + (2000 if len(spec) <= 2 and len(raw) <= 2 else 0)
    elif kind == "M":
        fields["month"] = _month_number(raw) if len(spec) >= 3 else int(raw)
    elif kind == "d" and len(spec) <= 2:
        fields["day"] = int(raw)
    elif kind in "Hh":
        fields["hour"] = int(raw)
    elif kind in "ms":
        fields["minute" if kind == "m" else "second"] = int(raw)
    elif kind in "fF" and raw:
        fields["micro"] = int(raw.ljust(6, "0")[:6])


def _month_number(name: str) -> int:
    for index, month in enumerate(_MONTHS, start=1):
        if month.lower().startswith(name.lower()):
            return index
    raise ValueError(f"unknown month {name!r}")


def _parse_offset(raw: str) -> timedelta:
    if raw in ("", "Z"):
        return timedelta(0)
    sign = -1 if raw[0] == "-" else 1
    hours, _, minutes = raw[1:].partition(":")
    return sign * timedelta(hours=int(hours), minutes=int(minutes or 0))


def format_custom(value: datetime, fmt: str) -> str:
    """Format a UTC datetime with the .NET custom format ``fmt``."""
    value = value.astimezone(UTC)
    return "".join(_format_part(value, part) for part in _tokenize(fmt))


def _format_part(value: datetime, part: _Part) -> str:
    spec = part.spec
    if not spec:
        return part.text
    kind, width = spec[0], len(spec)
    if kind == "y":
        return f"{value.year % 100:0{width}d}" if width <= 2 else f"{value.year:0{width}d}"
    if kind == "M":
        return (
            _MONTHS[value.month - 1][: 3 if width == 3 else None]
            if width >= 3
            else (f"{value.month:0{width}d}")
        )
    if kind == "d":
        return (
            _DAYS[value.weekday()][: 3 if width == 3 else None]
            if width >= 3
            else (f"{value.day:0{width}d}")
        )
    return _format_time_part(value, kind, width)


def _format_time_part(value: datetime, kind: str, width: int) -> str:
    width2 = min(width, 2)
    if kind == "H":
        return f"{value.hour:0{width2}d}"
    if kind == "h":
        return f"{value.hour % 12 or 12:0{width2}d}"
    if kind in "ms":
        return f"{value.minute if kind == 'm' else value.second:0{width2}d}"
    if kind in "fF":
        digits = f"{value.microsecond:06d}0"[:width]
        return digits.rstrip("0") if kind == "F" else digits
    if kind == "t":
        return ("AM" if value.hour < 12 else "PM")[:width2]
    if kind == "K":
        return "Z"
    return {1: "+0", 2: "+00"}.get(width, "+00:00")
