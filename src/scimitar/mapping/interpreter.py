"""A plain tree-walking evaluator: the reference the compiler is checked against.

Slower than :mod:`scimitar.mapping.compiler` (it dispatches on node types at every step); the
benchmark uses it as the naive baseline and the property tests compare the two.
"""

from __future__ import annotations

from collections.abc import Callable

from scimitar.mapping.ast import Attribute, Call, Comparison, Identifier, Node, Number, String
from scimitar.mapping.comparison import compare
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions import ENUMS, LIBRARY
from scimitar.mapping.values import MISSING, Value

__all__ = ["interpret"]


def interpret(node: Node, ctx: EvaluationContext) -> Value:
    """Evaluate ``node`` against ``ctx`` by walking the tree.

    Args:
        node: A parsed expression.
        ctx: The evaluation context.

    Returns:
        The expression's value (same as the compiled form).
    """
    if isinstance(node, Attribute):
        return ctx.attributes.get(node.name.lower())
    if isinstance(node, String | Number):
        return node.value
    if isinstance(node, Identifier):
        return ENUMS[node.name]
    if isinstance(node, Comparison):
        return compare(node.operator, interpret(node.left, ctx), interpret(node.right, ctx))
    return _call(node, ctx)


def _call(node: Call, ctx: EvaluationContext) -> Value:
    spec = LIBRARY[node.name]
    if spec.is_lazy:
        thunks = [_thunk(arg) for arg in node.args]
        return spec.impl(ctx, *thunks)
    values = [MISSING if arg is None else interpret(arg, ctx) for arg in node.args]
    return spec.impl(ctx, *values)


def _thunk(arg: Node | None) -> Callable[[EvaluationContext], Value]:
    def evaluate(ctx: EvaluationContext) -> Value:
        return None if arg is None else interpret(arg, ctx)

    return evaluate
