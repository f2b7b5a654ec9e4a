"""Cycles started on request ("sync now" in the admin API and the portal): in the background.

One per app at a time in this process; whether a cycle may start at all is
:func:`scimitar.engine.run.admission.admit`'s answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from scimitar.apps import Apps
from scimitar.connector.ratelimit import AccountLimits
from scimitar.engine.core.events import EventSink
from scimitar.engine.run.admission import Admission, Refusal, Surface, admit
from scimitar.engine.run.runstate import CycleSummary
from scimitar.engine.run.service import build_runner
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import ScimitarError
from scimitar.store import Database

__all__ = ["CycleLauncher"]

log = structlog.get_logger("scimitar.api")


class CycleLauncher:
    """Runs "sync now" cycles in the server's background, one per app at a time.

    Args:
        database: The store.
        apps: The apps services.
        jobs: The cycles this process runs (the process's one registry).
        log_retention_days: Provisioning log records older than this are purged.
        events: Where the cycles publish their events (default: the process log).
        limits: The process's buckets of rate limits shared by a vendor account.
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        *,
        jobs: JobRegistry,
        log_retention_days: int = 30,
        events: EventSink | None = None,
        limits: AccountLimits | None = None,
    ) -> None:
        self.limits = limits if limits is not None else AccountLimits()
        self._database = database
        self.jobs = jobs
        self._events = events
        self._apps = apps
        self._retention_days = log_retention_days
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def is_running(self, app_id: str) -> bool:
        """Whether this process runs a cycle of the app now."""
        task = self._tasks.get(app_id)
        return task is not None and not task.done()

    async def admit(self, app_key: str, *, force_deletes: bool = False) -> Admission:
        """Whether a cycle of the app may start now (counting the cycles started here).

        Raises:
            NotFoundError: No such app.
        """
        config = await self._apps.provisioning.config(app_key)
        return await admit(
            self._database,
            config,
            self.jobs,
            is_running_here=self.is_running(config.app.id),
            force_deletes=force_deletes,
        )

    async def check_startable(self, app_key: str, *, surface: Surface = Surface.API) -> str:
        """The app's id, if a cycle can start now.

        Raises:
            NotFoundError: No such app.
            AdmissionError: Provisioning is off, the job is paused, it holds deletions, or a
                cycle of the app is running (one subclass each).
        """
        admission = await self.admit(app_key)
        admission.raise_if_refused(surface)
        return admission.config.app.id

    async def check_idle(self, app_key: str, *, surface: Surface = Surface.API) -> None:
        """Refuse while a cycle of the app runs here or in another live process.

        Raises:
            CycleBusyError: A cycle of the app is running.
        """
        admission = await self.admit(app_key)
        admission.raise_if_refused(surface, considering={Refusal.BUSY})

    async def run(self, app_id: str, *, initial: bool) -> CycleSummary:
        """Run a cycle now and wait for it."""
        runner = build_runner(
            self._database,
            self._apps,
            jobs=self.jobs,
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
