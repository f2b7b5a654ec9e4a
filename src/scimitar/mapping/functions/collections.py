"""Multi-valued attribute functions (docs/entra.md §4.2): Join, Count, Item, RemoveDuplicates,
Split."""

from __future__ import annotations

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions.registry import FunctionSpec, Param
from scimitar.mapping.values import Value, to_int, to_text

__all__ = ["FUNCTIONS", "join_values"]


def join_values(separator: str, sources: tuple[Value, ...]) -> str:
    """Join single and multi-valued sources, skipping null and empty values (docs/entra.md §4.3)."""
    parts: list[str] = []
    for source in sources:
        for item in source if isinstance(source, list) else (source,):
            text = to_text(item, "Join")
            if text:
                parts.append(text)
    return separator.join(parts)


def _join(ctx: EvaluationContext, separator: Value, *sources: Value) -> Value:
    return join_values(to_text(separator, "Join") or "", sources)


def _count(ctx: EvaluationContext, attribute: Value) -> Value:
    if attribute is None:
        return 0
    return len(attribute) if isinstance(attribute, list) else 1


def _item(ctx: EvaluationContext, attribute: Value, index: Value) -> Value:
    position = to_int(index, "Item", "index")
    if position < 1:
        raise ExpressionEvaluationError("index starts at 1", function="Item")
    values = attribute if isinstance(attribute, list) else [] if attribute is None else [attribute]
    return values[position - 1] if position <= len(values) else None


def _remove_duplicates(ctx: EvaluationContext, attribute: Value) -> Value:
    if not isinstance(attribute, list):
        return attribute
    unique: list[Value] = []
    for item in attribute:
        if item not in unique:
            unique.append(item)
    return unique


def _split(ctx: EvaluationContext, source: Value, delimiter: Value) -> Value:
    text = to_text(source, "Split")
    if text is None:
        return None
    separator = to_text(delimiter, "Split")
    if not separator:
        raise ExpressionEvaluationError("the delimiter must not be empty", function="Split")
    return text.split(separator)


FUNCTIONS = (
    FunctionSpec(
        "Join",
        (Param("separator"), Param("source", repeats=True)),
        "Concatenates the sources with the separator; multi-valued sources contribute "
        "every value; null and empty values are skipped.",
        _join,
        min_repeats=1,
        examples=(('Join(", ", "", "Doe", "John")', "Doe, John"),),
    ),
    FunctionSpec("Count", (Param("attribute"),), "Number of values (null → 0).", _count),
    FunctionSpec(
        "Item",
        (Param("attribute"), Param("index")),
        "The value at 1-based index of a multi-valued attribute; null past the end.",
        _item,
    ),
    FunctionSpec(
        "RemoveDuplicates",
        (Param("attribute"),),
        "The values of a multi-valued attribute without repeats, in order.",
        _remove_duplicates,
    ),
    FunctionSpec(
        "Split",
        (Param("source"), Param("delimiter")),
        "Splits a string into a multi-valued attribute (values are not trimmed).",
        _split,
        examples=(('Split("a,b", ",")', '["a", "b"]'),),
    ),
)
