"""App-role functions over ``[appRoleAssignments]`` (docs/entra.md §4.2).

An assignment is ``{id, value, displayName}``; assignments without a value (Entra's "Default
Access" role) carry no role and are skipped. The complex forms produce SCIM ``roles`` entries as
Entra sends them; the mapping layer reads :data:`ASSERTIVE_FUNCTIONS` to PATCH-replace the whole
collection instead of adding to it.
"""

from __future__ import annotations

from typing import Any

from scimitar.errors import ExpressionEvaluationError
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.functions.registry import FunctionSpec, Param
from scimitar.mapping.values import Value

__all__ = ["ASSERTIVE_FUNCTIONS", "FUNCTIONS", "ROLE_TYPE"]

#: The ``type`` Entra puts on the role objects it sends.
ROLE_TYPE = "WindowsAzureActiveDirectoryRole"

#: Functions whose result replaces the target collection (PATCH replace, not add).
ASSERTIVE_FUNCTIONS = frozenset({"AssertiveAppRoleAssignmentsComplex"})


def _assignments(value: Value, function: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict) for item in items):
        raise ExpressionEvaluationError(
            "expects [appRoleAssignments] (objects with id, value, displayName)", function=function
        )
    return [item for item in items if item.get("value")]


def _complex(ctx: EvaluationContext, source: Value) -> Value:
    roles = [
        {
            "primary": False,
            "type": ROLE_TYPE,
            "display": item.get("displayName") or item["value"],
            "value": item["value"],
        }
        for item in _assignments(source, "AppRoleAssignmentsComplex")
    ]
    return roles or None


def _single(ctx: EvaluationContext, source: Value) -> Value:
    roles = _assignments(source, "SingleAppRoleAssignment")
    return str(roles[0]["value"]) if roles else None


def _values(ctx: EvaluationContext, source: Value) -> Value:
    roles = [str(item["value"]) for item in _assignments(source, "AppRoleAssignments")]
    return roles or None


_SOURCE = (Param("source", description="[appRoleAssignments]"),)

FUNCTIONS = (
    FunctionSpec(
        "AppRoleAssignmentsComplex",
        _SOURCE,
        "Every assigned role as a SCIM role object (primary false); PATCH adds them.",
        _complex,
    ),
    FunctionSpec(
        "AssertiveAppRoleAssignmentsComplex",
        _SOURCE,
        "Like AppRoleAssignmentsComplex, but PATCH replaces the roles collection, "
        "removing roles no longer assigned.",
        _complex,
    ),
    FunctionSpec(
        "SingleAppRoleAssignment",
        _SOURCE,
        "The value of one assigned role (the first), or null.",
        _single,
    ),
    FunctionSpec(
        "AppRoleAssignments",
        _SOURCE,
        "The values of every assigned role (listed by Graph schema/functions).",
        _values,
    ),
)
