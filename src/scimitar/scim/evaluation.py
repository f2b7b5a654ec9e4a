"""Evaluating filters against resources (RFC 7644 §3.4.2.2).

Rules: strings compare case-insensitively unless the attribute is ``caseExact``; a multi-valued
attribute matches when any value matches; a complex attribute compared directly compares its
``value`` sub-attribute; dateTimes compare as instants; ordering operators on booleans or
complex attributes are an ``invalidFilter``. Attributes the schema does not know are compared
by the literal's type, so probes for unknown attributes simply match nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from scimitar.scim.errors import InvalidFilterError
from scimitar.scim.expressions import (
    And,
    AttrPath,
    Comparison,
    Filter,
    LiteralValue,
    Not,
    Or,
    Present,
    ValuePath,
)
from scimitar.scim.resource_access import get_ci
from scimitar.scim.schema import Attribute, ResourceSchema

__all__ = ["evaluate", "evaluate_element", "render_literal", "to_instant"]

Scope = ResourceSchema | Attribute | None
_ORDERING = frozenset(("gt", "ge", "lt", "le"))
_SUBSTRING = frozenset(("co", "sw", "ew"))
_BOOL_WORDS = {"true": True, "false": False}


def evaluate(f: Filter, resource: Mapping[str, Any], schema: ResourceSchema) -> bool:
    """Return whether ``resource`` matches the filter (RFC 7644 §3.4.2.2).

    Args:
        f: A parsed filter.
        resource: The resource as a JSON-like mapping; attribute names in any case.
        schema: The resource type, for attribute types and ``caseExact``.

    Returns:
        True when the resource matches.

    Raises:
        InvalidFilterError: An operator that cannot apply to the attribute's type, or a value
            of the wrong type for it.
    """
    return _eval(f, resource, schema)


def evaluate_element(f: Filter, element: Mapping[str, Any], attr: Attribute) -> bool:
    """Return whether one value of a complex attribute matches a value filter (§3.4.2.2).

    Args:
        f: The filter inside ``attr[...]``; its paths name sub-attributes of ``attr``.
        element: One value of the attribute.
        attr: The complex attribute's definition.
    """
    return _eval(f, element, attr)


def _eval(f: Filter, data: Mapping[str, Any], scope: Scope) -> bool:
    match f:
        case Comparison():
            return _compare(f, data, scope)
        case Present(path):
            raw, attr = _raw(path, data, scope)
            if path.sub is not None:
                raw = _sub_values(raw, attr, path.sub)[0]
            return any(_is_present(v) for v in raw)
        case And(left, right):
            return _eval(left, data, scope) and _eval(right, data, scope)
        case Or(left, right):
            return _eval(left, data, scope) or _eval(right, data, scope)
        case Not(operand):
            return not _eval(operand, data, scope)
        case ValuePath(path, inner):
            elements, attr = _raw(path, data, scope)
            return any(_eval(inner, e, attr) for e in elements if isinstance(e, Mapping))
    raise TypeError(f"not a filter node: {f!r}")


def _raw(
    path: AttrPath, data: Mapping[str, Any], scope: Scope
) -> tuple[list[Any], Attribute | None]:
    """The attribute's raw values (a list, flattened one level) and its definition."""
    container: Any = data
    attr: Attribute | None = None
    if isinstance(scope, ResourceSchema):
        located = scope.locate(path.urn, path.attr)
        if located is not None:
            key, attr = located
            container = data if key is None else get_ci(data, key)
        elif path.urn is not None:
            container = get_ci(data, path.urn)
    elif isinstance(scope, Attribute):
        attr = scope.sub_attribute(path.attr)
    raw = get_ci(container, attr.name if attr is not None else path.attr)
    return _as_list(raw), attr


def _sub_values(
    raw: list[Any], attr: Attribute | None, sub_name: str
) -> tuple[list[Any], Attribute | None]:
    sub = attr.sub_attribute(sub_name) if attr is not None else None
    name = sub.name if sub is not None else sub_name
    values: list[Any] = []
    for element in raw:
        values.extend(_as_list(get_ci(element, name)))
    return values, sub


def _comparable(
    f: Comparison, data: Mapping[str, Any], scope: Scope
) -> tuple[list[Any], Attribute | None]:
    """The values to compare: a sub-attribute's, or a complex attribute's ``value``."""
    raw, attr = _raw(f.path, data, scope)
    if f.path.sub is not None:
        return _sub_values(raw, attr, f.path.sub)
    if attr is not None and attr.is_complex:
        if f.op in _ORDERING:
            _reject(f, "a complex attribute; compare one of its sub-attributes")
        if attr.sub_attribute("value") is None:
            _reject(f, "a complex attribute without a value; compare one of its sub-attributes")
        return _sub_values(raw, attr, "value")
    if attr is None and raw and all(isinstance(v, Mapping) for v in raw):
        return _sub_values(raw, None, "value")
    return raw, attr


def _as_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    return list(raw) if isinstance(raw, list) else [raw]


def _is_present(value: Any) -> bool:
    """RFC 7644 §3.4.2.2 ``pr``: null, empty strings and empty lists/objects are absent."""
    return value is not None and value != "" and value != [] and value != {}


def _compare(f: Comparison, data: Mapping[str, Any], scope: Scope) -> bool:
    values, attr = _comparable(f, data, scope)
    if f.value is None:
        has_value = any(_is_present(v) for v in values)
        if f.op not in ("eq", "ne"):
            _reject(f, "null; only eq null and ne null are meaningful")
        return has_value if f.op == "ne" else not has_value
    kind = attr.type if attr is not None else _literal_kind(f.value)
    if kind == "binary" and f.op in _ORDERING:
        _reject(f, "a binary attribute; use eq, ne, co, sw or ew")
    test = _matcher(f, kind, attr is not None and attr.case_exact)
    matched = any(test(v) for v in values)
    return not matched if f.op == "ne" else matched


def _literal_kind(value: LiteralValue) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "decimal" if isinstance(value, int | float) else "string"


def _reject(f: Comparison, why: str) -> None:
    raise InvalidFilterError(
        f"Invalid filter: operator {f.op!r} cannot be applied to {f.path} ({why})."
    )


def _matcher(f: Comparison, kind: str, case_exact: bool) -> Callable[[Any], bool]:
    if kind == "boolean":
        return _boolean_matcher(f)
    if kind in ("integer", "decimal"):
        return _number_matcher(f)
    if kind == "dateTime" and f.op not in _SUBSTRING:
        return _datetime_matcher(f)
    return _string_matcher(f, case_exact)


def _boolean_matcher(f: Comparison) -> Callable[[Any], bool]:
    if f.op not in ("eq", "ne"):
        _reject(f, "a boolean attribute; use eq or ne")
    expected = _to_bool(f.value)
    if expected is None:
        _reject(f, f"a boolean attribute; compare with true or false, not {f.value!r}")
    return lambda v: _to_bool(v) is expected


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return _BOOL_WORDS.get(value.lower()) if isinstance(value, str) else None


def _number_matcher(f: Comparison) -> Callable[[Any], bool]:
    if f.op in _SUBSTRING:
        _reject(f, "a number; use eq, ne, gt, ge, lt or le")
    expected = f.value
    if isinstance(expected, bool) or not isinstance(expected, int | float):
        _reject(f, f"a number; compare with a number, not {expected!r}")
    test = _ORDER_TESTS[f.op]
    return lambda v: isinstance(v, int | float) and not isinstance(v, bool) and test(v, expected)


def _datetime_matcher(f: Comparison) -> Callable[[Any], bool]:
    expected = to_instant(f.value) if isinstance(f.value, str) else None
    if expected is None:
        _reject(
            f, f'a dateTime; compare with a string like "2011-05-13T04:42:34Z", not {f.value!r}'
        )
    test = _ORDER_TESTS[f.op]

    def matches(value: Any) -> bool:
        instant = to_instant(value) if isinstance(value, str) else None
        return instant is not None and test(instant, expected)

    return matches


def _string_matcher(f: Comparison, case_exact: bool) -> Callable[[Any], bool]:
    expected = render_literal(f.value)
    fold: Callable[[str], str] = _identity if case_exact else str.casefold
    target = fold(expected)
    test = _STRING_TESTS[f.op]
    return lambda v: isinstance(v, str) and test(fold(v), target)


def render_literal(value: LiteralValue) -> str:
    """A literal as the string it stands for when compared with a string attribute."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _identity(text: str) -> str:
    return text


def to_instant(text: str) -> datetime | None:
    """Parse an xsd:dateTime (RFC 7643 §2.3.5); naive values are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_ORDER_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a == b,  # negated by the caller
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    **_ORDER_TESTS,
    "co": lambda a, b: b in a,
    "sw": lambda a, b: a.startswith(b),
    "ew": lambda a, b: a.endswith(b),
}
