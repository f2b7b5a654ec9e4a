"""Tokens for SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2).

A word is any run of characters other than blanks, brackets, parentheses and double quotes;
the parser decides whether it is an attribute path, an operator, a keyword or a literal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from scimitar.scim.errors import SCIMError

__all__ = ["ErrorFactory", "Token", "TokenKind", "tokenize"]

ErrorFactory: TypeAlias = Callable[[str], SCIMError]
TokenKind = Literal["(", ")", "[", "]", "word", "string", "end"]

_PUNCTUATION = frozenset("()[]")
_WORD_STOP = frozenset('()[]" \t\r\n')
_BLANKS = frozenset(" \t\r\n")
# strict=False: a raw control character inside a string is tolerated rather than fatal.
_DECODER = json.JSONDecoder(strict=False)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, source text, 0-based position and (for strings) decoded value."""

    kind: TokenKind
    text: str
    pos: int
    value: str = ""


def tokenize(text: str, error: ErrorFactory, what: str) -> list[Token]:
    """Split filter or path text into tokens, ending with an ``end`` token.

    Args:
        text: The filter or path text.
        error: Builds the error to raise (InvalidFilterError or InvalidPathError).
        what: ``"filter"`` or ``"path"``, used in messages.

    Returns:
        The tokens in order.

    Raises:
        SCIMError: An unterminated or malformed JSON string.
    """
    if not _is_unicode(text):
        raise error(
            f"Invalid {what}: it holds a lone surrogate (not Unicode text); send the "
            f"{what} as valid UTF-8."
        )
    tokens: list[Token] = []
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch in _BLANKS:
            i += 1
        elif ch in _PUNCTUATION:
            tokens.append(Token(ch, ch, i))  # type: ignore[arg-type]
            i += 1
        elif ch == '"':
            i = _string(text, i, tokens, error, what)
        else:
            start = i
            while i < size and text[i] not in _WORD_STOP:
                i += 1
            tokens.append(Token("word", text[start:i], start))
    tokens.append(Token("end", "", size))
    return tokens


def _string(text: str, start: int, tokens: list[Token], error: ErrorFactory, what: str) -> int:
    i, size = start + 1, len(text)
    while i < size and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    if i >= size:
        raise error(
            f"Invalid {what} at position {start}: the string starting there is never closed; "
            f"end it with a double quote. {what.capitalize()}: {text}"
        )
    raw = text[start : i + 1]
    try:
        value = _DECODER.decode(raw)
    except json.JSONDecodeError as exc:
        raise error(
            f"Invalid {what} at position {start}: {raw} is not a valid JSON string ({exc.msg}); "
            f"escape backslashes and quotes as in JSON. {what.capitalize()}: {text}"
        ) from exc
    if "\\u" in raw and not _is_unicode(value):
        raise error(
            f"Invalid {what} at position {start}: {raw} escapes a lone surrogate, which is no "
            f"Unicode text; escape a character outside the BMP as a surrogate pair. "
            f"{what.capitalize()}: {text}"
        )
    tokens.append(Token("string", raw, start, value))
    return i + 1


def _is_unicode(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
