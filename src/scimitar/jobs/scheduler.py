"""The in-process scheduler: runs each app's cycle on its interval (the embedded default).

Every tick it looks at the apps whose provisioning is on and runs the cycles that are due, one
app at a time, so a slow app delays the others rather than overloading the store. A cycle's
failure is logged and the app is tried again at its next interval — or, while the job is
quarantined, on the quarantine's schedule (6 h, 12 h, 24 h, then daily; docs/entra.md §3.7). Paused
jobs
and jobs whose deletions are held for an admin are not run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy import select, update

from scimitar.apps import Apps, JobConfig
from scimitar.audit import AuditLog
from scimitar.clock import utcnow
from scimitar.connector.ratelimit import AccountLimits
from scimitar.directory.service import DirectoryService
from scimitar.engine.core.events import EventSink, LogSink
from scimitar.engine.run.admission import Refusal, admit
from scimitar.engine.run.service import build_runner
from scimitar.engine.state import quarantine
from scimitar.engine.state.logstore import ProvisioningLogStore, retention_cutoff
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import ScimitarError
from scimitar.jobs.locks import AppLocks
from scimitar.sources.schedule import SourceRunner
from scimitar.store import Database
from scimitar.store.tables.engine import JOB_STATE

__all__ = ["CycleDispatch", "Scheduler"]

log = structlog.get_logger("scimitar.scheduler")

#: How often the directory's expired soft-deleted objects are purged.
PURGE_EVERY = timedelta(hours=1)


class CycleDispatch(Protocol):
    """Where due cycles go instead of running here (the queue of a PostgreSQL store)."""

    async def is_leader(self) -> bool:
        """Whether this process is the one scheduler acting on this tick."""
        ...

    async def dispatch(self, app_id: str, interval: timedelta) -> None:
        """Hand the app's due cycle over (queue it)."""
        ...


class Scheduler:
    """Runs due cycles every ``tick_seconds`` until stopped.

    Args:
        database: The store.
        apps: The apps services.
        jobs: The cycles this process runs (the process's one registry).
        tick_seconds: How often to look for due cycles.
        clock: The current UTC time (injectable for tests).
        log_retention_days: Provisioning log records older than this are purged.
        directory: The directory whose expired soft-deleted objects are purged hourly.
        audit: The audit log whose records past retention are pruned hourly.
        events: Where the jobs' events go (failed cycles, quarantine, held deletions).
        limits: The process's buckets of rate limits shared by a vendor account.
        sources: Runs the identity sources' scheduled syncs, before the apps' cycles.
        dispatch: Queue due cycles for the workers instead of running them here; only the
            cluster's one scheduler (``dispatch.is_leader()``) acts on a tick.
        locks: The per-app locks shared with the real-time runner (one run per app at once).
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        *,
        jobs: JobRegistry,
        tick_seconds: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
        log_retention_days: int = 30,
        directory: DirectoryService | None = None,
        events: EventSink | None = None,
        limits: AccountLimits | None = None,
        audit: AuditLog | None = None,
        sources: SourceRunner | None = None,
        dispatch: CycleDispatch | None = None,
        locks: AppLocks | None = None,
    ) -> None:
        self._dispatch = dispatch
        self._locks = locks if locks is not None else AppLocks()
        self._database = database
        self._jobs = jobs
        self._events: EventSink = events if events is not None else LogSink()
        self._limits = limits if limits is not None else AccountLimits()
        self._apps = apps
        self._tick = tick_seconds
        self._clock = clock
        self._retention_days = log_retention_days
        self._last_purge: datetime | None = None
        self._directory = directory
        self._audit = audit
        self._sources = sources
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._beater: asyncio.Task[None] | None = None
        self._last_beat: datetime | None = None

    @property
    def last_beat(self) -> datetime | None:
        """When the scheduler last showed it is alive (``/readyz``); None before it starts."""
        return self._last_beat

    @property
    def beat_bound_seconds(self) -> float:
        """How old :attr:`last_beat` may get before the process is not ready."""
        return max(30.0, 3 * self._tick)

    def start(self) -> None:
        """Start ticking in the background."""
        self._task = asyncio.create_task(self._loop(), name="scimitar-scheduler")
        self._beater = asyncio.create_task(self._beat(), name="scimitar-scheduler-beat")

    async def stop(self) -> None:
        """Stop after the cycle running now, if any, ends its current page."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        if self._beater is not None:
            await self._beater

    async def _beat(self) -> None:
        """Beat every tick while the scheduler's loop lives (a cycle it runs may take hours).

        A loop that died, or an event loop blocked by a runaway computation, stops the beats,
        and ``/readyz`` turns 503 once the last one is older than :attr:`beat_bound_seconds`.
        """
        while not self._stopping.is_set() and self._task is not None and not self._task.done():
            self._last_beat = self._clock()
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self._tick)
            except TimeoutError:
                continue

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduler_tick_failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self._tick)
            except TimeoutError:
                continue

    async def purge_directory(self) -> None:
        """Hard-delete directory objects past their soft-delete window, at most once an hour.

        The hard deletes enter the change feed, so the next cycles send DELETE to the apps
        that still manage those objects (docs/entra.md §2.4). The same hourly pass purges every
        app's
        provisioning log records past retention (a cycle purges only its own app's), so an
        app whose cycles stopped does not keep its records for ever, and prunes the audit log.
        """
        now = self._clock()
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = now
        purged = await ProvisioningLogStore(self._database).purge(
            retention_cutoff(self._retention_days, now=now)
        )
        log.info("provisioning_log_purged", records=purged)
        if self._audit is not None:
            log.info("audit_log_pruned", records=await self._audit.prune(now=now))
        if self._directory is None:
            return
        result = await self._directory.purge()
        log.info("directory_purged", result=str(result))

    async def run_due(self) -> list[str]:
        """Run (or queue) every due cycle once; returns the ids of those apps."""
        if self._dispatch is not None and not await self._dispatch.is_leader():
            return []
        await self.purge_directory()
        if self._sources is not None:
            await self._sources.run_due()
        ran: list[str] = []
        for app in await self._apps.apps.list():
            if self._stopping.is_set():
                break
            config = await self._apps.provisioning.config(app.id)
            if not await self._is_due(config):
                continue
            interval = timedelta(minutes=config.settings.interval_minutes)
            if self._dispatch is not None:
                await self._dispatch.dispatch(app.id, interval)
            else:
                await self._run(app.id, interval)
            ran.append(app.id)
        return ran

    async def _is_due(self, config: JobConfig) -> bool:
        """Whether the app's cycle is due and admitted (a busy app is left to the runner)."""
        admission = await admit(self._database, config, self._jobs)
        if set(admission.refusals) - {Refusal.BUSY}:
            return False
        async with self._database.read() as conn:
            query = select(JOB_STATE.c.next_run_at).where(JOB_STATE.c.app_id == config.app.id)
            next_run = (await conn.execute(query)).scalar()
        return next_run is None or next_run <= self._clock()

    async def _run(self, app_id: str, interval: timedelta) -> None:
        runner = build_runner(
            self._database,
            self._apps,
            jobs=self._jobs,
            log_retention_days=self._retention_days,
            events=self._events,
            clock=self._clock,
            limits=self._limits,
        )
        try:
            async with self._locks.of(app_id):
                summary = await runner.run(app_id)
            log.info("cycle_finished", app_id=app_id, kind=summary.kind, counts=summary.counts)
        except ScimitarError as exc:
            log.warning("cycle_failed", app_id=app_id, error=str(exc))
        async with self._database.write() as conn:
            held = await quarantine.load(conn, app_id)
            upcoming = self._clock() + interval
            if held is not None and held.next_attempt is not None:
                upcoming = held.next_attempt
            await conn.execute(
                update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(next_run_at=upcoming)
            )
