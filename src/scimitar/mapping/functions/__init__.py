"""The expression function library (docs/entra.md §4.2), keyed by case-sensitive name."""

from __future__ import annotations

from scimitar.mapping.functions import (
    approles,
    collections,
    dates,
    diacritics,
    generators,
    logic,
    replace,
    text,
)
from scimitar.mapping.functions.registry import ENUMS, FunctionSpec, Param, check_call

__all__ = ["ENUMS", "LIBRARY", "FunctionSpec", "Param", "check_call"]

#: Every function of the language by name.
LIBRARY: dict[str, FunctionSpec] = {
    spec.name: spec
    for module in (text, logic, collections, dates, replace, diacritics, approles, generators)
    for spec in module.FUNCTIONS
}
