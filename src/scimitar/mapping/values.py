"""The value model of expressions (docs/entra.md §4.1: "everything flows as strings").

Values are ``None`` (null: attribute absent), ``str``, ``int`` (number constants and numeric
results), ``datetime`` (from ``CDate``/``Now``, always UTC), lists (multi-valued attributes)
and dicts (app-role assignments). Booleans are the strings ``"True"`` and ``"False"``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final, TypeAlias

from scimitar.errors import ExpressionEvaluationError

__all__ = [
    "FALSE",
    "IGNORE_FLOW",
    "MISSING",
    "TRUE",
    "IgnoreFlow",
    "Missing",
    "Value",
    "bool_text",
    "format_vb_datetime",
    "is_empty",
    "normalize_source_value",
    "to_flow",
    "to_int",
    "to_text",
    "to_truth",
]

#: Any expression value; see the module docstring for the shapes it takes.
Value: TypeAlias = Any

TRUE: Final = "True"
FALSE: Final = "False"


class Missing:
    """The type of :data:`MISSING`, an omitted optional argument (``Replace(x, , ...)``)."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


class IgnoreFlow:
    """The type of :data:`IGNORE_FLOW`: ``IgnoreFlowIfNullOrEmpty`` found nothing to flow."""

    _instance: IgnoreFlow | None = None

    def __new__(cls) -> IgnoreFlow:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "IGNORE_FLOW"


#: Returned by ``IgnoreFlowIfNullOrEmpty``: drop the target attribute from the flow (docs/entra.md
#: §2.3).
IGNORE_FLOW: Final = IgnoreFlow()


def bool_text(flag: bool) -> str:
    """Return Entra's string form of a boolean."""
    return TRUE if flag else FALSE


def is_empty(value: Value) -> bool:
    """Return whether ``value`` is null, the empty string or an empty collection."""
    return value is None or value is MISSING or value == "" or value == []


def format_vb_datetime(value: datetime) -> str:
    """Format as ``M/d/yyyy h:mm:ss tt`` in UTC, the way Entra prints dates (docs/entra.md §4.1)."""
    value = value.astimezone(UTC) if value.tzinfo else value
    hour = value.hour % 12 or 12
    half = "AM" if value.hour < 12 else "PM"
    return (
        f"{value.month}/{value.day}/{value.year:04d} "
        f"{hour}:{value.minute:02d}:{value.second:02d} {half}"
    )


def to_text(value: Value, function: str = "") -> str | None:
    """Convert a single value to a string; ``None`` stays ``None``.

    Raises:
        ExpressionEvaluationError: For a multi-valued or complex value.
    """
    if value is None or value is MISSING:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return bool_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return format_vb_datetime(value)
    raise ExpressionEvaluationError(
        f"expected a single value, got {_describe(value)}", function=function
    )


def to_int(value: Value, function: str = "", parameter: str = "") -> int:
    """Convert a value to an integer.

    Raises:
        ExpressionEvaluationError: If the value is null or not an integer.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = to_text(value, function)
    if text is not None:
        try:
            return int(text.strip())
        except ValueError:
            pass
    where = f" for {parameter}" if parameter else ""
    raise ExpressionEvaluationError(
        f"expected an integer{where}, got {_describe(value)}", function=function
    )


def to_truth(value: Value, function: str = "") -> bool:
    """Interpret a value as a condition: ``"True"``/non-zero is true, null is false.

    Raises:
        ExpressionEvaluationError: For a string that is neither a boolean nor a number.
    """
    if value is None or value is MISSING or value == "":
        return False
    if isinstance(value, int):
        return value != 0
    text = to_text(value, function)
    lowered = (text or "").strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(lowered) != 0
    except ValueError:
        raise ExpressionEvaluationError(f"{text!r} is not a boolean", function=function) from None


def normalize_source_value(value: Any) -> Value:
    """Bring a directory attribute value into the expression value model.

    Booleans become ``"True"``/``"False"``, numbers become strings, lists are normalised item
    by item; dicts (app-role assignments) and datetimes are kept.
    """
    if isinstance(value, bool):
        return bool_text(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return [normalize_source_value(item) for item in value]
    return value


def to_flow(value: Value) -> Value:
    """Convert an expression result into the value that flows to the target.

    Datetimes print Entra's way, integers become strings, lists are converted item by item.
    """
    if isinstance(value, datetime):
        return format_vb_datetime(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return [to_flow(item) for item in value]
    return value


def _describe(value: Value) -> str:
    if value is None or value is MISSING:
        return "null"
    if isinstance(value, list):
        return f"a multi-valued attribute ({len(value)} values)"
    if isinstance(value, dict):
        return "a complex value"
    return repr(value)
