"""The operators of scoping clauses (docs/entra.md §5) and their null and case rules.

Every operator is false on a null or empty attribute except ``IS NULL``; a multi-valued value
(which Entra cannot scope on) is treated the same way. Text comparisons are case-sensitive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scimitar.errors import ConfigError
from scimitar.mapping.regexes import compile_pattern

__all__ = ["OPERATORS", "ScopingOperator", "operator_named"]

_Test = Callable[[str, str, float], bool]


@dataclass(frozen=True, slots=True)
class ScopingOperator:
    """A scoping operator.

    Attributes:
        name: Entra's name (``EQUALS``, ``REGEX MATCH``, ``Greater_Than``, ...).
        is_binary: Whether the clause carries a value.
        summary: One line for docs and the CLI.
    """

    name: str
    is_binary: bool
    summary: str
    _test: _Test | None = None
    _is_integer: bool = False
    _is_regex: bool = False

    def test(self, value: Any, operand: str | None, timeout: float) -> bool:
        """Apply the operator to an attribute value.

        Raises:
            TimeoutError: If a regular expression runs past ``timeout`` seconds.
        """
        text = _single_text(value)
        if self._test is None:  # IS NULL / IS NOT NULL
            return (text is None) == (self.name == "IS NULL")
        if text is None:
            return False
        return self._test(text, operand or "", timeout)

    def check_value(self, operand: str | None) -> str | None:
        """Why ``operand`` does not suit this operator, or ``None`` if it does."""
        if not self.is_binary:
            return None if operand is None else f"{self.name} takes no value"
        if operand is None:
            return f"{self.name} needs a value"
        if self._is_integer and _integer(operand) is None:
            return f"{self.name} compares integers; {operand!r} is not one"
        if self._is_regex:
            try:
                compile_pattern(operand)
            except ValueError as exc:
                return str(exc)
        return None


def _single_text(value: Any) -> str | None:
    if value is None or isinstance(value, list | dict) or value == "":
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _integer(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _compare_integers(value: str, operand: str, is_strict: bool) -> bool:
    left, right = _integer(value), _integer(operand)
    if left is None or right is None:
        return False
    return left > right if is_strict else left >= right


def _regex(value: str, operand: str, timeout: float) -> bool:
    return compile_pattern(operand).search(value, timeout=timeout) is not None


OPERATORS: tuple[ScopingOperator, ...] = (
    ScopingOperator(
        "&", True, "The attribute value occurs in the given text.", lambda v, o, _: v in o
    ),
    ScopingOperator(
        "!&",
        True,
        "The attribute value does not occur in the given text.",
        lambda v, o, _: v not in o,
    ),
    ScopingOperator(
        "ENDS_WITH",
        True,
        "The value ends with the given text (case-sensitive).",
        lambda v, o, _: v.endswith(o),
    ),
    ScopingOperator(
        "EQUALS", True, "The value equals the given text (case-sensitive).", lambda v, o, _: v == o
    ),
    ScopingOperator(
        "NOT EQUALS",
        True,
        "The value differs from the given text (case-sensitive).",
        lambda v, o, _: v != o,
    ),
    ScopingOperator(
        "Greater_Than",
        True,
        "Integer value greater than the given integer.",
        lambda v, o, _: _compare_integers(v, o, True),
        _is_integer=True,
    ),
    ScopingOperator(
        "Greater_Than_OR_EQUALS",
        True,
        "Integer value ≥ the given integer.",
        lambda v, o, _: _compare_integers(v, o, False),
        _is_integer=True,
    ),
    ScopingOperator(
        "Includes",
        True,
        "The value contains the given text (case-sensitive).",
        lambda v, o, _: o in v,
    ),
    ScopingOperator(
        "IS TRUE", False, "Boolean attribute is true.", lambda v, o, _: v.lower() == "true"
    ),
    ScopingOperator(
        "IS FALSE", False, "Boolean attribute is false.", lambda v, o, _: v.lower() == "false"
    ),
    ScopingOperator("IS NULL", False, "The attribute is absent or empty."),
    ScopingOperator("IS NOT NULL", False, "The attribute has a non-empty value."),
    ScopingOperator(
        "REGEX MATCH",
        True,
        ".NET-style regular expression matches the value.",
        _regex,
        _is_regex=True,
    ),
    ScopingOperator(
        "NOT REGEX MATCH",
        True,
        "The regular expression does not match (false when the value is empty).",
        lambda v, o, t: not _regex(v, o, t),
        _is_regex=True,
    ),
)

_BY_KEY = {op.name.upper().replace("_", " "): op for op in OPERATORS}


def operator_named(name: str) -> ScopingOperator:
    """Look an operator up by Entra's name; spaces, underscores and case are not significant.

    Raises:
        ConfigError: For an unknown operator, listing the known ones.
    """
    found = _BY_KEY.get(" ".join(name.upper().replace("_", " ").split()))
    if found is None:
        known = ", ".join(op.name for op in OPERATORS)
        raise ConfigError(f"unknown scoping operator {name!r}; use one of {known}")
    return found
