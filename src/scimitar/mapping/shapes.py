"""The shape of what a mapping produces, known before it runs: one value, several, or complex.

Entra checks a mapping against the target attribute's definition when it is saved (a
multi-valued source cannot flow into a single-valued string; app-role objects go to a complex
``roles`` collection, not to ``roles.value``). :func:`result_shapes` reads an expression tree
and gives every shape its result may take, from the shapes of the source attributes it reads
and what each function returns; :func:`fits` says whether a shape suits a target attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from scimitar.mapping.ast import Attribute, Call, Node

__all__ = ["Shape", "fits", "result_shapes", "shape_text"]


class Shape(StrEnum):
    """What a value looks like on the wire."""

    SINGLE = "single"
    MULTI = "multi"
    COMPLEX = "complex"


#: Functions whose result has a fixed shape whatever their arguments.
_FIXED: dict[str, Shape] = {
    "AppRoleAssignmentsComplex": Shape.COMPLEX,
    "AssertiveAppRoleAssignmentsComplex": Shape.COMPLEX,
    "AppRoleAssignments": Shape.MULTI,
    "Split": Shape.MULTI,
}

#: Functions that pass one argument's shape through, by the argument's position.
_PASS_THROUGH: dict[str, int] = {
    "IgnoreFlowIfNullOrEmpty": 0,
    "Redact": 0,
    "RemoveDuplicates": 0,
}


def result_shapes(node: Node, sources: Mapping[str, Shape]) -> frozenset[Shape]:
    """Every shape the value of ``node`` can take.

    Args:
        node: An expression tree.
        sources: Shapes of the multi-valued and complex source attributes, by lower-case
            name; any other attribute holds one value.

    Returns:
        The possible shapes (a conditional can give one branch's shape or another's).
    """
    if isinstance(node, Attribute):
        return frozenset((sources.get(node.name.lower(), Shape.SINGLE),))
    if not isinstance(node, Call):
        return frozenset((Shape.SINGLE,))
    if node.name in _FIXED:
        return frozenset((_FIXED[node.name],))
    return _union(sources, _branches(node))


def _branches(call: Call) -> tuple[Node | None, ...]:
    """The arguments whose value can become the call's result."""
    args = call.args
    if call.name in _PASS_THROUGH:
        index = _PASS_THROUGH[call.name]
        return args[index : index + 1]
    if call.name == "IIF":
        return args[1:3]
    if call.name == "Switch":
        # Switch(source, default, key1, value1, key2, value2, ...)
        return (*args[1:2], *args[3::2])
    if call.name == "Coalesce":
        return args
    return ()


def _union(sources: Mapping[str, Shape], branches: tuple[Node | None, ...]) -> frozenset[Shape]:
    if not branches:
        return frozenset((Shape.SINGLE,))
    found: set[Shape] = set()
    for branch in branches:
        if branch is not None:
            found |= result_shapes(branch, sources)
    return frozenset(found or (Shape.SINGLE,))


def fits(shape: Shape, *, is_complex: bool, is_multi_valued: bool) -> bool:
    """Whether a value of ``shape`` suits a target attribute.

    Args:
        shape: The value's shape.
        is_complex: The target is a complex attribute (``roles``) rather than one of its
            sub-attributes (``roles[primary eq "True"].value``) or a simple attribute.
        is_multi_valued: The target holds several values.
    """
    if is_complex:
        return shape is Shape.COMPLEX
    if shape is Shape.COMPLEX:
        return False
    return shape is Shape.SINGLE or is_multi_valued


def shape_text(shape: Shape) -> str:
    """How an error message names a shape."""
    return {
        Shape.SINGLE: "a single value",
        Shape.MULTI: "several values (a multi-valued result)",
        Shape.COMPLEX: "complex values (objects such as app-role assignments)",
    }[shape]
