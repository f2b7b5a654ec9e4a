"""Tokens of the expression language (docs/entra.md §4.1: syntax).

The lexer turns expression text into a flat list of tokens. It knows attribute references
(``[name]``), double-quoted strings with backslash escapes, decimal numbers, VB hex literals
(``&HF7``), identifiers, parentheses, commas and the comparison operators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from scimitar.errors import ExpressionSyntaxError

__all__ = ["MAX_EXPRESSION_LENGTH", "Token", "TokenKind", "position", "syntax_error", "tokenize"]

#: Entra rejects longer expressions (docs/entra.md §2.3, §4.1).
MAX_EXPRESSION_LENGTH = 10_000


class TokenKind(Enum):
    """What a token is."""

    ATTRIBUTE = "attribute reference"
    STRING = "string"
    NUMBER = "number"
    HEX = "hex number"
    IDENTIFIER = "identifier"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    OPERATOR = "comparison operator"
    END = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its decoded value and its 0-based offset in the text."""

    kind: TokenKind
    value: str
    offset: int


_SIMPLE = re.compile(
    r"(?P<ws>\s+)|(?P<hex>&[Hh][0-9A-Fa-f]+)|(?P<number>-?[0-9]+)"
    r"|(?P<identifier>[A-Za-z_][A-Za-z0-9_]*)|(?P<op><>|>=|<=|=|>|<)"
    r"|(?P<punct>[(),])"
)
_PUNCT = {"(": TokenKind.LPAREN, ")": TokenKind.RPAREN, ",": TokenKind.COMMA}
_KINDS = {
    "hex": TokenKind.HEX,
    "number": TokenKind.NUMBER,
    "identifier": TokenKind.IDENTIFIER,
    "op": TokenKind.OPERATOR,
}


def position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based (line, column) of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def syntax_error(
    text: str, offset: int, message: str, expected: tuple[str, ...] = ()
) -> ExpressionSyntaxError:
    """Build an :class:`ExpressionSyntaxError` located at ``offset`` of ``text``."""
    line, column = position(text, offset)
    return ExpressionSyntaxError(
        message, expression=text, offset=offset, line=line, column=column, expected=expected
    )


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``END`` token.

    Args:
        text: The expression source.

    Returns:
        The tokens in order.

    Raises:
        ExpressionSyntaxError: On a character that starts no token, an unterminated string or
            attribute reference, or text longer than 10,000 characters (docs/entra.md §2.3).
    """
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise syntax_error(
            text,
            MAX_EXPRESSION_LENGTH,
            f"expression longer than {MAX_EXPRESSION_LENGTH} characters",
        )
    tokens: list[Token] = []
    offset = 0
    while offset < len(text):
        token, offset = _next_token(text, offset)
        if token is not None:
            tokens.append(token)
    tokens.append(Token(TokenKind.END, "", len(text)))
    return tokens


def _next_token(text: str, offset: int) -> tuple[Token | None, int]:
    char = text[offset]
    if char == '"':
        return _string(text, offset)
    if char == "[":
        return _attribute(text, offset)
    match = _SIMPLE.match(text, offset)
    if match is None or match.lastgroup is None:
        raise syntax_error(text, offset, f"unexpected character {char!r}", ("an expression",))
    group = match.lastgroup
    end = match.end()
    if group == "ws":
        return None, end
    value = match.group()
    kind = _PUNCT[value] if group == "punct" else _KINDS[group]
    return Token(kind, value, offset), end


def _string(text: str, start: int) -> tuple[Token, int]:
    # Spec §4.1: inside a string only `\` and `"` are escaped; any other backslash is kept as
    # written, so regexes like "\d" survive whether or not the admin doubled the backslash.
    parts: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return Token(TokenKind.STRING, "".join(parts), start), index + 1
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '\\"':
            parts.append(text[index + 1])
            index += 2
            continue
        parts.append(char)
        index += 1
    raise syntax_error(text, start, "unterminated string", ("closing '\"'",))


def _attribute(text: str, start: int) -> tuple[Token, int]:
    end = start + 1
    while end < len(text) and text[end] not in "[]\r\n":
        end += 1
    if end >= len(text) or text[end] != "]":
        raise syntax_error(text, start, "unterminated attribute reference", ("']'",))
    name = text[start + 1 : end].strip()
    if not name:
        raise syntax_error(text, start + 1, "empty attribute reference", ("an attribute name",))
    return Token(TokenKind.ATTRIBUTE, name, start), end + 1
