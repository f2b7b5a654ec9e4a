"""The syntax of docs/entra.md §4.1: parsing, canonical printing and syntax errors."""

from __future__ import annotations

import pytest

from scimitar.errors import ExpressionSyntaxError
from scimitar.mapping import compile_expression, parse, print_expression
from scimitar.mapping.ast import Attribute, Call, Comparison, Identifier, Number, String
from scimitar.mapping.lexer import MAX_EXPRESSION_LENGTH
from scimitar.mapping.parser import MAX_NESTING


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        pytest.param("[mail]", Attribute("mail"), id="attribute"),
        pytest.param(
            "[ extension_abc_costCenter ]",
            Attribute("extension_abc_costCenter"),
            id="attribute-spaces",
        ),
        pytest.param(
            '"Company name: \\"Contoso\\""', String('Company name: "Contoso"'), id="escaped-quote"
        ),
        pytest.param('"\\\\+(?<isd>\\\\d* )"', String("\\+(?<isd>\\d* )"), id="escaped-backslash"),
        pytest.param('"\\d"', String("\\d"), id="lone-backslash-kept"),
        pytest.param("-10", Number(-10), id="negative-number"),
        pytest.param("&HF7", Number(0xF7, is_hex=True), id="hex"),
        pytest.param("&hff", Number(255, is_hex=True), id="hex-lower"),
        pytest.param("Now()", Call("Now", ()), id="no-arguments"),
        pytest.param(
            'Replace([x], "-", , , "_", , )',
            Call("Replace", (Attribute("x"), String("-"), None, None, String("_"), None, None)),
            id="empty-optional-slots",
        ),
        pytest.param(
            'Switch([x], , "a", "b")',
            Call("Switch", (Attribute("x"), None, String("a"), String("b"))),
            id="empty-default",
        ),
        pytest.param(
            'InStr("a", "b", 1, vbTextCompare)',
            Call("InStr", (String("a"), String("b"), Number(1), Identifier("vbTextCompare"))),
            id="enum-identifier",
        ),
        pytest.param(
            'IIF([a] <> [b], "x", "y")',
            Call(
                "IIF", (Comparison("<>", Attribute("a"), Attribute("b")), String("x"), String("y"))
            ),
            id="comparison-in-condition",
        ),
        pytest.param(
            "CBool([a]>=2)", Call("CBool", (Comparison(">=", Attribute("a"), Number(2)),)), id="ge"
        ),
        pytest.param(
            'Join(" ",\n  [givenName],\n  [surname])',
            Call("Join", (String(" "), Attribute("givenName"), Attribute("surname"))),
            id="multiline",
        ),
    ],
)
def test_parses_to_tree(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param('Replace([x],"-",,,"_",,)', 'Replace([x], "-", , , "_", ,)', id="replace"),
        pytest.param("BitAnd(&HF, &HF7)", "BitAnd(&HF, &HF7)", id="hex-kept"),
        pytest.param('IIF([a]="b","c","d")', 'IIF([a] = "b", "c", "d")', id="comparison"),
        pytest.param('"a\\"b\\\\c"', '"a\\"b\\\\c"', id="escapes"),
    ],
)
def test_prints_canonical_text(text: str, canonical: str) -> None:
    assert print_expression(parse(text)) == canonical
    assert parse(canonical) == parse(text)


@pytest.mark.parametrize(
    ("text", "line", "column", "needle"),
    [
        pytest.param("", 1, 1, "empty expression", id="empty"),
        pytest.param('Append([a], "x"', 1, 16, "unexpected end of expression", id="missing-paren"),
        pytest.param('Append([a] "x")', 1, 12, "unexpected string", id="missing-comma"),
        pytest.param('"abc', 1, 1, "unterminated string", id="unterminated-string"),
        pytest.param("[abc", 1, 1, "unterminated attribute", id="unterminated-attribute"),
        pytest.param("[]", 1, 2, "empty attribute", id="empty-attribute"),
        pytest.param("Foo([a])", 1, 1, "unknown function 'Foo'", id="unknown-function"),
        pytest.param('join(",", [a])', 1, 1, "did you mean Join", id="case-sensitive-name"),
        pytest.param("Left([a])", 1, 1, "Left takes 2 arguments, got 1", id="too-few"),
        pytest.param("Left([a], 1, 2)", 1, 1, "Left takes 2 arguments, got 3", id="too-many"),
        pytest.param("Left(, 1)", 1, 1, "argument 1 (string) is required", id="empty-required"),
        pytest.param('Switch([a], "d", "k")', 1, 1, "keys and values in pairs", id="switch-odd"),
        pytest.param(
            "SelectUniqueValue([a])", 1, 1, "at least 2 rule", id="select-unique-one-rule"
        ),
        pytest.param("Coalesce()", 1, 1, "Coalesce got 0 arguments", id="coalesce-empty"),
        pytest.param("[a] = [b] = [c]", 1, 11, "cannot be chained", id="chained-comparison"),
        pytest.param("vbTextCompar", 1, 1, "unknown identifier", id="unknown-identifier"),
        pytest.param("Append", 1, 7, "needs its arguments", id="function-without-parens"),
        pytest.param("[a] [b]", 1, 5, "unexpected attribute reference", id="trailing"),
        pytest.param("Append([a],\n  @)", 2, 3, "unexpected character '@'", id="second-line"),
        pytest.param(
            'Replace([a], "x", "y", , "z", , )', 1, 1, "exactly one of oldValue", id="replace-both"
        ),
        pytest.param(
            'Replace([a], "x", , , , , )',
            1,
            1,
            "exactly one of replacementValue",
            id="replace-no-output",
        ),
        pytest.param(
            'Replace([a], , "(", , "z", , )', 1, 16, "invalid regular expression", id="bad-regex"
        ),
        pytest.param(
            'Replace([a], "x", , "g", "z", , )',
            1,
            1,
            "regexGroupName needs",
            id="group-without-regex",
        ),
        pytest.param('DateAdd("week", 1, Now())', 1, 9, "unknown interval", id="bad-interval"),
    ],
)
def test_syntax_error_carries_position_and_reason(
    text: str, line: int, column: int, needle: str
) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert needle in str(error)
    assert error.expression == text


def test_syntax_error_says_what_was_expected() -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse('Append([a], "x"')
    assert caught.value.expected == ("','", "')'")


def test_expression_longer_than_10000_characters_is_rejected() -> None:
    exact = '"' + "a" * (MAX_EXPRESSION_LENGTH - 2) + '"'
    assert parse(exact) == String("a" * (MAX_EXPRESSION_LENGTH - 2))
    with pytest.raises(ExpressionSyntaxError, match="longer than 10000"):
        parse(exact + " ")


def test_nesting_is_bounded() -> None:
    deep = "Not(" * (MAX_NESTING + 1) + '"True"' + ")" * (MAX_NESTING + 1)
    with pytest.raises(ExpressionSyntaxError, match="nested deeper"):
        parse(deep)
    allowed = "Not(" * MAX_NESTING + '"True"' + ")" * MAX_NESTING
    assert isinstance(parse(allowed), Call)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('Append(SelectUniqueValue([a], [b]), "x")', id="select-unique"),
        pytest.param('Join(",", IgnoreFlowIfNullOrEmpty([a]))', id="ignore-flow"),
    ],
)
def test_top_level_only_functions_are_rejected_when_nested(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match="must be the whole expression"):
        compile_expression(text)
