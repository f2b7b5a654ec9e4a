"""Property: any text either parses or raises ExpressionSyntaxError, nothing else (docs/entra.md
§4.1)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.errors import ExpressionSyntaxError
from scimitar.mapping import compile_expression, print_expression
from tests.property.expression_strategies import token_texts, trees
from tests.property.hostile_strategies import FUZZ, odd_characters, repeated, wrapped


def _parses_or_syntax_error(text: str) -> None:
    error: ExpressionSyntaxError | None = None
    try:
        compile_expression(text)
    except ExpressionSyntaxError as exc:
        error = exc
    if error is not None:
        assert 1 <= error.line <= text.count("\n") + 1
        assert error.column >= 1
        assert 0 <= error.offset <= len(text)
        assert error.expression == text


@given(st.text(max_size=200))
@settings(max_examples=500)
def test_arbitrary_text(text: str) -> None:
    _parses_or_syntax_error(text)


@given(token_texts)
@settings(max_examples=500)
def test_token_soup(text: str) -> None:
    _parses_or_syntax_error(text)


@given(trees.map(print_expression), st.integers(min_value=0, max_value=200), st.text(max_size=3))
@settings(max_examples=300)
def test_mutated_valid_expression(text: str, position: int, insert: str) -> None:
    cut = position % (len(text) + 1)
    _parses_or_syntax_error(text[:cut] + insert + text[cut + 1 :])


hostile_expressions = st.one_of(
    wrapped(["ToUpper(", "Not(", "(", "IIF([a], ", 'Join(",", '], [")", ", 1)"], st.just("[a]")),
    repeated(st.sampled_from(["[a]", '"x"', "1", "Trim([b])"]), [", ", " & ", ""]).map(
        lambda inner: f'Join(",", {inner})'
    ),
    st.builds(lambda a, odd, b: a + odd + b, token_texts, odd_characters, token_texts),
)


@given(hostile_expressions)
@FUZZ
def test_hostile_structure_parses_or_raises_syntax_error_quickly(text: str) -> None:
    _parses_or_syntax_error(text)
