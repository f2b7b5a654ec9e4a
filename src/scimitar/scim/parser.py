"""Recursive-descent parser for SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2).

Precedence is ``not`` > ``and`` > ``or``; both binary operators associate to the left.
Operators and keywords are case-insensitive (Webex writes ``Eq``). Beyond the RFC grammar the
parser accepts ``not`` without parentheses, blanks before ``[``, ``attr[filter].sub op value``
(Entra's matching queries) and unquoted values such as GUIDs (Entra's manager reference check).
"""

from __future__ import annotations

import math
import re
from typing import NoReturn, cast

from scimitar.scim.expressions import (
    COMPARE_OPERATORS,
    And,
    AttrPath,
    CompareOp,
    Comparison,
    Filter,
    LiteralValue,
    Not,
    Or,
    Present,
    ValuePath,
)
from scimitar.scim.lexer import ErrorFactory, Token, tokenize
from scimitar.scim.urns import split_urn

__all__ = ["MAX_COMPARISONS", "MAX_LENGTH", "MAX_NESTING", "Parser"]

# Limits on one filter or path, so that parsing, evaluating and rendering it stay bounded (each
# recurses once per level of nesting and per term); docs/target.md lists them. Entra sends one
# comparison; a client asking for 100 users by id stays within all three.
MAX_LENGTH = 8192
"""The most characters a filter or path may have."""
MAX_COMPARISONS = 100
"""The most comparisons (``attr op value`` or ``attr pr``) in one filter or path."""
MAX_NESTING = 16
"""The deepest nesting of parentheses, ``not`` and value filters."""

_NAME = re.compile(r"\$ref|[A-Za-z][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_KEYWORDS = frozenset(("and", "or", "not"))
_LITERALS: dict[str, LiteralValue] = {"true": True, "false": False, "null": None}
_OPERATOR_HINT = "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr"
_VALUE_HINT = "a value: a JSON string in double quotes, a number, true, false or null"


class Parser:
    """Parses one filter or path text; raises ``error`` with the position on failure."""

    def __init__(self, text: str, error: ErrorFactory, what: str) -> None:
        if len(text) > MAX_LENGTH:
            raise error(
                f"Invalid {what}: it has {len(text)} characters, more than the {MAX_LENGTH} "
                f"allowed; split the request into smaller ones."
            )
        self.text = text
        self.error = error
        self.what = what
        self.tokens = tokenize(text, error, what)
        self.index = 0
        self.in_brackets = False
        self.nesting = 0
        self.comparisons = 0

    # -- token helpers -------------------------------------------------------------------

    @property
    def current(self) -> Token:
        """The token under the cursor."""
        return self.tokens[self.index]

    def advance(self) -> Token:
        """Consume and return the current token."""
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def is_keyword(self, word: str) -> bool:
        """Whether the current token is the keyword ``word`` (case-insensitive)."""
        token = self.current
        return token.kind == "word" and token.text.lower() == word

    def fail(self, expected: str, token: Token | None = None) -> NoReturn:
        """Raise the parser's error: what was expected, where, and what was found."""
        token = token or self.current
        found = "the end of the text" if token.kind == "end" else repr(token.text)
        raise self.error(
            f"Invalid {self.what} at position {token.pos}: expected {expected} but found "
            f"{found}. {self.what.capitalize()}: {self.text}"
        )

    def enter(self) -> None:
        """One level deeper (a parenthesis, ``not`` or a value filter), within the limit."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(
                f"Invalid {self.what} at position {self.current.pos}: parentheses, not and "
                f"value filters are nested more than {MAX_NESTING} levels deep; simplify the "
                f"{self.what}."
            )

    def count_comparison(self) -> None:
        """One more comparison, within the limit."""
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise self.error(
                f"Invalid {self.what}: it has more than {MAX_COMPARISONS} comparisons; "
                f"split the request into smaller ones."
            )

    def expect(self, kind: str, expected: str) -> Token:
        """Consume a token of ``kind`` or fail."""
        if self.current.kind != kind:
            self.fail(expected)
        return self.advance()

    # -- filters -------------------------------------------------------------------------

    def parse_filter(self) -> Filter:
        """Parse the whole text as a filter."""
        result = self.parse_or()
        if self.current.kind != "end":
            self.fail('"and", "or" or the end of the filter')
        return result

    def parse_or(self) -> Filter:
        """``and-expression *("or" and-expression)``."""
        left = self.parse_and()
        while self.is_keyword("or"):
            self.advance()
            left = Or(left, self.parse_and())
        return left

    def parse_and(self) -> Filter:
        """``unary *("and" unary)``."""
        left = self.parse_not()
        while self.is_keyword("and"):
            self.advance()
            left = And(left, self.parse_not())
        return left

    def parse_not(self) -> Filter:
        """``"not" unary / primary``."""
        if self.is_keyword("not"):
            self.advance()
            self.enter()
            operand = self.parse_not()
            self.nesting -= 1
            return Not(operand)
        return self.parse_primary()

    def parse_primary(self) -> Filter:
        """``"(" filter ")" / attribute expression / value path``."""
        if self.current.kind == "(":
            self.advance()
            self.enter()
            inner = self.parse_or()
            self.expect(")", '")" to close the parenthesis')
            self.nesting -= 1
            return inner
        if self.current.kind != "word" or self.current.text.lower() in _KEYWORDS:
            self.fail('an attribute name, "not" or "("')
        path = self.parse_attr_path(self.advance())
        if self.tokens[self.index].kind == "[":
            return self.parse_value_path(path)
        return self.parse_comparison(path)

    def parse_value_path(self, path: AttrPath) -> Filter:
        """``attr "[" valFilter "]"``, optionally followed by ``.sub op value``."""
        bracket = self.advance()
        if self.in_brackets:
            self.fail("a comparison operator (value filters cannot be nested)", bracket)
        if path.sub is not None:
            self.fail(f'"[" directly after an attribute name, not after {path}', bracket)
        inner = self.parse_bracket_filter()
        sub = self.parse_trailing_sub()
        if sub is None:
            return ValuePath(path, inner)
        return ValuePath(path, And(inner, self.parse_comparison(AttrPath(sub))))

    def parse_bracket_filter(self) -> Filter:
        """The filter between ``[`` and ``]`` (the ``[`` already consumed)."""
        self.in_brackets = True
        self.enter()
        try:
            inner = self.parse_or()
        finally:
            self.in_brackets = False
            self.nesting -= 1
        self.expect("]", '"]" to close the value filter')
        return inner

    def parse_trailing_sub(self) -> str | None:
        """A ``.sub`` right after ``]``, or None."""
        token = self.current
        if token.kind != "word" or not token.text.startswith("."):
            return None
        self.advance()
        name = token.text[1:]
        if not _NAME.fullmatch(name):
            self.fail("a sub-attribute name after the dot", token)
        return name

    def parse_comparison(self, path: AttrPath) -> Filter:
        """``path "pr"`` or ``path op value``."""
        token = self.current
        op = token.text.lower() if token.kind == "word" else ""
        self.count_comparison()
        if op == "pr":
            self.advance()
            return Present(path)
        if op not in COMPARE_OPERATORS:
            self.fail(f"{_OPERATOR_HINT} after {path}")
        self.advance()
        return Comparison(path, cast(CompareOp, op), self.parse_value())

    def parse_value(self) -> LiteralValue:
        """A comparison value: JSON string, number, true/false/null, or an unquoted word."""
        token = self.current
        if token.kind == "string":
            self.advance()
            return token.value
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            self.fail(_VALUE_HINT)
        self.advance()
        lowered = token.text.lower()
        if lowered in _LITERALS:
            return _LITERALS[lowered]
        try:
            return _number(token.text)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            self.fail("a number of at most 4300 digits", token)

    # -- attribute paths -----------------------------------------------------------------

    def parse_attr_path(self, token: Token) -> AttrPath:
        """Parse ``[urn:]attr[.sub]`` from one word token."""
        urn, rest = split_urn(token.text)
        attr, dot, sub = rest.partition(".")
        if not _NAME.fullmatch(attr):
            self.fail("an attribute name (a letter followed by letters, digits, - or _)", token)
        if dot and not _NAME.fullmatch(sub):
            self.fail(f"one sub-attribute name after {attr}.", token)
        return AttrPath(attr, sub if dot else None, urn)


def _number(text: str) -> LiteralValue:
    """A JSON number, or the word itself (Entra sends unquoted ids such as GUIDs)."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return text
    if match.group(1) is None and match.group(2) is None:
        return int(text)
    number = float(text)
    return text if math.isinf(number) else number
