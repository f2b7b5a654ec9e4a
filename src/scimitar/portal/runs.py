""" "Sync now" from the portal.

With a scheduler in this process (``scimitar serve``), the app's next run is moved to now and the
scheduler starts it within a tick, so two cycles of one app never run side by side in one
process. Without one (``--no-scheduler``), the admin API's launcher runs the cycle in the
background, one per app, exactly as ``POST /api/v1/apps/{app}/sync`` does.
"""

from __future__ import annotations

from sqlalchemy import update

from scimitar.api.cycles import CycleLauncher
from scimitar.apps import JobConfig
from scimitar.engine import jobstate
from scimitar.engine.status import JobStatus
from scimitar.errors import ConfigError
from scimitar.store import Database
from scimitar.store.tables.base import utcnow
from scimitar.store.tables.engine import JOB_STATE

__all__ = ["SyncLauncher"]


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
            ConfigError: Provisioning is off, or (without a scheduler) a cycle is running.
        """
        if not config.is_on:
            raise ConfigError(
                f"provisioning of {config.app.name} is off; turn it On on the Provisioning page"
            )
        app_id = config.app.id
        if not self._scheduled:
            self._launcher.start(await self._launcher.check_startable(app_id), initial=False)
            return "The cycle has started."
        await jobstate.load_state(self._database, app_id)
        async with self._database.write() as conn:
            await conn.execute(
                update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(next_run_at=utcnow())
            )
        return "The scheduler starts the cycle within a few seconds."
