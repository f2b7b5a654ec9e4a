"""Property: scoping agrees with a naive reference evaluator written from docs/entra.md §5."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.mapping.scoping import ScopingClause, ScopingFilter, evaluate_scope
from scimitar.mapping.scoping_operators import OPERATORS

ATTRIBUTES = ["department", "city", "employeeId", "accountEnabled", "jobTitle"]
WORDS = ["", "Sales", "sales", "Paris", "10", "9", "007", "True", "false", "a", "S", "es"]
PATTERNS = ["^S", "s$", "[0-9]+", "a|b", "^$", "."]

values = st.one_of(
    st.none(),
    st.sampled_from(WORDS),
    st.booleans(),
    st.integers(-20, 20),
    st.lists(st.just("a"), max_size=2),
)
users = st.dictionaries(st.sampled_from(ATTRIBUTES), values)


@st.composite
def clauses(draw: st.DrawFn) -> ScopingClause:
    operator = draw(st.sampled_from(OPERATORS))
    if not operator.is_binary:
        value = None
    elif "REGEX" in operator.name:
        value = draw(st.sampled_from(PATTERNS))
    elif operator.name.startswith("Greater"):
        value = str(draw(st.integers(-20, 20)))
    else:
        value = draw(st.sampled_from(WORDS))
    return ScopingClause(draw(st.sampled_from(ATTRIBUTES)), operator, value)


filters = st.lists(
    st.builds(
        ScopingFilter,
        st.sampled_from(["f1", "f2", "f3"]),
        st.lists(clauses(), min_size=1, max_size=4).map(tuple),
    ),
    max_size=3,
)


def reference_text(value: Any) -> str | None:
    """The spec's null rule: absent, empty or multi-valued counts as no value."""
    if value is None or value == "" or isinstance(value, list):
        return None
    if value is True or value is False:
        return str(value)
    return str(value)


def as_int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\s*-?\d+\s*", text) else None


def as_int_or_floor(text: str) -> int:
    """Non-integers never pass a Greater_Than clause: map them below every operand."""
    number = as_int(text)
    return -(10**9) if number is None else number


def reference_clause(clause: ScopingClause, user: dict[str, Any]) -> bool:
    text = reference_text(user.get(clause.attribute))
    name, operand = clause.operator.name, clause.value or ""
    if name == "IS NULL":
        return text is None
    if text is None:
        return False
    checks: dict[str, Callable[[], bool]] = {
        "IS NOT NULL": lambda: True,
        "EQUALS": lambda: text == operand,
        "NOT EQUALS": lambda: text != operand,
        "&": lambda: text in operand,
        "!&": lambda: text not in operand,
        "ENDS_WITH": lambda: text.endswith(operand),
        "Includes": lambda: operand in text,
        "IS TRUE": lambda: text.lower() == "true",
        "IS FALSE": lambda: text.lower() == "false",
        "REGEX MATCH": lambda: re.search(operand, text) is not None,
        "NOT REGEX MATCH": lambda: re.search(operand, text) is None,
        "Greater_Than": lambda: as_int_or_floor(text) > int(operand),
        "Greater_Than_OR_EQUALS": lambda: as_int_or_floor(text) >= int(operand),
    }
    return bool(checks[name]())


def reference_scope(groups: list[ScopingFilter], user: dict[str, Any]) -> bool:
    if not groups:
        return True
    return any(all(reference_clause(c, user) for c in group.clauses) for group in groups)


@given(filters, users)
@settings(max_examples=800)
def test_scope_agrees_with_reference(groups: list[ScopingFilter], user: dict[str, Any]) -> None:
    decision = evaluate_scope(groups, user)
    assert decision.is_in_scope is reference_scope(groups, user)
    if decision.is_in_scope and groups:
        winner = next(g for g in groups if all(reference_clause(c, user) for c in g.clauses))
        assert decision.filter_name == winner.name
    if not decision.is_in_scope:
        assert len(decision.failures) == len(groups)
        for failure, group in zip(decision.failures, groups, strict=True):
            assert not reference_clause(group.clauses[failure.clause_index], user)
            assert all(reference_clause(c, user) for c in group.clauses[: failure.clause_index])
