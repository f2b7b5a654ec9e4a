"""Cycles started by the admin API ("sync now"): in the background, one per app at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from scimitar.apps import Apps
from scimitar.connector.ratelimit import AccountLimits
from scimitar.engine import quarantine
from scimitar.engine.cycle import CycleBusyError
from scimitar.engine.events import EventSink
from scimitar.engine.guard import PAUSED
from scimitar.engine.jobstate import is_owner_alive, load_state, running_cycle
from scimitar.engine.quarantine import QuarantineReason
from scimitar.engine.runstate import CycleSummary
from scimitar.engine.service import build_runner
from scimitar.errors import ConfigError, ScimitarError
from scimitar.store import Database
from scimitar.store.tables.base import utcnow

__all__ = ["CycleLauncher", "DeletionsHeldError", "JobPausedError", "ProvisioningOffError"]

log = structlog.get_logger("scimitar.api")


class ProvisioningOffError(ConfigError):
    """A cycle was asked for while the app's provisioning is off."""


class JobPausedError(ConfigError):
    """A cycle was asked for while an admin has paused the job."""


class DeletionsHeldError(ConfigError):
    """A cycle was asked for while accidental-deletion prevention holds deletions."""


class CycleLauncher:
    """Runs "sync now" cycles in the server's background, one per app at a time.

    Args:
        database: The store.
        apps: The apps services.
        log_retention_days: Provisioning log records older than this are purged.
        events: Where the cycles publish their events (default: the process log).
        limits: The process's buckets of rate limits shared by a vendor account.
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        *,
        log_retention_days: int = 30,
        events: EventSink | None = None,
        limits: AccountLimits | None = None,
    ) -> None:
        self.limits = limits if limits is not None else AccountLimits()
        self._database = database
        self._events = events
        self._apps = apps
        self._retention_days = log_retention_days
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def is_running(self, app_id: str) -> bool:
        """Whether this process runs a cycle of the app now."""
        task = self._tasks.get(app_id)
        return task is not None and not task.done()

    async def check_startable(self, app_key: str) -> str:
        """The app's id, if a cycle can start now.

        Raises:
            NotFoundError: No such app.
            ProvisioningOffError: Provisioning is off.
            CycleBusyError: A cycle of the app is running.
        """
        config = await self._apps.provisioning.config(app_key)
        name = config.app.name
        if not config.is_on:
            raise ProvisioningOffError(
                f"provisioning is off for app {name!r}; turn it on first "
                f"(PUT /api/v1/apps/{config.app.id}/provisioning with state on)"
            )
        state = await load_state(self._database, config.app.id)
        if state.state == PAUSED:
            raise JobPausedError(
                f"provisioning of app {name!r} is paused; resume it first "
                f"(POST /api/v1/apps/{config.app.id}/start)"
            )
        async with self._database.read() as conn:
            held = await quarantine.load(conn, config.app.id)
        if held is not None and held.reason == QuarantineReason.TOO_MANY_DELETES:
            raise DeletionsHeldError(
                f"app {name!r} holds deletions a cycle was about to make; review them "
                f"(GET /api/v1/apps/{config.app.id}/deletes), then allow or reject them"
            )
        await self.check_idle(config.app.id, name)
        return config.app.id

    async def check_idle(self, app_id: str, name: str) -> None:
        """Refuse while a cycle of the app runs here or in another live process.

        Raises:
            CycleBusyError: A cycle of the app is running.
        """
        state = await load_state(self._database, app_id)
        busy = await running_cycle(self._database, state.current_cycle_id)
        is_alive = busy is not None and busy.status == "running" and is_owner_alive(state, utcnow())
        if self.is_running(app_id) or is_alive:
            raise CycleBusyError(
                f"a cycle of app {name!r} is already running; wait for it to end "
                f"(GET /api/v1/apps/{app_id}/status shows its progress)"
            )

    async def run(self, app_id: str, *, initial: bool) -> CycleSummary:
        """Run a cycle now and wait for it."""
        runner = build_runner(
            self._database,
            self._apps,
            log_retention_days=self._retention_days,
            events=self._events,
            limits=self.limits,
        )
        return await runner.run(app_id, force_initial=initial)

    def start(self, app_id: str, *, initial: bool) -> None:
        """Start a cycle in the background."""
        self.start_work(app_id, lambda: self.run(app_id, initial=initial))

    def start_work(self, app_id: str, work: Callable[[], Awaitable[object]]) -> None:
        """Run ``work`` (a cycle of the app, e.g. sending allowed deletions) in the background."""
        self._tasks[app_id] = asyncio.create_task(self._background(app_id, work))

    async def _background(self, app_id: str, work: Callable[[], Awaitable[object]]) -> None:
        try:
            await work()
            log.info("api_cycle_finished", app_id=app_id)
        except ScimitarError as exc:
            log.warning("api_cycle_failed", app_id=app_id, error=str(exc))

    async def stop(self) -> None:
        """Wait for the cycles started here (the server is shutting down)."""
        running = [task for task in self._tasks.values() if not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
