"""String functions (docs/entra.md §4.2): Append, Prepend, Left, Mid, StripSpaces, ToLower, ToUpper,
PCase, Word, InStr, CStr, ConvertToBase64, ConvertToUTF8Hex.

A null source yields null unless the spec says otherwise (``Left``, ``Word`` → ``""``), so an
absent attribute keeps flowing as "no value" and is not sent.
"""

from __future__ import annotations

import base64
import re
import unicodedata

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions.registry import ENUMS, FunctionSpec, Param
from scimitar.mapping.values import MISSING, Value, to_int, to_text

__all__ = ["FUNCTIONS"]

_DOTLESS_I = "\u0131"
_APOSTROPHES = "'\u2019"


def _append(ctx: EvaluationContext, source: Value, suffix: Value) -> Value:
    text = to_text(source, "Append")
    return None if text is None else text + (to_text(suffix, "Append") or "")


def _prepend(ctx: EvaluationContext, prefix: Value, source: Value) -> Value:
    text = to_text(source, "Prepend")
    return None if text is None else (to_text(prefix, "Prepend") or "") + text


def _left(ctx: EvaluationContext, source: Value, count: Value) -> Value:
    text = to_text(source, "Left")
    if text is None:
        return ""
    length = to_int(count, "Left", "numChars")
    return text if length < 0 else text[:length]


def _mid(ctx: EvaluationContext, source: Value, start: Value, length: Value) -> Value:
    text = to_text(source, "Mid")
    if text is None:
        return None
    begin = to_int(start, "Mid", "start")
    size = to_int(length, "Mid", "length")
    if begin < 1 or size < 0:
        raise ExpressionEvaluationError("start must be ≥ 1 and length ≥ 0", function="Mid")
    return text[begin - 1 : begin - 1 + size]


def _strip_spaces(ctx: EvaluationContext, source: Value) -> Value:
    text = to_text(source, "StripSpaces")
    return None if text is None else text.replace(" ", "")


def _is_turkic(culture: Value) -> bool:
    name = to_text(culture) if culture is not MISSING else None
    return bool(name) and (name or "").lower().split("-")[0] in ("tr", "az")


def _to_lower(ctx: EvaluationContext, source: Value, culture: Value = MISSING) -> Value:
    text = to_text(source, "ToLower")
    if text is None:
        return None
    if _is_turkic(culture):
        text = text.replace("I", _DOTLESS_I).replace("\u0130", "i")
    return text.lower()


def _to_upper(ctx: EvaluationContext, source: Value, culture: Value = MISSING) -> Value:
    text = to_text(source, "ToUpper")
    if text is None:
        return None
    if _is_turkic(culture):
        text = text.replace("i", "\u0130").replace(_DOTLESS_I, "I")
    return text.upper()


def _is_word_char(char: str) -> bool:
    # .NET TextInfo.ToTitleCase: letters, marks and digits continue a word, and so does an
    # apostrophe ("o'neil" → "O'neil").
    return char in _APOSTROPHES or unicodedata.category(char)[0] in "LMN"


def _pcase(ctx: EvaluationContext, source: Value, separators: Value = MISSING) -> Value:
    text = to_text(source, "PCase")
    if text is None:
        return None
    custom = to_text(separators, "PCase") if separators is not MISSING else None
    result: list[str] = []
    at_word_start = True
    for char in text.lower():
        is_separator = char in custom if custom else not _is_word_char(char)
        result.append(char.upper() if at_word_start and not is_separator else char)
        at_word_start = is_separator
    return "".join(result)


def _word(ctx: EvaluationContext, source: Value, number: Value, delimiters: Value) -> Value:
    text = to_text(source, "Word")
    index = to_int(number, "Word", "wordNumber")
    if text is None or index < 1:
        return ""
    separators = to_text(delimiters, "Word") or ""
    pieces = re.split(f"[{re.escape(separators)}]", text) if separators else [text]
    words = [piece for piece in pieces if piece]
    return words[index - 1] if index <= len(words) else ""


def _instr(
    ctx: EvaluationContext,
    value1: Value,
    value2: Value,
    start: Value = MISSING,
    compare: Value = MISSING,
) -> Value:
    haystack, needle = to_text(value1, "InStr"), to_text(value2, "InStr")
    if haystack is None or needle is None:
        return None
    begin = 1 if start is MISSING else to_int(start, "InStr", "start")
    if begin < 1:
        raise ExpressionEvaluationError("start must be ≥ 1", function="InStr")
    if compare is not MISSING and to_int(compare, "InStr", "compareType") == ENUMS["vbTextCompare"]:
        haystack, needle = haystack.casefold(), needle.casefold()
    return haystack.find(needle, begin - 1) + 1


def _cstr(ctx: EvaluationContext, value: Value) -> Value:
    return to_text(value, "CStr")


def _base64(ctx: EvaluationContext, source: Value) -> Value:
    text = to_text(source, "ConvertToBase64")
    return None if text is None else base64.b64encode(text.encode("utf-16-le")).decode("ascii")


def _utf8_hex(ctx: EvaluationContext, source: Value) -> Value:
    text = to_text(source, "ConvertToUTF8Hex")
    return None if text is None else text.encode("utf-8").hex().upper()


_SOURCE = Param("source", description="the value to transform")
_CULTURE = Param("culture", required=False, description="RFC 4646 culture name, e.g. tr-TR")

FUNCTIONS = (
    FunctionSpec(
        "Append",
        (_SOURCE, Param("suffix")),
        "Source followed by suffix.",
        _append,
        examples=(('Append("John.Doe@contoso.com", ".test")', "John.Doe@contoso.com.test"),),
    ),
    FunctionSpec("Prepend", (Param("prefix"), _SOURCE), "Prefix followed by source.", _prepend),
    FunctionSpec(
        "Left",
        (Param("string"), Param("numChars")),
        "First numChars characters; 0 → empty, negative → whole string, null → empty.",
        _left,
        examples=(('Left("John Doe", 3)', "Joh"),),
    ),
    FunctionSpec(
        "Mid",
        (_SOURCE, Param("start"), Param("length")),
        "Substring from 1-based start, at most length characters.",
        _mid,
        examples=(('Mid("John.Doe@contoso.com", 1, 8)', "John.Doe"),),
    ),
    FunctionSpec("StripSpaces", (_SOURCE,), 'Removes every space (" ") character.', _strip_spaces),
    FunctionSpec(
        "ToLower", (_SOURCE, _CULTURE), "Lower case (invariant culture by default).", _to_lower
    ),
    FunctionSpec(
        "ToUpper", (_SOURCE, _CULTURE), "Upper case (invariant culture by default).", _to_upper
    ),
    FunctionSpec(
        "PCase",
        (_SOURCE, Param("wordSeparators", required=False)),
        "Title case; without separators, .NET ToTitleCase word rules.",
        _pcase,
        examples=(('PCase("PINTO-DE\'SILVA", " \'-")', "Pinto-De'Silva"),),
    ),
    FunctionSpec(
        "Word",
        (Param("string"), Param("wordNumber"), Param("delimiters")),
        "The n-th word (1-based) split on any delimiter character; empty if absent.",
        _word,
        examples=(('Word("The quick brown fox", 3, " ")', "brown"),),
    ),
    FunctionSpec(
        "InStr",
        (
            Param("value1"),
            Param("value2"),
            Param("start", required=False),
            Param("compareType", required=False),
        ),
        "1-based position of value2 in value1, 0 if absent (vbTextCompare ignores case).",
        _instr,
        examples=(('InStr("repEated", "e", 3, vbBinaryCompare)', "7"),),
    ),
    FunctionSpec("CStr", (Param("value"),), "The value as a string.", _cstr),
    FunctionSpec(
        "ConvertToBase64",
        (_SOURCE,),
        "Base64 of the UTF-16LE bytes.",
        _base64,
        examples=(('ConvertToBase64("Hello world!")', "SABlAGwAbABvACAAdwBvAHIAbABkACEA"),),
    ),
    FunctionSpec(
        "ConvertToUTF8Hex",
        (_SOURCE,),
        "Upper-case hex of the UTF-8 bytes.",
        _utf8_hex,
        examples=(('ConvertToUTF8Hex("Hello world!")', "48656C6C6F20776F726C6421"),),
    ),
)
