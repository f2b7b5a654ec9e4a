"""Is an object in scope for an app? (docs/entra.md §2.1, §1.7, §5).

A user is in scope when it is active in the source, assigned to the app (directly, or as a
*direct* member of an assigned group — nested groups are never expanded) unless the job syncs
all users, effectively entitled (with the legacy "Default Access is not provisioned" template
switch), and passes the scoping filters. A group is in scope when it exists, is assigned (or
the job syncs all) and passes the group scoping filters.

The result says which rule decided, with a sentence and the details Entra shows on its
provisioning log's scoping step (``IsActive``, ``Assigned``,
``IsEffectivelyEntitledForProvisioning``, ``ScopeEvaluationResult``), and carries the effective
app role assignments the mapping functions read as ``[appRoleAssignments]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scimitar.directory.model import ObjectType
from scimitar.mapping.context import DEFAULT_REGEX_TIMEOUT
from scimitar.mapping.scoping import ScopeDecision, ScopingFilter, evaluate_scope

__all__ = [
    "DEFAULT_ACCESS_ROLE_ID",
    "HARD_DELETED_SCOPE_REASON",
    "SHARED_SCOPES_LIMIT",
    "Assignment",
    "ScopeResult",
    "ScopeRule",
    "ScopeSetting",
    "SharedScopes",
    "effective_assignments",
    "evaluate_group_scope",
    "evaluate_user_scope",
    "hard_deleted_scope",
]

#: The app role id of Entra's built-in "Default Access" role.
DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000"


class ScopeSetting(StrEnum):
    """The job's scope (docs/entra.md §0 "Scope"; secret ``SyncAll``)."""

    ASSIGNED = "assigned"
    ALL = "all"


class ScopeRule(StrEnum):
    """The rule that decided a scope evaluation (docs/entra.md §2.1 rules 1-4; §2.4 hard delete)."""

    IN_SCOPE = "InScope"
    SOFT_DELETED = "SoftDeleted"
    DISABLED = "Disabled"
    NOT_ASSIGNED = "NotAssigned"
    NOT_EFFECTIVELY_ENTITLED = "NotEffectivelyEntitled"
    SCOPING_FILTER = "ScopingFilter"
    HARD_DELETED = "HardDeleted"

    @property
    def is_source_inactive(self) -> bool:
        """Out of scope because the source object is disabled or soft-deleted (docs/entra.md
        §2.4)."""
        return self in (ScopeRule.SOFT_DELETED, ScopeRule.DISABLED)


#: The scope of an object that no longer exists in the source (hard-deleted or purged).
HARD_DELETED_SCOPE_REASON = "Object no longer exists in the source (hard-deleted)."


@dataclass(frozen=True, slots=True)
class Assignment:
    """One app role assignment of a user or group to the app (Graph ``appRoleAssignment``).

    Attributes:
        principal_id: The assigned user's or group's objectId.
        principal_type: User or group.
        app_role_id: The role's id; :data:`DEFAULT_ACCESS_ROLE_ID` for Default Access.
        app_role_value: The role's value (what the target receives); empty for Default Access.
        app_role_display_name: The role's display name.
    """

    principal_id: str
    principal_type: ObjectType = ObjectType.USER
    app_role_id: str = DEFAULT_ACCESS_ROLE_ID
    app_role_value: str | None = None
    app_role_display_name: str | None = None

    @property
    def is_default_access(self) -> bool:
        """Whether this is the "Default Access" role, which carries no value."""
        return self.app_role_id == DEFAULT_ACCESS_ROLE_ID or not self.app_role_value

    def to_mapping(self) -> dict[str, Any]:
        """The ``{id, value, displayName}`` shape the app-role functions read (docs/entra.md
        §4.2)."""
        return {
            "id": self.app_role_id,
            "value": self.app_role_value,
            "displayName": self.app_role_display_name or self.app_role_value,
        }


def effective_assignments(
    user_id: str, group_ids: Iterable[str], assignments: Iterable[Assignment]
) -> tuple[Assignment, ...]:
    """The assignments that reach a user: its own, and its *direct* groups' (docs/entra.md §2.1
    rule 1).

    Args:
        user_id: The user's objectId.
        group_ids: The groups the user is a direct member of (never expand nesting here).
        assignments: Every assignment of the app.

    Returns:
        The assignments that apply, one per app role, in the order given.
    """
    groups = set(group_ids)
    roles: dict[str, Assignment] = {}
    for item in assignments:
        is_direct = item.principal_type is ObjectType.USER and item.principal_id == user_id
        is_group = item.principal_type is ObjectType.GROUP and item.principal_id in groups
        if is_direct or is_group:
            roles.setdefault(item.app_role_id, item)
    return tuple(roles.values())


@dataclass(frozen=True, slots=True)
class ScopeResult:
    """The outcome of scoping one object.

    Attributes:
        is_in_scope: Whether the object flows to the app.
        rule: The rule that decided.
        reason: One sentence for the provisioning log's scoping step.
        assignments: The effective assignments (``[appRoleAssignments]`` for mappings).
        details: Entra's scoping-step details (``IsActive``, ``Assigned``, ...).
        decision: The scoping-filter decision, when filters were evaluated.
    """

    is_in_scope: bool
    rule: ScopeRule
    reason: str
    assignments: tuple[Assignment, ...] = ()
    details: Mapping[str, str] | None = None
    decision: ScopeDecision | None = None

    @property
    def app_role_assignments(self) -> list[dict[str, Any]]:
        """The effective roles as the app-role mapping functions read them (docs/entra.md §4.2)."""
        return [item.to_mapping() for item in self.assignments]

    def mapping_input(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """The attributes to map: ``IsSoftDeleted`` true whenever out of scope (docs/entra.md §2.1).

        Entra's computed ``IsSoftDeleted`` is true when the user is unassigned, fails a scoping
        filter, is soft-deleted or is disabled, so the ``active`` mapping sends false then.
        """
        values = dict(attributes)
        values["isSoftDeleted"] = not self.is_in_scope
        values["appRoleAssignments"] = self.app_role_assignments
        return values


def hard_deleted_scope() -> ScopeResult:
    """The scope of an object that is gone from the source (docs/entra.md §2.4 "Hard-deleted")."""
    return ScopeResult(False, ScopeRule.HARD_DELETED, HARD_DELETED_SCOPE_REASON)


def evaluate_user_scope(
    attributes: Mapping[str, Any],
    *,
    setting: ScopeSetting,
    assignments: Sequence[Assignment],
    scoping_filters: Sequence[ScopingFilter] = (),
    is_default_access_excluded: bool = False,
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
    shared: SharedScopes | None = None,
) -> ScopeResult:
    """Decide whether a user is in scope (docs/entra.md §2.1).

    Args:
        attributes: ``User.to_attributes()`` (``accountEnabled``, ``isSoftDeleted``, ...).
        setting: Sync only assigned users and groups, or all.
        assignments: The user's effective assignments (:func:`effective_assignments`).
        scoping_filters: The user object mapping's scoping filters (docs/entra.md §5).
        is_default_access_excluded: The legacy template rule "users whose only role is Default
            Access are not provisioned" (docs/entra.md §2.1 rule 2; off by default).
        regex_timeout: Seconds a REGEX MATCH clause may run.
        shared: Results kept by the cycle (its context's caches): without scoping filters,
            users alike share one result, so its log step is built once too.

    Returns:
        The result, with the first rule that kept the user out, or ``IN_SCOPE``.

    Raises:
        ExpressionEvaluationError: If a scoping regular expression times out (retry the
            object; never deprovision it for that).
    """
    is_disabled = attributes.get("accountEnabled") is False
    is_soft_deleted = attributes.get("isSoftDeleted") is True
    if scoping_filters:
        return _user_scope(
            attributes,
            is_disabled,
            is_soft_deleted,
            setting,
            assignments,
            scoping_filters,
            is_default_access_excluded,
            regex_timeout,
        )
    # Without scoping filters the result depends on these alone, so users alike share one.
    key = (is_disabled, is_soft_deleted, setting, tuple(assignments), is_default_access_excluded)
    found = None if shared is None else shared.get(key)
    if found is None:
        found = _user_scope(
            attributes,
            is_disabled,
            is_soft_deleted,
            setting,
            assignments,
            (),
            is_default_access_excluded,
            regex_timeout,
        )
        if shared is not None:
            if len(shared) >= SHARED_SCOPES_LIMIT:
                shared.clear()
            shared[key] = found
    return found


#: The most shared scope results a cycle keeps (:attr:`CycleCaches.scopes`).
SHARED_SCOPES_LIMIT = 4096

#: Shared scope results by what they depend on (see :func:`evaluate_user_scope`).
SharedScopes = dict[tuple[Any, ...], ScopeResult]


def _user_scope(
    attributes: Mapping[str, Any],
    is_disabled: bool,
    is_soft_deleted: bool,
    setting: ScopeSetting,
    assignments: Sequence[Assignment],
    scoping_filters: Sequence[ScopingFilter],
    is_default_access_excluded: bool,
    regex_timeout: float,
) -> ScopeResult:
    is_active = not (is_disabled or is_soft_deleted)
    is_assigned = setting is ScopeSetting.ALL or bool(assignments)
    is_entitled = _is_entitled(setting, assignments, is_default_access_excluded)
    decision = evaluate_scope(scoping_filters, attributes, regex_timeout=regex_timeout)
    details = _details(is_active, bool(assignments), is_entitled, decision)
    rule = _first_failed_rule(
        (not is_active, ScopeRule.DISABLED if is_disabled else ScopeRule.SOFT_DELETED),
        (not is_assigned, ScopeRule.NOT_ASSIGNED),
        (not is_entitled, ScopeRule.NOT_EFFECTIVELY_ENTITLED),
        (not decision.is_in_scope, ScopeRule.SCOPING_FILTER),
    )
    reason = _user_reason(rule, setting, assignments, decision)
    return ScopeResult(
        rule is ScopeRule.IN_SCOPE, rule, reason, tuple(assignments), details, decision
    )


def evaluate_group_scope(
    attributes: Mapping[str, Any],
    *,
    setting: ScopeSetting,
    is_assigned: bool,
    scoping_filters: Sequence[ScopingFilter] = (),
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
) -> ScopeResult:
    """Decide whether a group is in scope (docs/entra.md §1.7 "Delete", §2.1 rule 1, §5).

    Args:
        attributes: ``Group.to_attributes()``.
        setting: Sync only assigned users and groups, or all.
        is_assigned: Whether the group itself is assigned to the app.
        scoping_filters: The group object mapping's scoping filters.
        regex_timeout: Seconds a REGEX MATCH clause may run.
    """
    is_active = attributes.get("isSoftDeleted") is not True
    decision = evaluate_scope(scoping_filters, attributes, regex_timeout=regex_timeout)
    rule = _first_failed_rule(
        (not is_active, ScopeRule.SOFT_DELETED),
        (setting is ScopeSetting.ASSIGNED and not is_assigned, ScopeRule.NOT_ASSIGNED),
        (not decision.is_in_scope, ScopeRule.SCOPING_FILTER),
    )
    details = _details(is_active, is_assigned, True, decision)
    reason = _GROUP_REASONS.get(rule) or _filter_reason("Group", setting, decision)
    return ScopeResult(rule is ScopeRule.IN_SCOPE, rule, reason, (), details, decision)


def _is_entitled(
    setting: ScopeSetting, assignments: Sequence[Assignment], is_default_access_excluded: bool
) -> bool:
    if setting is ScopeSetting.ALL or not is_default_access_excluded:
        return True
    return any(not item.is_default_access for item in assignments)


def _first_failed_rule(*checks: tuple[bool, ScopeRule]) -> ScopeRule:
    return next((rule for has_failed, rule in checks if has_failed), ScopeRule.IN_SCOPE)


def _details(
    is_active: bool, is_assigned: bool, is_entitled: bool, decision: ScopeDecision
) -> dict[str, str]:
    return {
        "IsActive": str(is_active),
        "Assigned": str(is_assigned),
        "IsEffectivelyEntitledForProvisioning": str(is_entitled),
        "ScopeEvaluationResult": decision.describe(),
    }


_USER_REASONS = {
    ScopeRule.SOFT_DELETED: "User is soft-deleted in the source, so it is not in scope.",
    ScopeRule.DISABLED: "User is disabled in the source (accountEnabled is false), "
    "so it is not in scope.",
    ScopeRule.NOT_ASSIGNED: "User is not assigned to the app, directly or as a direct member "
    "of an assigned group, so it is not in scope.",
    ScopeRule.NOT_EFFECTIVELY_ENTITLED: "User's only role is Default Access, which this app "
    "does not provision (NotEffectivelyEntitled).",
}
_GROUP_REASONS = {
    ScopeRule.SOFT_DELETED: "Group is deleted in the source, so it is not in scope.",
    ScopeRule.NOT_ASSIGNED: "Group is not assigned to the app, so it is not in scope.",
}


def _user_reason(
    rule: ScopeRule,
    setting: ScopeSetting,
    assignments: Sequence[Assignment],
    decision: ScopeDecision,
) -> str:
    fixed = _USER_REASONS.get(rule)
    if fixed is not None:
        return fixed
    roles = sorted(
        {a.app_role_display_name or a.app_role_value or "Default Access" for a in assignments}
    )
    how = f" with role {', '.join(roles)}" if roles and setting is ScopeSetting.ASSIGNED else ""
    return _filter_reason("User", setting, decision, how)


def _filter_reason(kind: str, setting: ScopeSetting, decision: ScopeDecision, how: str = "") -> str:
    who = "every object is synced" if setting is ScopeSetting.ALL else f"it is assigned{how}"
    if decision.is_in_scope:
        return f"{kind} is active and {who}. {decision.describe()}."
    return f"{kind} fails the scoping filters. {decision.describe()}."
