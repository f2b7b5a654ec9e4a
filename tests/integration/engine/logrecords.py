"""Provisioning log records for store and CLI tests, built with the records module."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import Action, Create, Delete, Skip, SkipReason, Update
from scimitar.engine.core.records import (
    ErrorCode,
    ErrorInformation,
    ProvisionedIdentity,
    ProvisioningAction,
    ProvisioningRecord,
    RecordStatus,
    modified_properties,
)
from scimitar.engine.core.steps import decision_step, export_step, import_step
from scimitar.mapping.flow import AttributeChange

__all__ = ["NOW", "make_record"]

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

_PLANNED: dict[ProvisioningAction, Action] = {
    ProvisioningAction.CREATE: Create(),
    ProvisioningAction.UPDATE: Update(()),
    ProvisioningAction.DELETE: Delete("t"),
    ProvisioningAction.SKIP: Skip(SkipReason.REDUNDANT_EXPORT, "Nothing changed"),
}


def make_record(
    number: int,
    *,
    action: ProvisioningAction = ProvisioningAction.CREATE,
    status: RecordStatus = RecordStatus.SUCCESS,
    cycle: str = "cycle-1",
    upn: str | None = None,
    display_name: str | None = None,
    target_id: str | None = None,
    object_type: str = "User",
    age: timedelta = timedelta(0),
    error: ErrorCode | None = None,
) -> ProvisioningRecord:
    """Record ``number`` of a cycle: ``age`` before :data:`NOW`, one minute apart by number."""
    name = display_name or f"User {number}"
    details = {} if upn is None else {"userPrincipalName": upn}
    planned = _PLANNED.get(action, Update(()))
    changes = [
        AttributeChange("displayName", None, name),
        AttributeChange("password", None, "s3cret"),
    ]
    return ProvisioningRecord(
        id=f"rec-{number:04d}",
        activity_date_time=NOW - age + timedelta(minutes=number),
        job_id="scim.job",
        cycle_id=cycle,
        change_id=f"change-{number}",
        action=action,
        status=status,
        source_identity=ProvisionedIdentity(f"src-{number}", name, object_type, details),
        target_identity=ProvisionedIdentity(target_id, name if target_id else None, object_type),
        steps=(
            import_step(object_type, name, ChangeKind.CREATED),
            decision_step(object_type, planned),
            export_step(object_type, planned, status),
        ),
        modified_properties=modified_properties(changes, frozenset({"password"})),
        error=None
        if error is None
        else ErrorInformation.for_code(error, f"{error.value} on {name}, the app said no"),
        duration_ms=10 + number,
    )
