"""Compile an expression tree into nested closures (no eval/exec).

Each node becomes a callable taking an :class:`EvaluationContext`; constants are folded into
the closures and a few hot functions (``Switch`` over constant keys, ``Join``) get specialised
closures, which is what makes mapping 20,000+ users a second possible (see bench/mapping.py).
"""

from __future__ import annotations

from collections.abc import Callable

from scimitar.mapping.ast import Attribute, Call, Comparison, Identifier, Node, Number, String
from scimitar.mapping.comparison import compare
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions import ENUMS, LIBRARY, FunctionSpec
from scimitar.mapping.functions.collections import join_values
from scimitar.mapping.functions.logic import switch_key
from scimitar.mapping.values import MISSING, Value, to_text

__all__ = ["Compiled", "compile_tree"]

#: A compiled expression node.
Compiled = Callable[[EvaluationContext], Value]


def compile_tree(node: Node) -> Compiled:
    """Compile a parsed expression into a callable.

    Args:
        node: A tree from :func:`scimitar.mapping.parser.parse`.

    Returns:
        A function of the evaluation context returning the expression's value.
    """
    if isinstance(node, Attribute):
        return _attribute(node.name.lower())
    if isinstance(node, String | Number):
        return _constant(node.value)
    if isinstance(node, Identifier):
        return _constant(ENUMS[node.name])
    if isinstance(node, Comparison):
        return _comparison(node)
    return _call(node)


def _attribute(key: str) -> Compiled:
    def read(ctx: EvaluationContext) -> Value:
        return ctx.attributes.get(key)

    return read


def _constant(value: Value) -> Compiled:
    def constant(ctx: EvaluationContext) -> Value:
        return value

    return constant


def _comparison(node: Comparison) -> Compiled:
    left, right, op = compile_tree(node.left), compile_tree(node.right), node.operator

    def comparison(ctx: EvaluationContext) -> Value:
        return compare(op, left(ctx), right(ctx))

    return comparison


def _call(node: Call) -> Compiled:
    spec = LIBRARY[node.name]
    special = _SPECIALISED.get(node.name)
    if special is not None:
        compiled = special(node)
        if compiled is not None:
            return compiled
    placeholder = _constant(None if spec.is_lazy else MISSING)
    args = [placeholder if a is None else compile_tree(a) for a in node.args]
    return _lazy(spec, args) if spec.is_lazy else _eager(spec, args)


def _lazy(spec: FunctionSpec, args: list[Compiled]) -> Compiled:
    impl = spec.impl

    def call(ctx: EvaluationContext) -> Value:
        return impl(ctx, *args)

    return call


def _eager(spec: FunctionSpec, args: list[Compiled]) -> Compiled:
    impl = spec.impl
    if len(args) == 1:
        (only,) = args
        return lambda ctx: impl(ctx, only(ctx))
    if len(args) == 2:
        first, second = args
        return lambda ctx: impl(ctx, first(ctx), second(ctx))
    if len(args) == 3:
        first, second, third = args
        return lambda ctx: impl(ctx, first(ctx), second(ctx), third(ctx))
    return lambda ctx: impl(ctx, *[arg(ctx) for arg in args])


def _switch(node: Call) -> Compiled | None:
    keys = node.args[2::2]
    if not all(isinstance(k, String | Number) for k in keys):
        return None
    table: dict[str, Compiled] = {}
    for key, value in zip(keys, node.args[3::2], strict=True):
        text = to_text(key.value) if isinstance(key, String | Number) else None
        if text is not None and value is not None:
            table.setdefault(text, compile_tree(value))
    source = compile_tree(node.args[0]) if node.args[0] is not None else _constant(None)
    default = compile_tree(node.args[1]) if node.args[1] is not None else _constant(None)

    def switch(ctx: EvaluationContext) -> Value:
        return table.get(switch_key(source(ctx)), default)(ctx)

    return switch


def _join(node: Call) -> Compiled | None:
    if not isinstance(node.args[0], String):
        return None
    separator = node.args[0].value
    sources = tuple(compile_tree(a) for a in node.args[1:] if a is not None)

    def join(ctx: EvaluationContext) -> Value:
        return join_values(separator, tuple(source(ctx) for source in sources))

    return join


_SPECIALISED: dict[str, Callable[[Call], Compiled | None]] = {"Switch": _switch, "Join": _join}
