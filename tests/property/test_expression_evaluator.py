"""Property: the compiled form agrees with the tree-walking interpreter, and evaluation either
returns a value or raises ExpressionEvaluationError (docs/entra.md §4)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.ast import Attribute, Node, walk
from scimitar.mapping.compiler import compile_tree
from scimitar.mapping.context import EvaluationContext, source_attributes
from scimitar.mapping.interpreter import interpret
from tests.property.expression_strategies import ATTRIBUTE_NAMES, trees

_NOW = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
values = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["True", "False", "0", "12", "2021-08-24", "8/25/2021 5:41:18 PM", ""]),
    st.booleans(),
    st.integers(min_value=-5, max_value=5),
    st.lists(st.text(max_size=4), max_size=3),
)
users = st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), values, max_size=len(ATTRIBUTE_NAMES))


def _run(
    function: Any, user: dict[str, Any], only: frozenset[str] | None = None
) -> tuple[str, Any]:
    ctx = EvaluationContext(
        source_attributes(user, only=only),
        clock=lambda: _NOW,
        rng=random.Random(1),
        regex_timeout=0.05,
    )
    try:
        return "value", function(ctx)
    except ExpressionEvaluationError as exc:
        return "error", str(exc)


@given(trees, users)
@settings(max_examples=500)
def test_compiled_matches_interpreted(tree: Node, user: dict[str, Any]) -> None:
    compiled = _run(compile_tree(tree), user)
    interpreted = _run(lambda ctx: interpret(tree, ctx), user)
    assert compiled == interpreted


@given(trees, users)
@settings(max_examples=300)
def test_only_the_attributes_read_give_the_same_value(tree: Node, user: dict[str, Any]) -> None:
    """A mapping set brings only the attributes its expressions read into the value model."""
    reads = frozenset(n.name.lower() for n in walk(tree) if isinstance(n, Attribute))
    function = compile_tree(tree)
    assert _run(function, user, only=reads) == _run(function, user)
