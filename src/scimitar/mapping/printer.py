"""Print an expression tree back to canonical text (docs/entra.md §4.1).

``parse(print_expression(tree)) == tree`` holds for every tree the parser produces.
"""

from __future__ import annotations

from scimitar.mapping.ast import Attribute, Call, Comparison, Identifier, Node, Number, String

__all__ = ["print_expression", "quote"]


def quote(value: str) -> str:
    """Return ``value`` as a double-quoted string constant with ``\\`` and ``"`` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def print_expression(node: Node) -> str:
    """Return the canonical text of ``node``.

    Args:
        node: A tree produced by :func:`scimitar.mapping.parser.parse`.

    Returns:
        Expression text with single spaces after commas and around operators.
    """
    if isinstance(node, Attribute):
        return f"[{node.name}]"
    if isinstance(node, String):
        return quote(node.value)
    if isinstance(node, Number):
        return f"&H{node.value:X}" if node.is_hex else str(node.value)
    if isinstance(node, Identifier):
        return node.name
    if isinstance(node, Comparison):
        return f"{print_expression(node.left)} {node.operator} {print_expression(node.right)}"
    return _print_call(node)


def _print_call(node: Call) -> str:
    slots = ["" if arg is None else print_expression(arg) for arg in node.args]
    return f"{node.name}({', '.join(slots).rstrip() if slots else ''})"
