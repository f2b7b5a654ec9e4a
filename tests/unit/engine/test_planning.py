"""The decision per object (docs/entra.md §2.2, §2.4 deprovisioning table, §2.5, §2.3 object
actions)."""

from __future__ import annotations

import pytest

from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import (
    Action,
    Create,
    Delete,
    Disable,
    DisableCause,
    Enable,
    Match,
    Skip,
    SkipReason,
    Update,
)
from scimitar.engine.core.planning import (
    Link,
    ObjectAction,
    PlanInput,
    PlanSettings,
    SoftDeleteMode,
    link_after,
    plan,
)
from scimitar.engine.core.scope import ScopeResult, ScopeRule, hard_deleted_scope
from scimitar.mapping.flow import AttributeChange
from scimitar.scim.dialects import ENTRA, RFC, Dialect, disable_body, enable_body, patch_body

LINKED = Link("t-1", {"userName": "ada@contoso.com", "active": True})
CHANGE = AttributeChange("displayName", "Ada", "Ada King")
DEFAULT = PlanSettings()
SKIP_DELETIONS = PlanSettings(skip_out_of_scope_deletions=True)
NO_SOFT_DELETE_MAPPING = PlanSettings(soft_delete=SoftDeleteMode.NONE)
NO_SOFT_DELETION_SUPPORT = PlanSettings(soft_delete=SoftDeleteMode.DELETE)
GROUPS = PlanSettings(soft_delete=SoftDeleteMode.DELETE)


def scope(rule: ScopeRule) -> ScopeResult:
    if rule is ScopeRule.HARD_DELETED:
        return hard_deleted_scope()
    return ScopeResult(rule is ScopeRule.IN_SCOPE, rule, f"Decided by {rule.value}.")


def without(*actions: ObjectAction) -> PlanSettings:
    return PlanSettings(object_actions=frozenset(ObjectAction) - set(actions))


SOFT_EVENTS = [
    ("User unassigned (directly or via group)", ScopeRule.NOT_ASSIGNED),
    ("User fails scoping filter (was in scope)", ScopeRule.SCOPING_FILTER),
    ("accountEnabled=false (block sign-in)", ScopeRule.DISABLED),
    ("Soft-deleted (recycle bin)", ScopeRule.SOFT_DELETED),
]

# One row per line of docs/entra.md §2.4, with the spec's wording as the test id.
TABLE: list[tuple[str, PlanInput, PlanSettings, Action | SkipReason]] = [
    (
        "User unassigned (directly or via group) -> PATCH active=false",
        PlanInput(scope(ScopeRule.NOT_ASSIGNED), LINKED),
        DEFAULT,
        Disable("t-1", DisableCause.OUT_OF_SCOPE),
    ),
    (
        "User fails scoping filter (was in scope) -> PATCH active=false",
        PlanInput(scope(ScopeRule.SCOPING_FILTER), LINKED),
        DEFAULT,
        Disable("t-1", DisableCause.OUT_OF_SCOPE),
    ),
    (
        "Default Access only, legacy template (not effectively entitled) -> PATCH active=false",
        PlanInput(scope(ScopeRule.NOT_EFFECTIVELY_ENTITLED), LINKED),
        DEFAULT,
        Disable("t-1", DisableCause.OUT_OF_SCOPE),
    ),
    (
        "accountEnabled=false (block sign-in) -> PATCH active=false",
        PlanInput(scope(ScopeRule.DISABLED), LINKED),
        DEFAULT,
        Disable("t-1", DisableCause.SOURCE_INACTIVE),
    ),
    (
        "Soft-deleted (recycle bin) -> PATCH active=false",
        PlanInput(scope(ScopeRule.SOFT_DELETED), LINKED),
        DEFAULT,
        Disable("t-1", DisableCause.SOURCE_INACTIVE),
    ),
    (
        "Hard-deleted (30 days after soft delete, or purged) -> DELETE /Users/{id}",
        PlanInput(scope(ScopeRule.HARD_DELETED), LINKED),
        DEFAULT,
        Delete("t-1"),
    ),
    (
        "Hard-deleted after a soft delete (still managed) -> DELETE /Users/{id}",
        PlanInput(
            scope(ScopeRule.HARD_DELETED), Link("t-1", disabled=DisableCause.SOURCE_INACTIVE)
        ),
        DEFAULT,
        Delete("t-1"),
    ),
    (
        "Hard-deleted from the change feed -> DELETE /Users/{id}",
        PlanInput(scope(ScopeRule.IN_SCOPE), LINKED, change=ChangeKind.HARD_DELETED),
        DEFAULT,
        Delete("t-1"),
    ),
    (
        "Hard-deleted: only if Delete flow enabled",
        PlanInput(scope(ScopeRule.HARD_DELETED), LINKED),
        without(ObjectAction.DELETE),
        SkipReason.ACTION_NOT_ENABLED,
    ),
    (
        "Unassigned: after that the user is no longer managed, a later delete does not send DELETE",
        PlanInput(scope(ScopeRule.HARD_DELETED), Link("t-1", disabled=DisableCause.OUT_OF_SCOPE)),
        DEFAULT,
        SkipReason.NOT_MANAGED,
    ),
    (
        "Hard-deleted, never provisioned -> nothing",
        PlanInput(scope(ScopeRule.HARD_DELETED)),
        DEFAULT,
        SkipReason.NOT_MANAGED,
    ),
    (
        "Restored / re-enabled / re-assigned -> PATCH active=true",
        PlanInput(scope(ScopeRule.IN_SCOPE), Link("t-1", disabled=DisableCause.SOURCE_INACTIVE)),
        DEFAULT,
        Enable("t-1"),
    ),
    (
        "Re-assigned with attribute changes -> PATCH active=true with the changes",
        PlanInput(
            scope(ScopeRule.IN_SCOPE),
            Link("t-1", disabled=DisableCause.OUT_OF_SCOPE),
            (CHANGE,),
            ChangeKind.RESTORED,
        ),
        DEFAULT,
        Enable("t-1", (CHANGE,)),
    ),
    (
        "Group leaves scope -> DELETE /Groups/{id}",
        PlanInput(scope(ScopeRule.NOT_ASSIGNED), LINKED),
        GROUPS,
        Delete("t-1"),
    ),
    (
        "Group deleted -> DELETE /Groups/{id}",
        PlanInput(scope(ScopeRule.SOFT_DELETED), LINKED),
        GROUPS,
        Delete("t-1"),
    ),
    *[
        (
            f"SkipOutOfScopeDeletions=true -> nothing is sent for: {event}",
            PlanInput(scope(rule), LINKED),
            SKIP_DELETIONS,
            SkipReason.OUT_OF_SCOPE_DELETIONS_SKIPPED,
        )
        for event, rule in SOFT_EVENTS
    ],
    (
        "SkipOutOfScopeDeletions=true -> hard deletes still send DELETE",
        PlanInput(scope(ScopeRule.HARD_DELETED), LINKED),
        SKIP_DELETIONS,
        Delete("t-1"),
    ),
    *[
        (
            f"Remove the IsSoftDeleted->active mapping -> nothing is sent for: {event}",
            PlanInput(scope(rule), LINKED),
            NO_SOFT_DELETE_MAPPING,
            SkipReason.NO_SOFT_DELETE,
        )
        for event, rule in SOFT_EVENTS
    ],
    *[
        (
            f"IsSoftDeletionSupported=false -> DELETE for: {event}",
            PlanInput(scope(rule), LINKED),
            NO_SOFT_DELETION_SUPPORT,
            Delete("t-1"),
        )
        for event, rule in SOFT_EVENTS
    ],
    (
        "Untick Delete -> hard deletes send nothing",
        PlanInput(scope(ScopeRule.HARD_DELETED), LINKED),
        without(ObjectAction.DELETE),
        SkipReason.ACTION_NOT_ENABLED,
    ),
    (
        "Without Update, disables (which are updates) also stop",
        PlanInput(scope(ScopeRule.NOT_ASSIGNED), LINKED),
        without(ObjectAction.UPDATE),
        SkipReason.ACTION_NOT_ENABLED,
    ),
]


@pytest.mark.parametrize(
    ("subject", "settings", "expected"),
    [pytest.param(s, st, e, id=name) for name, s, st, e in TABLE],
)
def test_deprovisioning_table(
    subject: PlanInput, settings: PlanSettings, expected: Action | SkipReason
) -> None:
    action = plan(subject, settings)
    if isinstance(expected, SkipReason):
        assert isinstance(action, Skip)
        assert action.reason is expected
    else:
        assert action == expected


@pytest.mark.parametrize(
    ("action", "dialect", "operation"),
    [
        (
            Disable("t", DisableCause.OUT_OF_SCOPE),
            ENTRA,
            {"op": "Replace", "path": "active", "value": "False"},
        ),
        (
            Disable("t", DisableCause.OUT_OF_SCOPE),
            RFC,
            {"op": "replace", "path": "active", "value": False},
        ),
        (Enable("t"), ENTRA, {"op": "Replace", "path": "active", "value": "True"}),
        (Enable("t"), RFC, {"op": "replace", "path": "active", "value": True}),
    ],
    ids=["disable-entra", "disable-rfc", "enable-entra", "enable-rfc"],
)
def test_deprovisioning_requests(
    action: Disable | Enable, dialect: Dialect, operation: dict[str, object]
) -> None:
    body = disable_body(dialect) if isinstance(action, Disable) else enable_body(dialect)
    assert body["Operations"] == [operation]
    if isinstance(action, Enable):
        assert patch_body(action.body_changes, dialect) == body


def test_enable_keeps_an_active_change_it_already_has() -> None:
    active = AttributeChange("active", False, True)
    assert Enable("t", (CHANGE, active)).body_changes == (CHANGE, active)


@pytest.mark.parametrize(
    ("subject", "settings", "expected"),
    [
        pytest.param(
            PlanInput(scope(ScopeRule.IN_SCOPE)), DEFAULT, Match(), id="new-in-scope-matches-first"
        ),
        pytest.param(
            PlanInput(scope(ScopeRule.IN_SCOPE), has_matching_value=False),
            DEFAULT,
            SkipReason.IMPORT_SKIPPED,
            id="no-matching-value-import-skipped",
        ),
        pytest.param(
            PlanInput(scope(ScopeRule.IN_SCOPE)),
            without(ObjectAction.ADD),
            SkipReason.ACTION_NOT_ENABLED,
            id="create-not-enabled",
        ),
        pytest.param(
            PlanInput(scope(ScopeRule.NOT_ASSIGNED)),
            DEFAULT,
            SkipReason.NOT_EFFECTIVELY_ENTITLED,
            id="out-of-scope-never-provisioned",
        ),
        pytest.param(
            PlanInput(scope(ScopeRule.DISABLED)),
            DEFAULT,
            SkipReason.NOT_EFFECTIVELY_ENTITLED,
            id="disabled-user-is-never-created",
        ),
        pytest.param(
            PlanInput(scope(ScopeRule.IN_SCOPE), LINKED),
            DEFAULT,
            SkipReason.REDUNDANT_EXPORT,
            id="nothing-changed-redundant-export",
        ),
        pytest.param(
            PlanInput(scope(ScopeRule.IN_SCOPE), LINKED, (CHANGE,)),
            DEFAULT,
            Update((CHANGE,)),
            id="changed-update",
        ),
        pytest.param(
            PlanInput(scope(ScopeRule.IN_SCOPE), LINKED, (CHANGE,)),
            without(ObjectAction.UPDATE),
            SkipReason.ACTION_NOT_ENABLED,
            id="update-not-enabled",
        ),
        pytest.param(
            PlanInput(
                scope(ScopeRule.NOT_ASSIGNED), Link("t-1", disabled=DisableCause.OUT_OF_SCOPE)
            ),
            DEFAULT,
            SkipReason.REDUNDANT_EXPORT,
            id="already-disabled",
        ),
    ],
)
def test_plan(subject: PlanInput, settings: PlanSettings, expected: Action | SkipReason) -> None:
    action = plan(subject, settings)
    if isinstance(expected, SkipReason):
        assert isinstance(action, Skip)
        assert action.reason is expected
        assert action.detail
    else:
        assert action == expected


def test_skip_sentence_carries_the_scope_reason() -> None:
    action = plan(PlanInput(scope(ScopeRule.NOT_ASSIGNED), LINKED), SKIP_DELETIONS)
    assert isinstance(action, Skip)
    assert action.detail.startswith("Decided by NotAssigned.")


def test_link_after_create_needs_the_target_id() -> None:
    with pytest.raises(ValueError, match="target id"):
        link_after(Create(), None)
    assert link_after(Create(), None, target_id="t-9", exported={"userName": "a"}) == Link(
        "t-9", {"userName": "a"}
    )


def test_link_after_disable_remembers_why_and_active_false() -> None:
    link = link_after(Disable("t-1", DisableCause.OUT_OF_SCOPE), LINKED)
    assert link is not None
    assert link.disabled is DisableCause.OUT_OF_SCOPE
    assert link.last_exported["active"] is False
    assert not link.is_managed


def test_link_after_enable_clears_the_disable_and_records_changes() -> None:
    disabled = Link("t-1", {"active": False}, DisableCause.SOURCE_INACTIVE)
    link = link_after(Enable("t-1", (CHANGE,)), disabled)
    assert link == Link("t-1", {"active": True, "displayName": "Ada King", "schemas": []})


def test_link_after_delete_unlinks_and_skip_keeps_the_link() -> None:
    assert link_after(Delete("t-1"), LINKED) is None
    assert link_after(Skip(SkipReason.REDUNDANT_EXPORT, "x"), LINKED) is LINKED


def test_link_after_update_needs_a_link() -> None:
    with pytest.raises(ValueError, match="no link"):
        link_after(Update((CHANGE,)), None)
