"""``NormalizeDiacritics`` (docs/entra.md §4.2): fold accented characters per Entra's table."""

from __future__ import annotations

from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions.registry import FunctionSpec, Param
from scimitar.mapping.values import Value, to_text

__all__ = ["FUNCTIONS", "normalize_diacritics"]

# Spec §4.2 table, lower case; upper case is derived below.
_FOLDS = {
    "a": "äàâãåáąăā",
    "ae": "æ",
    "c": "çčć",
    "d": "ď",
    "e": "ëèéêęěėē",
    "g": "ğ",
    "i": "ïîìíıī",
    "l": "ľł",
    "n": "ñńň",
    "o": "öòőõôóō",
    "oe": "øœ",
    "r": "ř",
    "ss": "ß",
    "s": "šśșş",
    "t": "ťț",
    "u": "üùûúůűū",
    "y": "ÿýȳ",
    "z": "źžż",
}


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for plain, accented in _FOLDS.items():
        for char in accented:
            table[ord(char)] = plain
            upper = char.upper()
            if len(upper) == 1 and upper != char:
                table[ord(upper)] = plain.upper()
    table[ord("\u0304")] = ""  # the macron of the table's "œ̄"
    return table


_TABLE = _table()


def normalize_diacritics(text: str) -> str:
    """Fold the accented characters of Entra's table; other characters are unchanged."""
    return text.translate(_TABLE)


def _normalize(ctx: EvaluationContext, source: Value) -> Value:
    text = to_text(source, "NormalizeDiacritics")
    return None if text is None else normalize_diacritics(text)


FUNCTIONS = (
    FunctionSpec(
        "NormalizeDiacritics",
        (Param("source"),),
        "Folds accented characters: ä → a, æ → ae, ø → oe, ß → ss, ł → l, … "
        "(Entra's table; other characters are kept).",
        _normalize,
        examples=(('NormalizeDiacritics("Zoë")', "Zoe"),),
    ),
)
