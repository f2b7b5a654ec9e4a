"""Cycles, job status and provisioning log records as the admin API shows them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from scimitar.api.schemas.apps import AppDocument

__all__ = [
    "CycleResult",
    "JobStatusDocument",
    "LogPageDocument",
    "LogRecord",
    "SyncStarted",
]


class CycleResult(BaseModel):
    """A cycle that ran to its end (`wait=true`)."""

    cycleId: str
    kind: str = Field(description="initial or incremental")
    status: str
    counts: dict[str, int] = Field(description="Objects per action.")
    objects: int
    seconds: float
    error: str | None


class SyncStarted(BaseModel):
    """A cycle started in the background; follow it at statusUrl."""

    appId: str
    initial: bool
    statusUrl: str


class CycleProgressDocument(BaseModel):
    """How far a running cycle has got."""

    phase: str | None
    pages: int
    objects: int
    total: int | None
    rate: float
    percent: float | None
    etaSeconds: float | None


class CycleDocument(BaseModel):
    """One cycle: kind, status, times, counts by action, error, progress."""

    id: str
    kind: str
    status: str = Field(description="running, succeeded, failed or interrupted")
    startedAt: str | None
    endedAt: str | None
    durationSeconds: float | None
    counts: dict[str, int]
    failures: int
    error: str | None
    progress: CycleProgressDocument | None


class JobStatusDocument(BaseModel):
    """An app's provisioning job: state, cycles, steady state, linked objects (spec §3.9)."""

    app: AppDocument
    appId: str
    state: str = Field(description="not_run, active, paused or quarantined")
    lastCycle: CycleDocument | None
    runningCycle: CycleDocument | None
    firstSteadyAt: str | None
    lastSteadyAt: str | None
    nextRunAt: str | None
    watermark: str | None
    linked: dict[str, int] = Field(description="Linked objects per type (User, Group).")


class Identity(BaseModel):
    """A source or target object (Graph provisionedIdentity)."""

    id: str | None
    displayName: str | None
    identityType: str
    details: dict[str, str]


class Step(BaseModel):
    """One provisioning step (import, scoping, matching, action, export)."""

    name: str
    provisioningStepType: str
    status: str
    description: str
    details: dict[str, str]


class ModifiedPropertyDocument(BaseModel):
    """One changed attribute."""

    displayName: str
    oldValue: str | None
    newValue: str | None


class ErrorInformation(BaseModel):
    """Why a record failed, and what to do."""

    errorCode: str
    reason: str
    additionalDetails: str | None
    errorCategory: str
    recommendedAction: str


class StatusInfo(BaseModel):
    """The record's status and error."""

    status: str = Field(description="success, failure, skipped or warning")
    errorInformation: ErrorInformation | None


class LogRecord(BaseModel):
    """One provisioning log record (Graph provisioningObjectSummary shape, spec §6.1)."""

    id: str
    activityDateTime: str
    jobId: str
    cycleId: str
    changeId: str
    provisioningAction: str
    durationInMilliseconds: int
    sourceIdentity: Identity
    targetIdentity: Identity
    provisioningSteps: list[Step]
    modifiedProperties: list[ModifiedPropertyDocument]
    provisioningStatusInfo: StatusInfo
    skipReason: str | None


class LogPageDocument(BaseModel):
    """One page of records, newest first."""

    records: list[LogRecord]
    nextBefore: str | None = Field(
        description="Pass as `before` for older records; null on the last page."
    )
