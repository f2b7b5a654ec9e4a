"""Provisioning log records for what happened to one object (docs/entra.md §6.1)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime

from scimitar.engine.core.actions import (
    ACTIVE_PATH,
    Action,
    Adopt,
    Create,
    Delete,
    Disable,
    Enable,
    Failure,
    Skip,
    StagedDelete,
    Update,
)
from scimitar.engine.core.records import (
    NOT_KEPT,
    ErrorCode,
    ErrorInformation,
    ModifiedProperty,
    ProvisionedIdentity,
    ProvisioningRecord,
    RecordStatus,
    action_kind,
    error_code_for_status,
    modified_properties,
    new_record_id,
)
from scimitar.engine.core.steps import export_step
from scimitar.engine.state.linkstore import LinkChange
from scimitar.engine.state.work import Outcome, Prepared
from scimitar.errors import SyncError
from scimitar.mapping.flow import AttributeChange

__all__ = ["error_code_of", "failed", "succeeded"]


def _identity(prepared: Prepared, target_id: str | None) -> tuple[ProvisionedIdentity, ...]:
    """Entra's identities: a user's displayName, with its userPrincipalName in the details.

    ``scimitar logs --user`` finds a record by either (docs/provisioning.md).
    """
    name = prepared.display_name
    if name is None or name == prepared.display:
        return (
            ProvisionedIdentity(prepared.source_id, prepared.display, prepared.object_type),
            ProvisionedIdentity(target_id, prepared.display, prepared.object_type),
        )
    details = {"userPrincipalName": prepared.display}
    return (
        ProvisionedIdentity(prepared.source_id, name, prepared.object_type, details),
        ProvisionedIdentity(target_id, name, prepared.object_type, details),
    )


def succeeded(
    prepared: Prepared,
    job_id: str,
    cycle_id: str,
    now: datetime,
    action: Action,
    link_change: LinkChange | None,
    target_id: str | None,
) -> Outcome:
    kind = action_kind(action)
    status = RecordStatus.SUCCESS
    error = None
    skip_reason = None
    if isinstance(action, Skip):
        status, skip_reason = RecordStatus.SKIPPED, action.reason.value
    elif isinstance(action, StagedDelete):
        status = RecordStatus.SKIPPED
    elif isinstance(action, Failure):
        status = RecordStatus.FAILURE
        error = ErrorInformation.for_code(_code(action.code), action.message)
    elif not isinstance(action, Skip):
        prepared.steps.append(export_step(prepared.object_type, action, RecordStatus.SUCCESS))
    redacted = prepared.result.redacted if prepared.result else frozenset()
    changes = _logged_changes(prepared, action)
    source, target = _identity(prepared, target_id)
    record = ProvisioningRecord(
        id=new_record_id(),
        activity_date_time=now,
        job_id=job_id,
        cycle_id=cycle_id,
        change_id=prepared.change_id,
        action=kind,
        status=status,
        source_identity=source,
        target_identity=target,
        steps=tuple(prepared.steps),
        modified_properties=_noted(modified_properties(changes, redacted), prepared.not_kept),
        error=error,
        skip_reason=skip_reason,
        duration_ms=_elapsed(prepared),
    )
    count = "failure" if status is RecordStatus.FAILURE else _count_key(action)
    references = prepared.result.references if prepared.result else {}
    return Outcome(
        prepared.object_type,
        prepared.source_id,
        count,
        link_change,
        record,
        references,
        is_mapped=prepared.result is not None,
    )


def _noted(shown: tuple[ModifiedProperty, ...], not_kept: set[str]) -> tuple[ModifiedProperty, ...]:
    """Mark the properties the app did not keep (:mod:`scimitar.engine.run.writes`)."""
    if not not_kept:
        return shown
    return tuple(replace(p, note=NOT_KEPT) if p.display_name in not_kept else p for p in shown)


def _logged_changes(prepared: Prepared, action: Action) -> tuple[AttributeChange, ...]:
    """What a record shows under modified properties: what was sent.

    A disable sends ``active`` true → false and an enable false → true (with any other
    changes), as Entra's records show them.
    """
    if isinstance(action, Skip | StagedDelete | Failure):
        return ()
    if isinstance(action, Disable):
        return (AttributeChange(ACTIVE_PATH, True, False),)
    if isinstance(action, Enable):
        return action.body_changes
    return prepared.changes


def _code(code: str) -> ErrorCode:
    try:
        return ErrorCode(code)
    except ValueError:
        return ErrorCode.BAD_REQUEST


def error_code_of(exc: SyncError, *, is_linked: bool) -> ErrorCode:
    """Entra's error code for a failure (docs/entra.md §1.8): by HTTP status, else timeout or
    other."""
    status_code = getattr(exc, "status", None)
    if status_code:
        return error_code_for_status(status_code, is_linked=is_linked)
    if "timeout" in str(exc).lower():
        return ErrorCode.TIMEOUT
    return ErrorCode.INTERNAL_SERVER_ERROR


def failed(
    prepared: Prepared, job_id: str, cycle_id: str, now: datetime, exc: SyncError
) -> Outcome:
    code = error_code_of(exc, is_linked=prepared.link is not None)
    prepared.steps.append(
        export_step(prepared.object_type, prepared.action, RecordStatus.FAILURE, str(exc))
    )
    source, target = _identity(prepared, prepared.link.target_id if prepared.link else None)
    record = ProvisioningRecord(
        id=new_record_id(),
        activity_date_time=now,
        job_id=job_id,
        cycle_id=cycle_id,
        change_id=prepared.change_id,
        action=action_kind(prepared.action),
        status=RecordStatus.FAILURE,
        source_identity=source,
        target_identity=target,
        steps=tuple(prepared.steps),
        error=ErrorInformation.for_code(code, str(exc)),
        duration_ms=_elapsed(prepared),
    )
    return Outcome(prepared.object_type, prepared.source_id, "failure", None, record)


def _count_key(action: Action) -> str:
    match action:
        case Create():
            return "create"
        case Update() | Adopt():
            return "update"
        case Disable():
            return "disable"
        case Enable():
            return "enable"
        case Delete():
            return "delete"
        case StagedDelete():
            return "staged_delete"
    return "skip"


def _elapsed(prepared: Prepared) -> int:
    return int((time.monotonic() - prepared.started) * 1000)
