"""Conditions and null handling (docs/entra.md §4.2): IIF, CBool, Not, IsNull, IsNothing,
IsNullOrEmpty, IsPresent, IsString, Switch, Coalesce, IgnoreFlowIfNullOrEmpty, Redact,
SelectUniqueValue, BitAnd.

``IIF``, ``Switch``, ``Coalesce`` and ``SelectUniqueValue`` are lazy: they evaluate only the
arguments they need, so an unused branch cannot fail the expression.
"""

from __future__ import annotations

from collections.abc import Callable

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions.registry import FunctionSpec, Param
from scimitar.mapping.values import (
    FALSE,
    IGNORE_FLOW,
    TRUE,
    Value,
    bool_text,
    is_empty,
    to_int,
    to_text,
    to_truth,
)

__all__ = ["FUNCTIONS", "switch_key"]

Thunk = Callable[[EvaluationContext], Value]


def _iif(ctx: EvaluationContext, condition: Thunk, if_true: Thunk, if_false: Thunk) -> Value:
    return if_true(ctx) if to_truth(condition(ctx), "IIF") else if_false(ctx)


def _cbool(ctx: EvaluationContext, value: Value) -> Value:
    return bool_text(to_truth(value, "CBool"))


def _not(ctx: EvaluationContext, value: Value) -> Value:
    return None if value is None else bool_text(not to_truth(value, "Not"))


def _is_null(ctx: EvaluationContext, value: Value) -> Value:
    return bool_text(value is None)


def _is_null_or_empty(ctx: EvaluationContext, value: Value) -> Value:
    return bool_text(is_empty(value))


def _is_present(ctx: EvaluationContext, value: Value) -> Value:
    return bool_text(not is_empty(value))


def _is_string(ctx: EvaluationContext, value: Value) -> Value:
    return bool_text(isinstance(value, str))


def switch_key(value: Value) -> str:
    """The text a Switch source is matched with; null matches the key ``""`` (docs/entra.md
    §4.2)."""
    return to_text(value, "Switch") or ""


def _switch(ctx: EvaluationContext, source: Thunk, default: Thunk, *pairs: Thunk) -> Value:
    key = switch_key(source(ctx))
    for index in range(0, len(pairs), 2):
        if to_text(pairs[index](ctx), "Switch") == key:
            return pairs[index + 1](ctx)
    return default(ctx)


def _coalesce(ctx: EvaluationContext, *sources: Thunk) -> Value:
    for source in sources:
        value = source(ctx)
        if value is not None and value != []:
            return value
    return None


def _ignore_flow(ctx: EvaluationContext, value: Value) -> Value:
    return IGNORE_FLOW if is_empty(value) else value


def _redact(ctx: EvaluationContext, value: Value) -> Value:
    return value


def _select_unique(ctx: EvaluationContext, *rules: Thunk) -> Value:
    tried: list[str] = []
    for rule in rules:
        candidate = to_text(rule(ctx), "SelectUniqueValue")
        if not candidate:
            continue
        if ctx.is_unique is None or ctx.is_unique(candidate):
            return candidate
        tried.append(candidate)
    raise ExpressionEvaluationError(
        f"every candidate value is already taken: {', '.join(tried) or 'none produced'}",
        function="SelectUniqueValue",
    )


def _bit_and(ctx: EvaluationContext, value1: Value, value2: Value) -> Value:
    return to_int(value1, "BitAnd", "value1") & to_int(value2, "BitAnd", "value2")


_EXPR = Param("expression")

FUNCTIONS = (
    FunctionSpec(
        "IIF",
        (Param("condition"), Param("valueIfTrue"), Param("valueIfFalse")),
        "valueIfTrue if the condition holds, else valueIfFalse; a comparison with a "
        "null attribute is false.",
        _iif,
        is_lazy=True,
        examples=(('IIF("USA" = "USA", "yes", "no")', "yes"),),
    ),
    FunctionSpec(
        "CBool",
        (_EXPR,),
        '"True" if the expression is true or non-zero, else "False".',
        _cbool,
        examples=(("CBool(1 = 1)", TRUE),),
    ),
    FunctionSpec(
        "Not",
        (Param("source"),),
        'Flips "True" and "False".',
        _not,
        examples=(('Not("True")', FALSE),),
    ),
    FunctionSpec("IsNull", (_EXPR,), '"True" if the value is null (attribute absent).', _is_null),
    FunctionSpec(
        "IsNothing", (_EXPR,), "Same as IsNull (listed by Graph schema/functions).", _is_null
    ),
    FunctionSpec(
        "IsNullOrEmpty", (_EXPR,), '"True" if null or the empty string.', _is_null_or_empty
    ),
    FunctionSpec("IsPresent", (_EXPR,), '"True" if neither null nor empty.', _is_present),
    FunctionSpec("IsString", (_EXPR,), '"True" if the value is a string.', _is_string),
    FunctionSpec(
        "Switch",
        (
            Param("source"),
            Param("defaultValue", required=False),
            Param("key", repeats=True),
            Param("value", repeats=True),
        ),
        "The value paired with the first key equal to source (case-sensitive; null "
        'matches ""), else defaultValue.',
        _switch,
        is_lazy=True,
        min_repeats=1,
        examples=(('Switch("QLD", "?", "NSW", "Sydney", "QLD", "Brisbane")', "Brisbane"),),
    ),
    FunctionSpec(
        "Coalesce",
        (Param("source", repeats=True),),
        "The first argument that is not null (put a default value last).",
        _coalesce,
        is_lazy=True,
        min_repeats=1,
    ),
    FunctionSpec(
        "IgnoreFlowIfNullOrEmpty",
        (_EXPR,),
        "The value; if null or empty, the target attribute is left out of the flow.",
        _ignore_flow,
        is_top_level_only=True,
    ),
    FunctionSpec(
        "Redact",
        (Param("value"),),
        'The value, which flows normally but shows as "[Redact]" in logs.',
        _redact,
    ),
    FunctionSpec(
        "SelectUniqueValue",
        (Param("rule", repeats=True),),
        "The first non-empty rule value the target does not hold yet; creation only.",
        _select_unique,
        is_lazy=True,
        min_repeats=2,
        is_top_level_only=True,
    ),
    FunctionSpec(
        "BitAnd",
        (Param("value1"), Param("value2")),
        "Bitwise AND of two integers.",
        _bit_and,
        examples=(("BitAnd(&HF, &HF7)", "7"),),
    ),
)
