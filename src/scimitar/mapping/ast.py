"""The expression tree (Entra: attribute-mapping expressions, docs/entra.md §4.1).

Nodes are frozen values. Their ``offset`` is where they start in the source text and takes no
part in equality, so a printed and re-parsed expression compares equal to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = [
    "COMPARISON_OPERATORS",
    "Attribute",
    "Call",
    "Comparison",
    "Identifier",
    "Node",
    "Number",
    "String",
    "walk",
]

COMPARISON_OPERATORS = ("=", "<>", ">=", "<=", ">", "<")


@dataclass(frozen=True, slots=True)
class Attribute:
    """A source attribute reference, ``[name]``."""

    name: str
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class String:
    """A double-quoted string constant."""

    value: str
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Number:
    """An integer constant, decimal (``-10``) or VB hex (``&HF7``)."""

    value: int
    is_hex: bool = False
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Identifier:
    """A bare enum identifier such as ``vbTextCompare``."""

    name: str
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``None`` in ``args`` is an empty optional slot (``Replace(x, , ...)``)."""

    name: str
    args: tuple[Node | None, ...]
    offset: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left op right`` with op one of ``= <> > >= < <=`` (docs/entra.md §4.1: conditions)."""

    operator: str
    left: Node
    right: Node
    offset: int = field(default=0, compare=False)


Node: TypeAlias = Attribute | String | Number | Identifier | Call | Comparison


def walk(node: Node) -> list[Node]:
    """Return ``node`` and all its descendants, depth first.

    Args:
        node: The root of the tree.

    Returns:
        Every node of the tree, the root first.
    """
    found: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, Call):
            stack.extend(reversed([a for a in current.args if a is not None]))
        elif isinstance(current, Comparison):
            stack.extend((current.right, current.left))
    return found
