"""Attribute mappings, the expression language and scoping filters (docs/entra.md §2.2, §2.3, §4,
§5).

Pure: no database, no network, no I/O.
"""

from __future__ import annotations

from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.expression import Expression, compile_expression, evaluate
from scimitar.mapping.functions import LIBRARY
from scimitar.mapping.parser import parse
from scimitar.mapping.printer import print_expression

__all__ = [
    "LIBRARY",
    "EvaluationContext",
    "Expression",
    "compile_expression",
    "evaluate",
    "parse",
    "print_expression",
]
