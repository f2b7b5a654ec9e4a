"""Property: printing a parsed expression and parsing it again gives the same tree (docs/entra.md
§4.1)."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scimitar.errors import ExpressionSyntaxError
from scimitar.mapping import parse, print_expression
from scimitar.mapping.ast import Node
from tests.property.expression_strategies import token_texts, trees


@given(trees)
@settings(max_examples=400)
def test_generated_tree_survives_print_and_parse(tree: Node) -> None:
    text = print_expression(tree)
    assume(len(text) <= 10_000)
    assert parse(text) == tree


@given(st.one_of(token_texts, trees.map(print_expression)))
@settings(max_examples=400)
def test_parsed_text_prints_to_an_equal_tree(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionSyntaxError:
        assume(False)
        return
    assert parse(print_expression(tree)) == tree
