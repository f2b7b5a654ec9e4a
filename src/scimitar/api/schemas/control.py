"""Pause, start, restart and held deletions as the admin API shows them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scimitar.api.schemas.engine import CycleResult
from scimitar.engine.run.control import DEFAULT_RESET, ResetScope

__all__ = ["ControlResultDocument", "DeletesResultDocument", "RestartBody", "StagedDeletion"]


class ControlResultDocument(BaseModel):
    """What an admin action did to the job."""

    appId: str
    app: str
    state: str = Field(description="The job's state afterwards.")
    message: str
    reset: dict[str, int] = Field(description="For a restart: rows each reset removed.")


class RestartBody(BaseModel):
    """What a restart resets (Graph resetScope); the next cycle is an initial one."""

    model_config = ConfigDict(extra="forbid")

    reset: list[ResetScope] = Field(
        default_factory=lambda: sorted(DEFAULT_RESET),
        max_length=5,
        description="watermark, escrows, quarantine, links, or full (all of them).",
    )


class StagedDeletion(BaseModel):
    """A disable or delete held by accidental-deletion prevention."""

    objectType: str
    sourceId: str
    name: str
    targetId: str | None
    action: str = Field(description="disable or delete")
    cause: str | None
    change: str | None
    cycleId: str
    stagedAt: str


class DeletesResultDocument(BaseModel):
    """Held deletions allowed (sent in a cycle) or rejected (dropped)."""

    app: str
    decision: str = Field(description="allowed or rejected")
    count: int
    deletions: list[StagedDeletion]
    cycle: CycleResult | None


class DeletesStarted(BaseModel):
    """Allowed deletions being sent by a cycle in the background; follow it at statusUrl."""

    appId: str
    count: int
    statusUrl: str
