"""The filter abstract syntax tree (RFC 7644 §3.4.2.2), as frozen, hashable values.

``attr[filter].sub op value`` (a value filter followed by a sub-attribute, which Entra sends in
matching queries) is represented as ``ValuePath(attr, And(filter, Comparison(sub, op, value)))``:
both mean "some element of attr satisfies the filter and has that sub-attribute value".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "COMPARE_OPERATORS",
    "And",
    "AttrPath",
    "CompareOp",
    "Comparison",
    "Filter",
    "LiteralValue",
    "Not",
    "Or",
    "Present",
    "ValuePath",
]

CompareOp = Literal["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
COMPARE_OPERATORS: frozenset[str] = frozenset(
    ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
)
LiteralValue: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True)
class AttrPath:
    """``[urn:]attr[.sub]`` (RFC 7644 §3.10); names are kept as written."""

    attr: str
    sub: str | None = None
    urn: str | None = None

    def __str__(self) -> str:
        name = self.attr if self.sub is None else f"{self.attr}.{self.sub}"
        return name if self.urn is None else f"{self.urn}:{name}"


@dataclass(frozen=True)
class Comparison:
    """``path op value`` for the nine comparison operators."""

    path: AttrPath
    op: CompareOp
    value: LiteralValue


@dataclass(frozen=True)
class Present:
    """``path pr``: the attribute has a non-empty value."""

    path: AttrPath


@dataclass(frozen=True)
class And:
    """Logical conjunction."""

    left: Filter
    right: Filter


@dataclass(frozen=True)
class Or:
    """Logical disjunction."""

    left: Filter
    right: Filter


@dataclass(frozen=True)
class Not:
    """Logical negation, written ``not (...)``."""

    operand: Filter


@dataclass(frozen=True)
class ValuePath:
    """``attr[filter]``: some value of a multi-valued complex attribute matches ``filter``.

    Paths inside ``filter`` are relative to the element (sub-attribute names).
    """

    path: AttrPath
    filter: Filter


Filter: TypeAlias = Comparison | Present | And | Or | Not | ValuePath
