"""Provisioning log records of a source sync, one per object per action (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scimitar.engine.core.records import (
    ErrorCode,
    ErrorInformation,
    Initiator,
    ModifiedProperty,
    ProvisionedIdentity,
    ProvisioningAction,
    ProvisioningRecord,
    ProvisioningStep,
    RecordStatus,
    StepType,
    new_record_id,
)

__all__ = ["ObjectOutcome", "build_record", "changed_properties"]

_NAME_KEYS = ("userPrincipalName", "userName", "mail", "displayName", "cn")


@dataclass(slots=True)
class ObjectOutcome:
    """What happened to one source object, gathered on the way through the sync."""

    object_type: str
    anchor: str
    source_attributes: Mapping[str, object]
    change_id: str
    steps: list[ProvisioningStep] = field(default_factory=list)
    action: ProvisioningAction = ProvisioningAction.OTHER
    status: RecordStatus = RecordStatus.SUCCESS
    object_id: str | None = None
    object_name: str | None = None
    properties: tuple[ModifiedProperty, ...] = ()
    error: ErrorInformation | None = None
    skip_reason: str | None = None

    def step(
        self, step_type: StepType, description: str, status: RecordStatus = RecordStatus.SUCCESS
    ) -> None:
        """Add a step."""
        names = {
            StepType.IMPORT: "Import",
            StepType.SCOPING: "Scoping",
            StepType.MATCHING: "Matching",
            StepType.PROCESSING: "Processing",
            StepType.REFERENCE_RESOLUTION: "References",
            StepType.EXPORT: "Directory write",
        }
        self.steps.append(ProvisioningStep(names[step_type], step_type, status, description))

    def fail(self, code: ErrorCode | str, reason: str, recommended: str | None = None) -> None:
        """Mark the object failed with an error code and a reason."""
        self.status = RecordStatus.FAILURE
        if isinstance(code, ErrorCode):
            self.error = ErrorInformation.for_code(code, reason)
        else:
            self.error = ErrorInformation(code, reason, recommended or "")
        self.step(StepType.PROCESSING, reason, RecordStatus.FAILURE)

    def skip(self, reason_code: str, description: str) -> None:
        """Mark the object skipped."""
        self.status = RecordStatus.SKIPPED
        self.action = ProvisioningAction.SKIP
        self.skip_reason = reason_code
        self.step(StepType.PROCESSING, description, RecordStatus.SKIPPED)


def _display(attributes: Mapping[str, object]) -> str | None:
    for key in _NAME_KEYS:
        value = attributes.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def build_record(
    outcome: ObjectOutcome,
    *,
    source_id: str,
    source_name: str,
    run_id: str,
    at: datetime,
    initiator: Initiator | None = None,
) -> ProvisioningRecord:
    """The log record of ``outcome``."""
    kind = outcome.object_type
    source = ProvisionedIdentity(
        outcome.anchor, _display(outcome.source_attributes), kind, {"source": source_name}
    )
    details = (
        {"userPrincipalName": outcome.object_name} if kind == "User" and outcome.object_name else {}
    )
    target = ProvisionedIdentity(outcome.object_id, outcome.object_name, kind, details)
    return ProvisioningRecord(
        id=new_record_id(),
        activity_date_time=at,
        job_id=source_id,
        cycle_id=run_id,
        change_id=outcome.change_id,
        action=outcome.action,
        status=outcome.status,
        source_identity=source,
        target_identity=target,
        steps=tuple(outcome.steps),
        modified_properties=outcome.properties,
        error=outcome.error,
        skip_reason=outcome.skip_reason,
        initiated_by=initiator,
    )


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def changed_properties(
    before: Mapping[str, Any], after: Mapping[str, Any], names: list[str] | tuple[str, ...]
) -> tuple[ModifiedProperty, ...]:
    """Old → new of the named attributes."""
    shown: list[ModifiedProperty] = []
    for name in names:
        old, new = before.get(name), after.get(name)
        # Text and no value show as they are: no call for the usual case.
        old = old if old is None or type(old) is str else _shown(old)
        new = new if new is None or type(new) is str else _shown(new)
        shown.append(ModifiedProperty(name, old, new))
    return tuple(shown)
