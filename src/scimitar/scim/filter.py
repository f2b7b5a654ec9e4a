"""SCIM filters: parse, render, evaluate (RFC 7644 §3.4.2.2).

>>> f = parse_filter('emails[type eq "work" and primary eq true] or userName Eq "bjensen"')
>>> render_filter(f)
'emails[type eq "work" and primary eq true] or userName eq "bjensen"'
"""

from __future__ import annotations

import json

from scimitar.scim.errors import InvalidFilterError
from scimitar.scim.evaluation import evaluate
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
from scimitar.scim.parser import Parser
from scimitar.scim.urns import CORE_GROUP, CORE_USER

__all__ = [
    "And",
    "AttrPath",
    "Comparison",
    "Filter",
    "LiteralValue",
    "Not",
    "Or",
    "Present",
    "ValuePath",
    "evaluate",
    "parse_filter",
    "render_filter",
    "render_value",
    "simple_equality",
]

_CORE_URNS = frozenset((CORE_USER.lower(), CORE_GROUP.lower()))


def parse_filter(text: str) -> Filter:
    """Parse a filter expression (RFC 7644 §3.4.2.2).

    Args:
        text: The filter, e.g. ``userName eq "bjensen"``; operators and keywords in any case.

    Returns:
        The filter's syntax tree.

    Raises:
        InvalidFilterError: The text is not a filter; the message gives the position and what
            was expected there.
    """
    if not text.strip():
        raise InvalidFilterError("Invalid filter: the filter is empty; omit the parameter instead.")
    return Parser(text, InvalidFilterError, "filter").parse_filter()


def render_filter(f: Filter) -> str:
    """Render a syntax tree as filter text; ``parse_filter(render_filter(f)) == f``.

    Args:
        f: The filter.

    Returns:
        Canonical text: lower-case operators, JSON literals, minimal parentheses.
    """
    match f:
        case Comparison(path, op, value):
            return f"{path} {op} {render_value(value)}"
        case Present(path):
            return f"{path} pr"
        case Or(left, right):
            return f"{render_filter(left)} or {_wrap(right, Or)}"
        case And(left, right):
            return f"{_wrap(left, Or)} and {_wrap(right, (Or, And))}"
        case Not(operand):
            return f"not ({render_filter(operand)})"
        case ValuePath(path, inner):
            return f"{path}[{render_filter(inner)}]"
    raise TypeError(f"not a filter node: {f!r}")


def _wrap(f: Filter, kinds: type | tuple[type, ...]) -> str:
    text = render_filter(f)
    return f"({text})" if isinstance(f, kinds) else text


def render_value(value: LiteralValue) -> str:
    """Render a comparison value as a JSON literal (strings quoted and escaped)."""
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def simple_equality(f: Filter) -> tuple[str, object] | None:
    """Recognise ``attr eq "literal"`` so a server can answer it from an index.

    Args:
        f: A parsed filter.

    Returns:
        ``(path, value)`` with the path lower-cased (core-schema URN prefixes dropped,
        extension URNs kept as ``urn:...:attr``), or None for any other shape or a null value.
    """
    if not isinstance(f, Comparison) or f.op != "eq" or f.value is None:
        return None
    path = f.path
    if path.urn is not None and path.urn.lower() in _CORE_URNS:
        path = AttrPath(path.attr, path.sub)
    return str(path).lower(), f.value
