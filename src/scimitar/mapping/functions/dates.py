"""Date functions (docs/entra.md §4.2): CDate, Now, DateAdd, DateDiff, DateFromNum, NumFromDate,
FormatDateTime. Dates are UTC and print as ``M/d/yyyy h:mm:ss tt``.
"""

from __future__ import annotations

from datetime import datetime

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.ast import Call, String
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.dates import (
    DATE_INTERVALS,
    add_interval,
    diff_interval,
    from_filetime,
    parse_datetime,
    to_filetime,
)
from scimitar.mapping.dotnet_format import format_custom, parse_custom
from scimitar.mapping.functions.registry import FunctionSpec, Param
from scimitar.mapping.values import MISSING, Value, to_int, to_text

__all__ = ["FUNCTIONS", "as_datetime"]

#: DateTimeStyles names FormatDateTime accepts; all parse as UTC here.
_STYLES = frozenset(
    {
        "None",
        "AllowLeadingWhite",
        "AllowTrailingWhite",
        "AllowInnerWhite",
        "AllowWhiteSpaces",
        "NoCurrentDateDefault",
        "AdjustToUniversal",
        "AssumeLocal",
        "AssumeUniversal",
        "RoundtripKind",
    }
)


def as_datetime(value: Value, function: str) -> datetime | None:
    """A datetime from a datetime or date text; ``None`` for null.

    Raises:
        ExpressionEvaluationError: If text is not a date.
    """
    if value is None or isinstance(value, datetime):
        return value
    text = to_text(value, function) or ""
    parsed = parse_datetime(text)
    if parsed is None:
        raise ExpressionEvaluationError(f"{text!r} is not a date", function=function)
    return parsed


def _cdate(ctx: EvaluationContext, value: Value) -> Value:
    return as_datetime(value, "CDate")


def _now(ctx: EvaluationContext) -> Value:
    return ctx.clock()


def _interval(value: Value, function: str) -> str:
    interval = to_text(value, function) or ""
    if interval not in DATE_INTERVALS:
        raise ExpressionEvaluationError(
            f"unknown interval {interval!r}; use one of {', '.join(DATE_INTERVALS)}",
            function=function,
        )
    return interval


def _date_add(ctx: EvaluationContext, interval: Value, amount: Value, date: Value) -> Value:
    start = as_datetime(date, "DateAdd")
    if start is None:
        return None
    try:
        return add_interval(_interval(interval, "DateAdd"), to_int(amount, "DateAdd"), start)
    except OverflowError as exc:
        raise ExpressionEvaluationError("date out of range", function="DateAdd") from exc


def _date_diff(ctx: EvaluationContext, interval: Value, date1: Value, date2: Value) -> Value:
    start, end = as_datetime(date1, "DateDiff"), as_datetime(date2, "DateDiff")
    if start is None or end is None:
        return None
    return diff_interval(_interval(interval, "DateDiff"), start, end)


def _date_from_num(ctx: EvaluationContext, value: Value) -> Value:
    if value is None:
        return None
    try:
        return from_filetime(to_int(value, "DateFromNum"))
    except OverflowError as exc:
        raise ExpressionEvaluationError("FILETIME out of range", function="DateFromNum") from exc


def _num_from_date(ctx: EvaluationContext, value: Value) -> Value:
    date = as_datetime(value, "NumFromDate")
    return None if date is None else to_filetime(date)


def _format_datetime(
    ctx: EvaluationContext, source: Value, styles: Value, input_format: Value, output_format: Value
) -> Value:
    text = to_text(source, "FormatDateTime")
    if text is None:
        return None
    if styles is not MISSING:
        _check_styles(to_text(styles, "FormatDateTime") or "")
    try:
        parsed = parse_custom(text, to_text(input_format, "FormatDateTime") or "")
    except ValueError as exc:
        raise ExpressionEvaluationError(str(exc), function="FormatDateTime") from exc
    return format_custom(parsed, to_text(output_format, "FormatDateTime") or "")


def _check_styles(styles: str) -> None:
    unknown = [s.strip() for s in styles.split(",") if s.strip() and s.strip() not in _STYLES]
    if unknown:
        raise ExpressionEvaluationError(
            f"unknown DateTimeStyles {', '.join(unknown)}", function="FormatDateTime"
        )


def _check_interval(call: Call) -> tuple[int, str] | None:
    first = call.args[0]
    if isinstance(first, String) and first.value not in DATE_INTERVALS:
        return first.offset, (
            f"{call.name}: unknown interval {first.value!r}; use one of {', '.join(DATE_INTERVALS)}"
        )
    return None


FUNCTIONS = (
    FunctionSpec(
        "CDate",
        (Param("expression"),),
        "Parses a date string into a UTC date.",
        _cdate,
        examples=(('CDate("2009-06-15T01:45:30-07:00")', "6/15/2009 8:45:30 AM"),),
    ),
    FunctionSpec("Now", (), "The current UTC date and time.", _now),
    FunctionSpec(
        "DateAdd",
        (Param("interval"), Param("value"), Param("dateTime")),
        "Adds value intervals (yyyy, q, m, y, d, w, ww, h, n, s) to a date.",
        _date_add,
        check=_check_interval,
        examples=(('DateAdd("d", 7, CDate("2012-03-16-07:00"))', "3/23/2012 7:00:00 AM"),),
    ),
    FunctionSpec(
        "DateDiff",
        (Param("interval"), Param("date1"), Param("date2")),
        "date2 minus date1 in interval units, counting VB-style boundaries.",
        _date_diff,
        check=_check_interval,
        examples=(('DateDiff("h", "2021-08-24", "2021-08-25")', "24"),),
    ),
    FunctionSpec(
        "DateFromNum",
        (Param("value"),),
        "AD FILETIME (100-ns since 1601-01-01 UTC) to a date.",
        _date_from_num,
        examples=(("DateFromNum(129699324000000000)", "1/1/2012 11:00:00 PM"),),
    ),
    FunctionSpec(
        "NumFromDate",
        (Param("value"),),
        "A date to AD FILETIME (for accountExpires).",
        _num_from_date,
    ),
    FunctionSpec(
        "FormatDateTime",
        (
            Param("source"),
            Param("dateTimeStyles", required=False),
            Param("inputFormat"),
            Param("outputFormat"),
        ),
        "Re-formats a date string with .NET custom format strings.",
        _format_datetime,
        examples=(
            (
                'FormatDateTime("20150123105347.1Z", , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")',
                "2015-01-23",
            ),
        ),
    ),
)
