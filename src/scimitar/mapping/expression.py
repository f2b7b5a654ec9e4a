"""Expressions as admins use them: text parsed once, checked, compiled (docs/entra.md §4).

>>> expression = compile_expression('Join(" ", [givenName], [surname])')
>>> expression.evaluate_for({"givenName": "Zoë", "surname": "Dupont"})
'Zoë Dupont'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.ast import Attribute, Call, Node, walk
from scimitar.mapping.compiler import Compiled, compile_tree
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions import LIBRARY
from scimitar.mapping.functions.approles import ASSERTIVE_FUNCTIONS
from scimitar.mapping.lexer import syntax_error
from scimitar.mapping.parser import parse
from scimitar.mapping.printer import print_expression
from scimitar.mapping.values import Value, to_flow

__all__ = ["Expression", "compile_expression", "evaluate"]


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed, validated and compiled expression.

    Attributes:
        text: The expression as written.
        tree: The parsed tree.
        attributes: Lower-case names of the source attributes it reads.
        is_redacted: It uses ``Redact``: show ``[Redact]`` instead of the value in logs.
        is_assertive: Its result replaces the target collection (PATCH replace), docs/entra.md §4.2.
        is_unique_selection: It is a ``SelectUniqueValue`` (creation only, not for matching).
    """

    text: str
    tree: Node
    attributes: frozenset[str]
    is_redacted: bool
    is_assertive: bool
    is_unique_selection: bool
    function: Compiled

    def evaluate(self, ctx: EvaluationContext) -> Value:
        """Evaluate against a context; the raw value (datetimes and ints not yet printed).

        Raises:
            ExpressionEvaluationError: When a function fails; carries the expression text.
        """
        try:
            return self.function(ctx)
        except ExpressionEvaluationError as exc:
            if not exc.expression:
                exc.expression = self.text
            raise

    def evaluate_for(self, user: Mapping[str, Any], **options: Any) -> Value:
        """Evaluate for a directory user and return the value as it would flow (docs/entra.md
        §4.1)."""
        return to_flow(self.evaluate(EvaluationContext.for_user(user, **options)))

    @property
    def canonical(self) -> str:
        """The expression re-printed in canonical form."""
        return print_expression(self.tree)


@lru_cache(maxsize=4096)
def compile_expression(text: str) -> Expression:
    """Parse, validate and compile expression text (cached by text).

    Args:
        text: The expression, at most 10,000 characters.

    Returns:
        The compiled expression.

    Raises:
        ExpressionSyntaxError: For malformed text, unknown functions, wrong argument counts or
            a top-level-only function (``SelectUniqueValue``, ``IgnoreFlowIfNullOrEmpty``)
            used inside another expression.
    """
    tree = parse(text)
    _check_top_level(text, tree)
    nodes = walk(tree)
    calls = {node.name for node in nodes if isinstance(node, Call)}
    root_name = tree.name if isinstance(tree, Call) else ""
    return Expression(
        text=text,
        tree=tree,
        attributes=frozenset(n.name.lower() for n in nodes if isinstance(n, Attribute)),
        is_redacted="Redact" in calls,
        is_assertive=root_name in ASSERTIVE_FUNCTIONS,
        is_unique_selection=root_name == "SelectUniqueValue",
        function=compile_tree(tree),
    )


def _check_top_level(text: str, tree: Node) -> None:
    for node in walk(tree):
        if node is tree or not isinstance(node, Call):
            continue
        if LIBRARY[node.name].is_top_level_only:
            raise syntax_error(
                text, node.offset, f"{node.name} must be the whole expression, not part of one"
            )


def evaluate(text: str, user: Mapping[str, Any] | None = None, **options: Any) -> Value:
    """Compile and evaluate ``text`` for ``user``; the value as it would flow.

    Args:
        text: The expression.
        user: Directory attributes (Entra names, case-insensitive); empty if omitted.
        **options: Further :class:`EvaluationContext` fields (``clock``, ``rng``, ...).

    Returns:
        ``None``, a string, a list, or complex values (app roles).
    """
    return compile_expression(text).evaluate_for(user or {}, **options)
