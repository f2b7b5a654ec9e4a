"""Provisioning log records (docs/entra.md §6.1): shape, redaction, error codes, JSON round-trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import (
    Action,
    Adopt,
    Create,
    Delete,
    Disable,
    DisableCause,
    Enable,
    Failure,
    Match,
    Skip,
    SkipReason,
    StagedDelete,
    Update,
)
from scimitar.engine.core.matching import MatchAttempt
from scimitar.engine.core.records import (
    ErrorCode,
    ErrorInformation,
    ModifiedProperty,
    ProvisionedIdentity,
    ProvisioningAction,
    ProvisioningRecord,
    RecordStatus,
    StepType,
    action_kind,
    error_code_for_status,
    modified_properties,
)
from scimitar.engine.core.scope import ScopeResult, ScopeRule
from scimitar.engine.core.steps import (
    decision_step,
    export_step,
    import_step,
    matching_step,
    scoping_step,
)
from scimitar.mapping.flow import AttributeChange

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def record(**options: object) -> ProvisioningRecord:
    changes = [AttributeChange("displayName", None, "Ada"), AttributeChange("password", "a", "b")]
    scope = ScopeResult(True, ScopeRule.IN_SCOPE, "In.", details={"IsActive": "True"})
    values: dict[str, object] = {
        "id": "rec-1",
        "activity_date_time": WHEN,
        "job_id": "scim.tenant.job",
        "cycle_id": "cycle-1",
        "change_id": "change-1",
        "action": ProvisioningAction.CREATE,
        "status": RecordStatus.FAILURE,
        "source_identity": ProvisionedIdentity(
            "u-1", "Ada", "User", {"userPrincipalName": "ada@x"}
        ),
        "target_identity": ProvisionedIdentity(None, None, "User"),
        "steps": (
            import_step("User", "Ada", ChangeKind.CREATED),
            scoping_step("User", scope),
            matching_step("User", Create(), [MatchAttempt("userName", "ada@x")]),
            decision_step("User", Create()),
            export_step("User", Create(), RecordStatus.FAILURE, "Failed to create User 'Ada'"),
        ),
        "modified_properties": modified_properties(changes, frozenset({"password"})),
        "error": ErrorInformation.for_code(ErrorCode.BAD_REQUEST, "400 invalidValue"),
        "duration_ms": 42,
    }
    values.update(options)
    return ProvisioningRecord(**values)  # type: ignore[arg-type]


def test_json_round_trip() -> None:
    original = record()
    text = json.dumps(original.to_dict())
    assert ProvisioningRecord.from_dict(json.loads(text)) == original


def test_round_trip_of_a_skipped_record_without_error() -> None:
    skipped = record(
        status=RecordStatus.SKIPPED, error=None, skip_reason="RedundantExport", steps=()
    )
    assert ProvisioningRecord.from_dict(skipped.to_dict()) == skipped


def test_graph_shape() -> None:
    data = record().to_dict()
    assert data["provisioningStatusInfo"]["status"] == "failure"
    assert data["provisioningStatusInfo"]["errorInformation"]["errorCode"] == (
        "SystemForCrossDomainIdentityManagementBadRequest"
    )
    assert [s["name"] for s in data["provisioningSteps"]] == [
        "EntryImportAdd",
        "EntrySynchronizationScoping",
        "EntryMatching",
        "EntrySynchronizationAdd",
        "EntryExportAdd",
    ]
    assert data["provisioningSteps"][1]["details"]["IsActive"] == "True"
    assert data["activityDateTime"] == "2024-05-01T12:00:00+00:00"


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        record(activity_date_time=datetime(2024, 5, 1))  # noqa: DTZ001 - the point of the test


def test_modified_properties_redact_and_render_values() -> None:
    changes = [
        AttributeChange("password", "old", "new"),
        AttributeChange("active", True, False),
        AttributeChange("roles", None, [{"value": "Admin"}]),
    ]
    assert modified_properties(changes, frozenset({"password"})) == (
        ModifiedProperty("password", "[Redact]", "[Redact]"),
        ModifiedProperty("active", "True", "False"),
        ModifiedProperty("roles", None, '[{"value": "Admin"}]'),
    )


@pytest.mark.parametrize(
    ("status", "is_linked", "code"),
    [
        (400, True, ErrorCode.BAD_REQUEST),
        (401, True, ErrorCode.UNAUTHORIZED),
        (403, True, ErrorCode.INSUFFICIENT_RIGHTS),
        (404, True, ErrorCode.INVALID_ANCHOR),
        (404, False, ErrorCode.SERVICE_INCOMPATIBLE),
        (409, True, ErrorCode.ENTRY_CONFLICT),
        (429, True, ErrorCode.TOO_MANY_REQUESTS),
        (500, True, ErrorCode.INTERNAL_SERVER_ERROR),
        (503, True, ErrorCode.INTERNAL_SERVER_ERROR),
        (504, True, ErrorCode.TIMEOUT),
        (302, True, ErrorCode.SERVICE_INCOMPATIBLE),
    ],
)
def test_error_code_for_status(status: int, is_linked: bool, code: ErrorCode) -> None:
    assert error_code_for_status(status, is_linked=is_linked) is code


def test_every_error_code_has_a_recommended_action() -> None:
    assert all(code.recommended_action.endswith(".") for code in ErrorCode)


@pytest.mark.parametrize(
    ("action", "kind", "graph"),
    [
        (Create(), ProvisioningAction.CREATE, "create"),
        (Update(()), ProvisioningAction.UPDATE, "update"),
        (Adopt("t"), ProvisioningAction.UPDATE, "update"),
        (Enable("t"), ProvisioningAction.ENABLE, "update"),
        (Disable("t", DisableCause.OUT_OF_SCOPE), ProvisioningAction.DISABLE, "disable"),
        (Delete("t"), ProvisioningAction.DELETE, "delete"),
        (StagedDelete(Delete("t")), ProvisioningAction.STAGED_DELETE, "stageddelete"),
        (Skip(SkipReason.REDUNDANT_EXPORT, "x"), ProvisioningAction.SKIP, "other"),
        (Match(), ProvisioningAction.OTHER, "other"),
        (Failure("DuplicateTargetEntries", "x"), ProvisioningAction.OTHER, "other"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_action_kind(action: Action, kind: ProvisioningAction, graph: str) -> None:
    assert action_kind(action) is kind
    assert kind.graph_value == graph


@pytest.mark.parametrize(
    ("action", "name"),
    [
        (Create(), "EntryExportAdd"),
        (Update(()), "EntryExportUpdate"),
        (Enable("t"), "EntryExportUpdate"),
        (Disable("t", DisableCause.SOURCE_INACTIVE), "EntryExportUpdateSoftDelete"),
        (Delete("t"), "EntryExportDelete"),
    ],
    ids=["create", "update", "enable", "disable", "delete"],
)
def test_export_step_names(action: Action, name: str) -> None:
    step = export_step("User", action, RecordStatus.SUCCESS)
    assert step.name == name
    assert step.step_type is StepType.EXPORT


def test_skip_decision_carries_the_skip_reason() -> None:
    step = decision_step("User", Skip(SkipReason.NOT_EFFECTIVELY_ENTITLED, "User is not assigned."))
    assert step.name == "EntrySynchronizationSkip"
    assert step.status is RecordStatus.SKIPPED
    assert step.details == {"SkipReason": "NotEffectivelyEntitled"}


def test_import_step_of_a_full_read_and_of_a_change() -> None:
    assert import_step("Group", "Sales", None).name == "EntryImport"
    step = import_step("Group", "Sales", ChangeKind.MEMBER_ADDED)
    assert (
        step.description
        == "Received Group 'Sales' change of type (Update) from the source directory"
    )


def test_duplicate_matching_step_fails() -> None:
    failure = Failure("DuplicateTargetEntries", "2 objects match")
    step = matching_step("User", failure, [MatchAttempt("userName", "ada", ("a", "b"))])
    assert step.status is RecordStatus.FAILURE
    assert step.details == {"MatchingAttempts": "userName eq 'ada' (2)"}
