"""Jobs of the PostgreSQL store's queue as the admin API shows them (docs/deploy.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["JobAppDocument", "JobDocument", "JobsDocument"]


class JobAppDocument(BaseModel):
    """The app a job works for."""

    id: str
    name: str | None = Field(description="Null when the app was deleted since.")


class JobDocument(BaseModel):
    """One job: queued, running or finished."""

    id: int
    status: str = Field(description="queued, running, succeeded, failed, cancelled or aborted.")
    task: str = Field(description="scimitar.cycle")
    queue: str
    app: JobAppDocument | None
    worker: str | None = Field(description="host:pid of the worker that took it up last.")
    attempts: int = Field(description="Times it was handed back (a worker died, or was busy).")
    queuedAt: str | None
    startedAt: str | None
    endedAt: str | None
    ageSeconds: float | None = Field(
        description="Since queued (queued), started (running) or ended (finished)."
    )
    cycleId: str | None
    error: str | None = Field(description="Why a failed job failed.")
    args: dict[str, Any]


class JobsDocument(BaseModel):
    """Queued and running jobs, then the most recent finished ones."""

    hasQueue: bool = Field(description="False on SQLite: `scimitar serve` runs every cycle.")
    jobs: list[JobDocument]
