"""Cycles, job status and provisioning log records as the admin API shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scimitar.api.schemas.apps import AppDocument

__all__ = [
    "CycleResult",
    "JobStatusDocument",
    "LogPageDocument",
    "LogRecord",
    "OnDemandTraceDocument",
    "ProvisionOnDemand",
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
    trigger: str = Field(
        default="cycle", description="cycle (the schedule or an admin) or realtime (a change)"
    )
    status: str = Field(description="running, succeeded, failed or interrupted")
    startedAt: str | None
    endedAt: str | None
    durationSeconds: float | None
    counts: dict[str, int]
    failures: int
    error: str | None
    progress: CycleProgressDocument | None


class AppQuirkDocument(BaseModel):
    """Something the app does not implement, learned from its answers."""

    kind: str = Field(description="patchRefused, filterIgnored or notKept")
    objectType: str
    attribute: str
    message: str
    detail: str | None
    detectedAt: str | None


class AppliedChangeDocument(BaseModel):
    """The newest directory change a run applied, and how long it took to reach the app."""

    seq: int = Field(description="Its number in the directory's change feed.")
    changedAt: str = Field(description="When it was committed.")
    appliedAt: str = Field(description="When the run that applied it ended.")
    lagSeconds: float = Field(description="appliedAt - changedAt.")
    pending: int = Field(description="Changes committed since, not applied yet.")


class JobStatusDocument(BaseModel):
    """An app's provisioning job: state, cycles, steady state, linked objects (docs/entra.md
    §3.9)."""

    app: AppDocument
    appId: str
    state: str = Field(
        description="off (Provisioning Status Off), not_run, active, paused, quarantined or "
        "disabled"
    )
    lastCycle: CycleDocument | None
    runningCycle: CycleDocument | None
    firstSteadyAt: str | None
    lastSteadyAt: str | None
    nextRunAt: str | None
    watermark: str | None
    linked: dict[str, int] = Field(description="Linked objects per type (User, Group).")
    appQuirks: list[AppQuirkDocument] = Field(
        default_factory=list,
        description="What the app was found not to implement, and what the engine does about "
        "it (docs/provisioning.md).",
    )
    realtime: bool = Field(
        default=False, description="Whether real-time runs apply changes between cycles."
    )
    lastChangeApplied: AppliedChangeDocument | None = Field(
        default=None, description="The newest directory change applied, and its lag."
    )


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
    note: str | None = Field(
        default=None, description='"not kept by the app": accepted by the app and dropped.'
    )


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


class InitiatorDocument(BaseModel):
    """Who started an action (provision on demand); cycles leave it out."""

    id: str | None
    displayName: str
    initiatorType: str = Field(description="user or application")


class LogRecord(BaseModel):
    """One provisioning log record (Graph provisioningObjectSummary shape, docs/entra.md §6.1)."""

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
    initiatedBy: InitiatorDocument | None = Field(
        default=None, description="Who asked, for provision on demand."
    )
    trigger: Literal["cycle", "realtime", "onDemand"] = Field(
        default="cycle",
        description="What acted: a cycle, a real-time run (a change applied between cycles) "
        "or provisioning on demand.",
    )


class LogPageDocument(BaseModel):
    """One page of records, newest first."""

    records: list[LogRecord]
    nextBefore: str | None = Field(
        description="Pass as `before` for older records; null on the last page."
    )


class ProvisionOnDemand(BaseModel):
    """Provision one user, or one group with up to five of its direct members, now."""

    model_config = ConfigDict(extra="forbid")

    user: str | None = Field(default=None, max_length=400, description="A UPN or objectId.")
    group: str | None = Field(default=None, max_length=400, description="A name or objectId.")
    members: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="With group: members (UPN or objectId) to provision with it; default all "
        "of its direct user members (then it may have at most five).",
    )
    wait: float = Field(
        default=10.0, ge=0, le=120, description="Seconds to wait for a running cycle to end."
    )


class TraceStepDocument(BaseModel):
    """One step of provision on demand (connection, import, scope, match, action...)."""

    name: str
    title: str
    status: str = Field(description="success, skipped or failure")
    description: str
    details: dict[str, Any]


class ObjectTraceDocument(BaseModel):
    """The steps one object went through and the log record written for it."""

    objectType: str
    sourceId: str
    displayName: str
    role: str = Field(description="subject, member, membership or manager")
    result: str
    steps: list[TraceStepDocument]
    record: LogRecord | None


class OnDemandError(BaseModel):
    """The first failure's error code and message."""

    errorCode: str
    errorMessage: str


class OnDemandTraceDocument(BaseModel):
    """A provision-on-demand run: the result, each object's steps, and the log records."""

    kind: str
    appId: str
    appName: str
    cycleId: str
    startedAt: str
    durationInMilliseconds: int
    result: str = Field(description="success, skipped or failure")
    details: OnDemandError | None
    testConnection: TraceStepDocument | None = Field(description="Only when it failed.")
    objects: list[ObjectTraceDocument]
    record: LogRecord | None
