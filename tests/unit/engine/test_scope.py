"""Is a user or group in scope? (docs/entra.md §2.1, §1.7, §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from scimitar.directory.model import ObjectType, User
from scimitar.engine.core.scope import (
    DEFAULT_ACCESS_ROLE_ID,
    Assignment,
    ScopeRule,
    ScopeSetting,
    effective_assignments,
    evaluate_group_scope,
    evaluate_user_scope,
)
from scimitar.mapping.defaults import SCIM_USER_MAPPINGS
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.mapping.scoping import ScopingClause, ScopingFilter
from scimitar.mapping.scoping_operators import operator_named

ADA = User(
    "u-1", {"userPrincipalName": "ada@contoso.com", "department": "Sales", "accountEnabled": True}
)
ADMIN = Assignment("u-1", ObjectType.USER, "r-admin", "Admin", "Administrator")
DEFAULT_ACCESS = Assignment("u-1")
VIA_GROUP = Assignment("g-1", ObjectType.GROUP, "r-user", "User", "User")
SALES_ONLY = (
    ScopingFilter("sales", (ScopingClause("department", operator_named("EQUALS"), "Sales"),)),
)


def user_scope(user: User = ADA, **options: Any) -> Any:
    options.setdefault("setting", ScopeSetting.ASSIGNED)
    options.setdefault("assignments", (ADMIN,))
    return evaluate_user_scope(user.to_attributes(), **options)


def test_effective_assignments_are_direct_and_direct_groups_only() -> None:
    nested = Assignment("g-parent", ObjectType.GROUP, "r-x", "X")
    other = Assignment("u-2", ObjectType.USER, "r-y", "Y")
    found = effective_assignments("u-1", ["g-1"], [ADMIN, VIA_GROUP, nested, other])
    assert found == (ADMIN, VIA_GROUP)


def test_effective_assignments_keep_one_per_role() -> None:
    same_role_via_group = Assignment("g-1", ObjectType.GROUP, "r-admin", "Admin")
    assert effective_assignments("u-1", ["g-1"], [ADMIN, same_role_via_group]) == (ADMIN,)


def test_default_access_is_the_zero_role_or_a_role_without_value() -> None:
    assert DEFAULT_ACCESS.is_default_access
    assert DEFAULT_ACCESS.app_role_id == DEFAULT_ACCESS_ROLE_ID
    assert Assignment("u-1", app_role_id="r-1").is_default_access
    assert not ADMIN.is_default_access


@pytest.mark.parametrize(
    ("user", "options", "rule"),
    [
        pytest.param(ADA, {}, ScopeRule.IN_SCOPE, id="assigned-active-in-scope"),
        pytest.param(ADA, {"assignments": ()}, ScopeRule.NOT_ASSIGNED, id="unassigned"),
        pytest.param(
            ADA, {"assignments": (), "setting": ScopeSetting.ALL}, ScopeRule.IN_SCOPE, id="sync-all"
        ),
        pytest.param(
            User("u-1", {**ADA.attributes, "accountEnabled": False}),
            {},
            ScopeRule.DISABLED,
            id="blocked-sign-in",
        ),
        pytest.param(
            User(
                "u-1",
                ADA.attributes,
                deleted_at=datetime(2024, 1, 1, tzinfo=UTC),
            ),
            {},
            ScopeRule.SOFT_DELETED,
            id="soft-deleted",
        ),
        pytest.param(
            ADA,
            {"assignments": (DEFAULT_ACCESS,), "is_default_access_excluded": True},
            ScopeRule.NOT_EFFECTIVELY_ENTITLED,
            id="default-access-only-legacy-template",
        ),
        pytest.param(
            ADA,
            {"assignments": (DEFAULT_ACCESS,)},
            ScopeRule.IN_SCOPE,
            id="default-access-counts-by-default",
        ),
        pytest.param(
            ADA,
            {"assignments": (DEFAULT_ACCESS, ADMIN), "is_default_access_excluded": True},
            ScopeRule.IN_SCOPE,
            id="default-access-plus-a-role",
        ),
        pytest.param(
            User("u-1", {**ADA.attributes, "department": "R&D"}),
            {"scoping_filters": SALES_ONLY},
            ScopeRule.SCOPING_FILTER,
            id="fails-scoping-filter",
        ),
        pytest.param(
            ADA, {"scoping_filters": SALES_ONLY}, ScopeRule.IN_SCOPE, id="passes-scoping-filter"
        ),
    ],
)
def test_user_scope_rules(user: User, options: dict[str, Any], rule: ScopeRule) -> None:
    result = user_scope(user, **options)
    assert result.rule is rule
    assert result.is_in_scope is (rule is ScopeRule.IN_SCOPE)
    assert result.reason.endswith(".")


def test_inactive_wins_over_unassigned_and_details_show_every_input() -> None:
    blocked = User("u-1", {**ADA.attributes, "accountEnabled": False})
    result = user_scope(blocked, assignments=(), scoping_filters=SALES_ONLY)
    assert result.rule is ScopeRule.DISABLED
    assert result.details == {
        "IsActive": "False",
        "Assigned": "False",
        "IsEffectivelyEntitledForProvisioning": "True",
        "ScopeEvaluationResult": "In scope: every clause of filter 'sales' holds",
    }


def test_in_scope_reason_names_the_role_and_the_filter() -> None:
    result = user_scope(scoping_filters=SALES_ONLY)
    assert "with role Administrator" in result.reason
    assert "'sales'" in result.reason


def test_mapping_input_marks_out_of_scope_users_soft_deleted() -> None:
    attributes = ADA.to_attributes()
    out = user_scope(assignments=()).mapping_input(attributes)
    assert out["isSoftDeleted"] is True
    mapped = CompiledMappingSet(SCIM_USER_MAPPINGS).apply(out)
    assert mapped.values["active"] is False
    inside = user_scope().mapping_input(attributes)
    assert inside["isSoftDeleted"] is False
    assert inside["appRoleAssignments"] == [
        {"id": "r-admin", "value": "Admin", "displayName": "Administrator"}
    ]


@pytest.mark.parametrize(
    ("attributes", "options", "rule"),
    [
        pytest.param(
            {"displayName": "Sales"}, {"is_assigned": True}, ScopeRule.IN_SCOPE, id="assigned"
        ),
        pytest.param(
            {"displayName": "Sales"},
            {"is_assigned": False},
            ScopeRule.NOT_ASSIGNED,
            id="unassigned",
        ),
        pytest.param(
            {"displayName": "Sales"},
            {"is_assigned": False, "setting": ScopeSetting.ALL},
            ScopeRule.IN_SCOPE,
            id="sync-all",
        ),
        pytest.param(
            {"displayName": "Sales", "isSoftDeleted": True},
            {"is_assigned": True},
            ScopeRule.SOFT_DELETED,
            id="deleted",
        ),
        pytest.param(
            {"displayName": "Sales", "department": "R&D"},
            {"is_assigned": True, "scoping_filters": SALES_ONLY},
            ScopeRule.SCOPING_FILTER,
            id="filtered-out",
        ),
    ],
)
def test_group_scope_rules(
    attributes: dict[str, Any], options: dict[str, Any], rule: ScopeRule
) -> None:
    options.setdefault("setting", ScopeSetting.ASSIGNED)
    result = evaluate_group_scope(attributes, **options)
    assert result.rule is rule
    assert result.reason
