"""Recursive-descent parser for the expression language (docs/entra.md §4.1).

Grammar::

    expression := operand [ OPERATOR operand ]
    operand    := ATTRIBUTE | STRING | NUMBER | HEX | IDENTIFIER [ "(" arguments ")" ]
    arguments  := <nothing> | slot { "," slot }
    slot       := <nothing> | expression

A slot left empty is an omitted optional parameter. Function names and argument counts are
checked against the function library here, so a bad expression fails when it is saved, not
when the first user flows through it.
"""

from __future__ import annotations

from scimitar.errors import ExpressionSyntaxError
from scimitar.mapping.ast import Attribute, Call, Comparison, Identifier, Node, Number, String
from scimitar.mapping.functions import ENUMS, LIBRARY, check_call
from scimitar.mapping.lexer import Token, TokenKind, syntax_error, tokenize

__all__ = ["MAX_NESTING", "parse"]

#: Deepest allowed nesting of calls; keeps the parser's recursion bounded on hostile input.
MAX_NESTING = 64

_MAX_DIGITS = 1000
_OPERAND_START = ("an attribute reference", "a string", "a number", "a function call")


def parse(text: str) -> Node:
    """Parse expression text into a tree.

    Args:
        text: The expression, at most 10,000 characters (docs/entra.md §2.3).

    Returns:
        The root node.

    Raises:
        ExpressionSyntaxError: With line, column and what was expected, for malformed text,
            unknown functions or identifiers, and wrong argument counts.
    """
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = tokenize(text)
        self._index = 0
        self._depth = 0

    def parse(self) -> Node:
        if self._peek().kind is TokenKind.END:
            raise self._error(self._peek(), "empty expression", _OPERAND_START)
        node = self._expression()
        token = self._peek()
        if token.kind is not TokenKind.END:
            raise self._error(token, f"unexpected {_describe(token)}", ("end of expression",))
        return node

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _advance(self) -> Token:
        token = self._tokens[self._index]
        self._index += 1
        return token

    def _error(
        self, token: Token, message: str, expected: tuple[str, ...] = ()
    ) -> ExpressionSyntaxError:
        return syntax_error(self._text, token.offset, message, expected)

    def _expression(self) -> Node:
        left = self._operand()
        if self._peek().kind is not TokenKind.OPERATOR:
            return left
        operator = self._advance()
        right = self._operand()
        if self._peek().kind is TokenKind.OPERATOR:
            # Spec §4.1 has no AND/OR and no chained comparisons: nest IIF instead.
            raise self._error(self._peek(), "comparisons cannot be chained", ("',' or ')'",))
        return Comparison(operator.value, left, right, offset=operator.offset)

    def _operand(self) -> Node:
        token = self._advance()
        kind = token.kind
        if kind is TokenKind.ATTRIBUTE:
            return Attribute(token.value, offset=token.offset)
        if kind is TokenKind.STRING:
            return String(token.value, offset=token.offset)
        if kind is TokenKind.NUMBER:
            if len(token.value) > _MAX_DIGITS:  # beyond what int() converts, and any value
                raise self._error(token, f"a number of more than {_MAX_DIGITS} digits")
            return Number(int(token.value), offset=token.offset)
        if kind is TokenKind.HEX:
            return Number(int(token.value[2:], 16), is_hex=True, offset=token.offset)
        if kind is TokenKind.IDENTIFIER:
            if self._peek().kind is TokenKind.LPAREN:
                return self._call(token)
            return self._identifier(token)
        raise self._error(token, f"unexpected {_describe(token)}", _OPERAND_START)

    def _identifier(self, token: Token) -> Identifier:
        if token.value in ENUMS:
            return Identifier(token.value, offset=token.offset)
        if token.value in LIBRARY:
            raise self._error(self._peek(), f"function {token.value} needs its arguments", ("'('",))
        raise self._error(token, f"unknown identifier {token.value!r}", tuple(sorted(ENUMS)))

    def _call(self, name: Token) -> Call:
        spec = LIBRARY.get(name.value)
        if spec is None:
            raise self._error(name, _unknown_function(name.value), ("a function name",))
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise self._error(name, f"functions nested deeper than {MAX_NESTING} levels")
        self._advance()  # "("
        args = self._arguments()
        self._depth -= 1
        call = Call(name.value, tuple(args), offset=name.offset)
        problem = check_call(spec, call)
        if problem is not None:
            offset, message = problem
            raise syntax_error(self._text, offset, message)
        return call

    def _arguments(self) -> list[Node | None]:
        if self._peek().kind is TokenKind.RPAREN:
            self._advance()
            return []
        args: list[Node | None] = []
        while True:
            kind = self._peek().kind
            args.append(None if kind in (TokenKind.COMMA, TokenKind.RPAREN) else self._expression())
            token = self._advance()
            if token.kind is TokenKind.RPAREN:
                return args
            if token.kind is not TokenKind.COMMA:
                raise self._error(token, f"unexpected {_describe(token)}", ("','", "')'"))


def _describe(token: Token) -> str:
    if token.kind is TokenKind.END:
        return "end of expression"
    return f"{token.kind.value} {token.value!r}"


def _unknown_function(name: str) -> str:
    matches = [known for known in LIBRARY if known.lower() == name.lower()]
    hint = f"; function names are case-sensitive: did you mean {matches[0]}?" if matches else ""
    return f"unknown function {name!r}{hint}"
