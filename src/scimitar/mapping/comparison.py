"""The comparison operators of conditions (docs/entra.md §4.1: ``= <> > >= < <=``)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scimitar.mapping.values import FALSE, TRUE, Value, is_empty, to_text

__all__ = ["compare"]

_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "<>": operator.ne,
}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def compare(op: str, left: Value, right: Value) -> str:
    """Compare two values; ``"True"`` or ``"False"``.

    A null or empty operand makes the comparison false (docs/entra.md §4.2 IIF: the condition fails
    when
    a referenced attribute is null or empty). ``=``/``<>`` compare text case-sensitively;
    ordering compares numbers when both sides are numeric, dates as dates, else text ordinally.

    Args:
        op: One of ``= <> > >= < <=``.
        left: The left value.
        right: The right value.

    Returns:
        Entra's boolean string.
    """
    if is_empty(left) or is_empty(right):
        return FALSE
    test = _ORDERING[op]
    if isinstance(left, datetime) and isinstance(right, datetime):
        return TRUE if test(left, right) else FALSE
    left_text, right_text = to_text(left, op) or "", to_text(right, op) or ""
    if op not in ("=", "<>"):
        left_number, right_number = _number(left_text), _number(right_text)
        if left_number is not None and right_number is not None:
            return TRUE if test(left_number, right_number) else FALSE
    return TRUE if test(left_text, right_text) else FALSE
