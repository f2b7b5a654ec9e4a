""" "Sync now" from the portal.

With a scheduler in this process (``scimitar serve``), the app's next run is moved to now and the
scheduler starts it within a tick, so two cycles of one app never run side by side in one
process. Without one (``--no-scheduler``), the admin API's launcher runs the cycle in the
background, one per app, exactly as ``POST /api/v1/apps/{app}/sync`` does.
"""

from __future__ import annotations

from sqlalchemy import update

from scimitar.apps import JobConfig
from scimitar.clock import utcnow
from scimitar.engine.run.admission import Refusal, Surface
from scimitar.engine.run.launcher import CycleLauncher
from scimitar.engine.state.status import JobStatus
from scimitar.store import Database
from scimitar.store.tables.engine import JOB_STATE

__all__ = ["SyncLauncher"]

#: The refusals the scheduler skips an app for (a running cycle it leaves to the runner).
_SCHEDULER_SKIPS = frozenset(Refusal) - {Refusal.BUSY}


class SyncLauncher:
    """Starts cycles on request.

    Args:
        database: The store.
        launcher: The admin API's background cycles (used without a scheduler).
        scheduled: Whether a scheduler runs in this process.
    """

    def __init__(self, database: Database, launcher: CycleLauncher, *, scheduled: bool) -> None:
        self._database = database
        self._launcher = launcher
        self._scheduled = scheduled
        #: The process's buckets of rate limits shared by a vendor account (the launcher's).
        self.limits = launcher.limits
        #: The cycles and on-demand holds of this process (the launcher's).
        self.jobs = launcher.jobs

    def is_pending(self, config: JobConfig, status: JobStatus) -> bool:
        """Whether a cycle of the app is about to start (the status page keeps refreshing)."""
        if self._launcher.is_running(config.app.id):
            return True
        if not self._scheduled or not config.is_on:
            return False
        return status.next_run_at is None or status.next_run_at <= utcnow()

    async def sync_now(self, config: JobConfig) -> str:
        """Start a cycle of the app as soon as possible; returns what happens, for a person.

        Raises:
            AdmissionError: Provisioning is off, the job is paused, it holds deletions, or
                (without a scheduler) a cycle is running.
        """
        app_id = config.app.id
        admission = await self._launcher.admit(app_id)
        if not self._scheduled:
            admission.raise_if_refused(Surface.PORTAL)
            self._launcher.start(app_id, initial=False)
            return "The cycle has started."
        # The scheduler runs the cycle (and refuses a busy app itself): only what it skips.
        admission.raise_if_refused(Surface.PORTAL, considering=_SCHEDULER_SKIPS)
        async with self._database.write() as conn:
            await conn.execute(
                update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(next_run_at=utcnow())
            )
        return "The scheduler starts the cycle within a few seconds."
