"""``Replace`` (docs/entra.md §4.2): literal, template and regular-expression replacement.

Slots: ``Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
replacementAttributeName, template)``. Which slots are filled picks the mode, and that is
checked when the expression is parsed:

- ``oldValue`` + ``replacementValue`` or ``replacementAttributeName``: replace every occurrence.
- ``oldValue`` + ``template``: the template with ``oldValue`` replaced by the source.
- ``regexPattern`` + ``replacementValue``/``replacementAttributeName``: regex replacement
  (``${group}`` references allowed); with ``regexGroupName`` only that group's text is replaced.
- ``regexPattern`` + ``regexGroupName`` + ``replacementAttributeName``: a non-empty source is
  returned as is; otherwise the group is extracted from the other attribute.
"""

from __future__ import annotations

import regex

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.ast import Call, String
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions.registry import FunctionSpec, Param
from scimitar.mapping.regexes import compile_pattern, expand, parse_template
from scimitar.mapping.values import MISSING, Value, to_text

__all__ = ["FUNCTIONS"]

_SOURCE, _OLD, _REGEX, _GROUP, _VALUE, _ATTRIBUTE, _TEMPLATE = range(7)


def _text(value: Value) -> str | None:
    return None if value is MISSING else to_text(value, "Replace")


def _replace(
    ctx: EvaluationContext,
    source: Value,
    old: Value = MISSING,
    pattern: Value = MISSING,
    group: Value = MISSING,
    value: Value = MISSING,
    attribute: Value = MISSING,
    template: Value = MISSING,
) -> Value:
    text = _text(source)
    if pattern is not MISSING:
        return _regex_mode(ctx, text, _text(pattern) or "", _text(group), value, attribute)
    if text is None:
        return None
    needle = _text(old) or ""
    if not needle:
        raise ExpressionEvaluationError("oldValue must not be empty", function="Replace")
    if template is not MISSING:
        return (_text(template) or "").replace(needle, text)
    replacement = _text(value) if value is not MISSING else _text(attribute)
    return text.replace(needle, replacement or "")


def _regex_mode(
    ctx: EvaluationContext,
    text: str | None,
    pattern: str,
    group: str | None,
    value: Value,
    attribute: Value,
) -> Value:
    compiled = _compile(pattern)
    if group is not None and value is MISSING:
        if text:
            return text
        return _extract(ctx, compiled, _text(attribute), group)
    if text is None:
        return None
    replacement = _text(value) if value is not MISSING else _text(attribute)
    template = parse_template(replacement or "")
    try:
        if group is None:
            return compiled.sub(lambda m: expand(m, template), text, timeout=ctx.regex_timeout)
        return _replace_group(ctx, compiled, text, group, template)
    except TimeoutError as exc:
        raise _timeout(pattern) from exc


def _replace_group(
    ctx: EvaluationContext,
    compiled: regex.Pattern[str],
    text: str,
    group: str,
    template: tuple[str | int | tuple[str], ...],
) -> str:
    pieces: list[str] = []
    position = 0
    for match in compiled.finditer(text, timeout=ctx.regex_timeout):
        start, end = _group_span(match, group)
        if start < 0:
            continue
        pieces.append(text[position:start])
        pieces.append(expand(match, template))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _group_span(match: regex.Match[str], group: str) -> tuple[int, int]:
    try:
        span: tuple[int, int] = match.span(group)
    except IndexError as exc:
        raise ExpressionEvaluationError(f"no group named {group!r}", function="Replace") from exc
    return span


def _extract(
    ctx: EvaluationContext, compiled: regex.Pattern[str], other: str | None, group: str
) -> Value:
    if not other:
        return None
    try:
        match = compiled.search(other, timeout=ctx.regex_timeout)
    except TimeoutError as exc:
        raise _timeout(compiled.pattern) from exc
    if match is None:
        return None
    _group_span(match, group)
    return match.group(group)


def _compile(pattern: str) -> regex.Pattern[str]:
    try:
        return compile_pattern(pattern)
    except ValueError as exc:
        raise ExpressionEvaluationError(str(exc), function="Replace") from exc


def _timeout(pattern: str) -> ExpressionEvaluationError:
    return ExpressionEvaluationError(
        f"regular expression {pattern!r} ran past its time limit", function="Replace"
    )


def _check(call: Call) -> tuple[int, str] | None:
    slots = [arg is not None for arg in call.args] + [False] * (7 - len(call.args))
    message = _mode_problem(slots)
    if message is not None:
        return call.offset, f"Replace: {message}"
    pattern = call.args[_REGEX] if len(call.args) > _REGEX else None
    if isinstance(pattern, String):
        try:
            compile_pattern(pattern.value)
        except ValueError as exc:
            return pattern.offset, f"Replace: {exc}"
    return None


def _mode_problem(slots: list[bool]) -> str | None:
    has_old, has_regex, has_group = slots[_OLD], slots[_REGEX], slots[_GROUP]
    outputs = slots[_VALUE] + slots[_ATTRIBUTE] + slots[_TEMPLATE]
    if has_old == has_regex:
        return "give exactly one of oldValue and regexPattern"
    if outputs != 1:
        return "give exactly one of replacementValue, replacementAttributeName and template"
    if has_group and not has_regex:
        return "regexGroupName needs regexPattern"
    if slots[_TEMPLATE] and not has_old:
        return "template needs oldValue"
    return None


_PARAMS = (
    Param("source"),
    Param("oldValue", required=False, description="literal text to replace"),
    Param("regexPattern", required=False, description=".NET regular expression"),
    Param("regexGroupName", required=False, description="named group to replace or extract"),
    Param("replacementValue", required=False, description="new text; may use ${group}"),
    Param("replacementAttributeName", required=False, description="attribute giving the new text"),
    Param("template", required=False, description="text in which oldValue marks the source"),
)

FUNCTIONS = (
    FunctionSpec(
        "Replace",
        _PARAMS,
        "Replaces text literally, through a template, or by regular expression; the "
        "filled slots choose the mode.",
        _replace,
        check=_check,
        examples=(
            ('Replace("EN-US", "-", , , "_", , )', "EN_US"),
            ('Replace("jsmith@contoso.com", , "(?<Suffix>@(.)*)", "Suffix", "", , )', "jsmith"),
        ),
    ),
)
