"""Plans made in the background, followed by polling (the admin API's ``POST .../plan``).

A plan of a large app reads for seconds or minutes; :class:`PlanJobs` runs each in a task of
the serving process and keeps its progress (the rehearsed cycle's phase and objects, as a
cycle reports them) and then its result or error, for the faces to show. Finished plans are
kept for :data:`KEPT_FINISHED` at most, oldest dropped first; the registry lives on the object
the face holds, never in a module global.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog

from scimitar.engine.run.admission import Surface
from scimitar.engine.run.cycle import Progress
from scimitar.engine.run.preview import CyclePlan, plan_cycle
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import NotFoundError, ScimitarError
from scimitar.gallery.service import GalleryService
from scimitar.settings import Settings
from scimitar.store import Database

__all__ = ["KEPT_FINISHED", "PlanJob", "PlanJobs"]

log = structlog.get_logger(__name__)

#: Finished plans kept for polling.
KEPT_FINISHED = 20


@dataclass
class PlanJob:
    """One plan being made, or made."""

    id: str
    app_id: str
    initial: bool
    status: str = "running"
    progress: dict[str, Any] = field(default_factory=dict)
    plan: CyclePlan | None = None
    error: str | None = None

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """JSON shape: the progress while running, then the plan or the error."""
        return {
            "planId": self.id,
            "appId": self.app_id,
            "initial": self.initial,
            "status": self.status,
            "progress": self.progress,
            "plan": None if self.plan is None else self.plan.to_dict(limit),
            "error": self.error,
        }


class PlanJobs:
    """Plans of a serving process, by id.

    Args:
        database: The store.
        settings: The server's settings.
        gallery: The templates.
        surface: Where errors are shown (names the fix there).
        running: The cycles this process runs (the process's registry).
    """

    def __init__(
        self,
        database: Database,
        settings: Settings,
        gallery: GalleryService | None = None,
        surface: Surface = Surface.API,
        running: JobRegistry | None = None,
    ) -> None:
        self._database = database
        self._running = running
        self._settings = settings
        self._gallery = gallery
        self._surface = surface
        self._jobs: dict[str, PlanJob] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, app_id: str, *, initial: bool = False, proposed: str | None = None) -> PlanJob:
        """Begin a plan of ``app_id`` in the background."""
        job = PlanJob(uuid.uuid4().hex, app_id, initial or proposed is not None)
        self._jobs[job.id] = job
        self._tasks[job.id] = asyncio.create_task(self._make(job, proposed))
        self._forget_old()
        return job

    async def make(
        self, app_id: str, *, initial: bool = False, proposed: str | None = None
    ) -> PlanJob:
        """Make a plan now and answer when it is done (errors are raised)."""
        job = PlanJob(uuid.uuid4().hex, app_id, initial or proposed is not None)
        job.plan = await self._plan(job, proposed)
        job.status = "succeeded"
        return job

    def get(self, app_id: str, plan_id: str) -> PlanJob:
        """A plan by id.

        Raises:
            NotFoundError: No such plan of this app (or it was dropped).
        """
        job = self._jobs.get(plan_id)
        if job is None or job.app_id != app_id:
            raise NotFoundError(
                f"no plan {plan_id!r} of this app (plans are kept while the server runs, the "
                f"last {KEPT_FINISHED}); start one with POST /api/v1/apps/{app_id}/plan"
            )
        return job

    async def _make(self, job: PlanJob, proposed: str | None) -> None:
        try:
            job.plan = await self._plan(job, proposed)
            job.status = "succeeded"
        except ScimitarError as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # a bug must not leave the plan "running"
            log.exception("plan_failed", app_id=job.app_id, plan_id=job.id)
            job.status, job.error = "failed", f"the plan stopped on an internal error: {exc}"
        finally:
            self._tasks.pop(job.id, None)

    async def _plan(self, job: PlanJob, proposed: str | None) -> CyclePlan:
        def note(progress: Progress) -> None:
            job.progress = {"kind": progress.kind, **progress.to_dict()}

        return await plan_cycle(
            self._database,
            self._settings,
            job.app_id,
            initial=job.initial,
            proposed=proposed,
            gallery=self._gallery,
            on_progress=note,
            surface=self._surface,
            jobs=self._running,
        )

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.status != "running"]
        for job in finished[: max(0, len(finished) - KEPT_FINISHED)]:
            del self._jobs[job.id]
