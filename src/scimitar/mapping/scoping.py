"""Scoping filters: which source objects flow at all (docs/entra.md §5).

A scope holds zero or more filters; a filter holds one or more clauses. Clauses of a filter are
AND-ed, filters are OR-ed, no filters means everything is in scope. A clause on a null or empty
attribute is false, except ``IS NULL``. Comparisons are case-sensitive; attribute names are not.
The decision says which filter let the object in, or which clause of each filter kept it out,
for the provisioning log's scoping step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scimitar.errors import ConfigError, ExpressionEvaluationError
from scimitar.mapping.context import DEFAULT_REGEX_TIMEOUT, source_attributes
from scimitar.mapping.scoping_operators import ScopingOperator, operator_named

__all__ = [
    "UNSUPPORTED_ATTRIBUTES",
    "ClauseFailure",
    "ScopeDecision",
    "ScopingClause",
    "ScopingFilter",
    "evaluate_scope",
    "validate_filters",
]

#: Attributes Entra cannot filter on (docs/entra.md §5: multi-valued, references, roles, userType).
UNSUPPORTED_ATTRIBUTES = frozenset(
    {"members", "manager", "appRoleAssignments", "userType", "proxyAddresses", "memberOf"}
)


@dataclass(frozen=True, slots=True)
class ScopingClause:
    """One condition: ``attribute OPERATOR value`` (Graph ``filterClause``)."""

    attribute: str
    operator: ScopingOperator
    value: str | None = None

    def describe(self) -> str:
        """The clause as an admin reads it, e.g. ``department EQUALS "Sales"``."""
        suffix = f' "{self.value}"' if self.operator.is_binary else ""
        return f"{self.attribute} {self.operator.name}{suffix}"

    def to_dict(self) -> dict[str, Any]:
        """Graph shape: ``{sourceOperandName, operatorName, targetOperand: {values}}``."""
        values = [self.value] if self.value is not None else []
        return {
            "sourceOperandName": self.attribute,
            "operatorName": self.operator.name,
            "targetOperand": {"values": values},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScopingClause:
        """Read the Graph shape (or ``{attribute, operator, value}``).

        Raises:
            ConfigError: For a missing attribute, an unknown operator or a wrong value count.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"a scoping clause must be an object, got {type(data).__name__}")
        attribute = data.get("sourceOperandName", data.get("attribute"))
        operator = data.get("operatorName", data.get("operator"))
        if not isinstance(attribute, str) or not attribute or not isinstance(operator, str):
            raise ConfigError("a scoping clause needs sourceOperandName and operatorName")
        operand = data.get("targetOperand")
        values = (
            (operand.get("values") if isinstance(operand, Mapping) else None)
            if "targetOperand" in data
            else ([data["value"]] if data.get("value") is not None else [])
        )
        if not isinstance(values, list) or len(values) > 1:
            raise ConfigError(f"scoping clause on {attribute}: give at most one value")
        value = None if not values else str(values[0])
        return cls(attribute, operator_named(operator), value)


@dataclass(frozen=True, slots=True)
class ScopingFilter:
    """A named group of AND-ed clauses (Graph ``filterGroup``)."""

    name: str
    clauses: tuple[ScopingClause, ...]

    def to_dict(self) -> dict[str, Any]:
        """Graph shape: ``{name, clauses: [...]}``."""
        return {"name": self.name, "clauses": [clause.to_dict() for clause in self.clauses]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScopingFilter:
        """Read ``{name, clauses}``.

        Raises:
            ConfigError: If the filter has no clauses or a clause is invalid.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"a scoping filter must be an object, got {type(data).__name__}")
        clauses = data.get("clauses")
        if not isinstance(clauses, list) or not clauses:
            raise ConfigError(f"scoping filter {data.get('name')!r} needs at least one clause")
        return cls(str(data.get("name") or ""), tuple(ScopingClause.from_dict(c) for c in clauses))


@dataclass(frozen=True, slots=True)
class ClauseFailure:
    """The first clause of a filter that an object failed."""

    filter_name: str
    clause_index: int
    clause: ScopingClause


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """The outcome of scoping one object, with what decided it (provisioning log, docs/entra.md
    §6.1).

    Attributes:
        is_in_scope: Whether the object flows.
        filter_name: The filter whose clauses all held (``None`` if out of scope or no filters).
        failures: For each filter the object failed, the first clause that was false.
    """

    is_in_scope: bool
    filter_name: str | None = None
    failures: tuple[ClauseFailure, ...] = ()

    def describe(self) -> str:
        """One sentence for the provisioning log."""
        if self.is_in_scope:
            return (
                f"In scope: every clause of filter {self.filter_name!r} holds"
                if self.filter_name is not None
                else "In scope: no scoping filters"
            )
        reasons = "; ".join(
            f"filter {f.filter_name!r} clause {f.clause_index + 1} ({f.clause.describe()}) is false"
            for f in self.failures
        )
        return f"Out of scope: {reasons}"


def validate_filters(filters: Sequence[ScopingFilter]) -> None:
    """Check filters before they are saved (docs/entra.md §5: supported attributes and operand
    types).

    Raises:
        ConfigError: Naming the filter and clause at fault.
    """
    unsupported = {name.lower() for name in UNSUPPORTED_ATTRIBUTES}
    for group in filters:
        for index, clause in enumerate(group.clauses, start=1):
            where = f"scoping filter {group.name!r} clause {index}"
            if clause.attribute.lower() in unsupported:
                raise ConfigError(f"{where}: scoping on {clause.attribute} is not supported")
            problem = clause.operator.check_value(clause.value)
            if problem is not None:
                raise ConfigError(f"{where}: {problem}")


def evaluate_scope(
    filters: Sequence[ScopingFilter],
    user: Mapping[str, Any],
    *,
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
    is_normalized: bool = False,
) -> ScopeDecision:
    """Decide whether ``user`` is in scope (docs/entra.md §5).

    Args:
        filters: The scoping filters of the object mapping.
        user: Directory attributes, or the output of ``source_attributes`` with
            ``is_normalized=True`` to skip normalising again.
        regex_timeout: Seconds a REGEX MATCH clause may run.
        is_normalized: ``user`` already has lower-case keys and expression-model values.

    Returns:
        The decision and what decided it.

    Raises:
        ExpressionEvaluationError: If a regular expression runs past its time limit; the object
            should be retried, not deprovisioned.
    """
    if not filters:
        return ScopeDecision(is_in_scope=True)
    attributes = dict(user) if is_normalized else source_attributes(user)
    failures: list[ClauseFailure] = []
    for group in filters:
        failed = _first_failure(group, attributes, regex_timeout)
        if failed is None:
            return ScopeDecision(is_in_scope=True, filter_name=group.name)
        failures.append(failed)
    return ScopeDecision(is_in_scope=False, failures=tuple(failures))


def _first_failure(
    group: ScopingFilter, attributes: Mapping[str, Any], timeout: float
) -> ClauseFailure | None:
    for index, clause in enumerate(group.clauses):
        value = attributes.get(clause.attribute.lower())
        try:
            holds = clause.operator.test(value, clause.value, timeout)
        except TimeoutError as exc:
            raise ExpressionEvaluationError(
                f"scoping filter {group.name!r}: {clause.describe()} ran past its time limit"
            ) from exc
        if not holds:
            return ClauseFailure(group.name, index, clause)
    return None
