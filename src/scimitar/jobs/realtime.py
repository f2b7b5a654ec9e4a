"""Real-time runs: a committed change reaches the app in seconds, between scheduled cycles.

A change signal (:mod:`scimitar.store.signals` in this process, :mod:`scimitar.jobs.storewatch`
for other processes) wakes the runner. It waits a short window (``realtime_window_ms``) so
that a burst of changes becomes one run, then runs each woken app that has real-time runs on:
an incremental cycle marked ``realtime`` — the same code, reading the change feed and the scope
change log after the watermark, with the same logs, escrows, links and deletion threshold (over
a sliding window, :mod:`scimitar.engine.run.deletewindow`). Changes that arrive during a run wake
the app again, and it runs once more after the window.

A run holds the app's lock (:class:`~scimitar.jobs.locks.AppLocks`), which the scheduler's
cycles take too, so a real-time run never races a cycle of the same app in this process; a
cycle of another process (``app sync``) makes the run wait and try again a second later.
Paused, quarantined (held deletions included) and provisioning-off jobs get no real-time run;
their changes wait, in the feed, for the cycle that follows the admin's decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import update

from scimitar.apps import Apps
from scimitar.apps.model import JobConfig
from scimitar.clock import utcnow
from scimitar.connector.ratelimit import AccountLimits
from scimitar.directory.changes import current_sequence, parse_watermark
from scimitar.engine.core.events import EventSink
from scimitar.engine.core.records import Trigger
from scimitar.engine.run.admission import CycleBusyError, Refusal, admit
from scimitar.engine.run.service import build_runner
from scimitar.engine.state import jobstate
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import NotFoundError, ScimitarError
from scimitar.jobs.locks import AppLocks
from scimitar.jobs.storewatch import StoreWatcher
from scimitar.store import Database, scopelog
from scimitar.store.signals import ALL_APPS
from scimitar.store.tables.engine import JOB_STATE

__all__ = ["RealtimeRunner", "has_work"]

log = structlog.get_logger("scimitar.realtime")

#: How long a run refused because another process runs a cycle of the app waits to try again.
BUSY_RETRY_SECONDS = 1.0


async def has_work(database: Database, config: JobConfig) -> bool:
    """Whether a run would apply anything: an initial cycle due, changes after the watermark,
    or assignment changes since the last successful cycle started.

    A signal that another run (or a cycle) already answered costs these three reads, not an
    empty cycle with its records. Escrows due are left to the cycles.
    """
    if config.needs_initial_cycle:
        return True
    state = await jobstate.load_state(database, config.app.id)
    if state.watermark is None:
        return True
    async with database.read() as conn:
        head = await current_sequence(conn)
    if parse_watermark(state.watermark) < head:
        return True
    since = await jobstate.last_cycle_start(database, config.app.id)
    async with database.read() as conn:
        return bool(await scopelog.changed_since(conn, config.app.id, since))


class RealtimeRunner:
    """Runs woken apps' real-time runs in the background of ``scimitar serve``.

    Args:
        database: The store (its change signal wakes the runner).
        apps: The apps services.
        jobs: The cycles this process runs (the process's one registry).
        locks: The per-app locks shared with the scheduler.
        window_seconds: How long to gather a burst of changes into one run.
        events: Where the runs' events go (failed runs, quarantine, held deletions).
        limits: The process's rate-limit buckets shared by a vendor account.
        log_retention_days: Provisioning log records older than this are purged.
        clock: The current UTC time.
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        *,
        jobs: JobRegistry,
        locks: AppLocks,
        window_seconds: float = 0.3,
        events: EventSink | None = None,
        limits: AccountLimits | None = None,
        log_retention_days: int = 30,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._apps = apps
        self._jobs = jobs
        self._locks = locks
        self._window = window_seconds
        self._events = events
        self._limits = limits if limits is not None else AccountLimits()
        self._retention_days = log_retention_days
        self._clock = clock
        self._woken: set[str] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self.watcher = StoreWatcher(database, self.wake)

    def start(self) -> None:
        """Listen for change signals and run woken apps until :meth:`stop`."""
        self._unsubscribe = self._db.changes.subscribe(self.wake)
        # Changes committed while no process listened (a killed server): catch up at once.
        self.wake(frozenset({ALL_APPS}))
        self._tasks = [
            asyncio.create_task(self._loop(), name="scimitar-realtime"),
            asyncio.create_task(self.watcher.run(self._stopping), name="scimitar-storewatch"),
        ]

    async def stop(self) -> None:
        """Stop waking; let the runs in progress end (their changes stay in the feed if not)."""
        self._stopping.set()
        self._wake.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        await asyncio.gather(*self._tasks, *self._running.values(), return_exceptions=True)

    def wake(self, app_ids: frozenset[str]) -> None:
        """Changes were committed for these apps (:data:`ALL_APPS`: for every app)."""
        self._woken.update(app_ids)
        self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self._wake.wait()
            if self._stopping.is_set():
                return
            await asyncio.sleep(self._window)  # gather the rest of the burst
            self._wake.clear()
            woken, self._woken = self._woken, set()
            try:
                await self.watcher.refresh()
                for app_id in await self._realtime_apps(woken):
                    self._schedule(app_id)
            except Exception:
                log.exception("realtime_wake_failed")

    async def _realtime_apps(self, woken: set[str]) -> list[str]:
        if ALL_APPS in woken:
            return [app.id for app in await self._apps.apps.list()]
        return sorted(woken)

    def _schedule(self, app_id: str) -> None:
        if app_id in self._running:
            self._again.add(app_id)  # it runs once more when the current run ends
            return
        task = asyncio.create_task(self._run_app(app_id), name=f"scimitar-realtime-{app_id}")
        self._running[app_id] = task

    async def _run_app(self, app_id: str) -> None:
        try:
            while not self._stopping.is_set():
                self._again.discard(app_id)
                if not await self._run_once(app_id):
                    self._again.add(app_id)
                    await asyncio.sleep(BUSY_RETRY_SECONDS)
                if app_id not in self._again:
                    return
                await asyncio.sleep(self._window)
        except Exception:
            log.exception("realtime_run_crashed", app_id=app_id)
        finally:
            self._running.pop(app_id, None)

    async def _run_once(self, app_id: str) -> bool:
        """One real-time run of the app if it is admitted; False when it must try again."""
        try:
            config = await self._apps.provisioning.config(app_id)
        except NotFoundError:
            return True  # deleted since the signal
        if not await self._is_admitted(config) or not await has_work(self._db, config):
            return True
        async with self._locks.of(app_id):
            runner = build_runner(
                self._db,
                self._apps,
                jobs=self._jobs,
                log_retention_days=self._retention_days,
                events=self._events,
                clock=self._clock,
                limits=self._limits,
                trigger=Trigger.REALTIME,
            )
            try:
                summary = await runner.run(app_id)
            except CycleBusyError:
                return False
            except ScimitarError as exc:
                log.warning("realtime_run_failed", app_id=app_id, error=str(exc))
                return True
        log.info("realtime_run_finished", app_id=app_id, kind=summary.kind, counts=summary.counts)
        await self._schedule_if_unscheduled(app_id, config.settings.interval_minutes)
        return True

    async def _schedule_if_unscheduled(self, app_id: str, interval_minutes: int) -> None:
        """A run that did an app's first cycle puts the next scheduled one at the interval.

        Without it the scheduler, seeing no next run, would take the app for due and run a
        cycle at once: a second initial-sized pass right after the first, and changes made
        while real-time runs are turned off would not wait for the interval.
        """
        upcoming = self._clock() + timedelta(minutes=interval_minutes)
        async with self._db.write() as conn:
            await conn.execute(
                update(JOB_STATE)
                .where(JOB_STATE.c.app_id == app_id, JOB_STATE.c.next_run_at.is_(None))
                .values(next_run_at=upcoming)
            )

    async def _is_admitted(self, config: JobConfig) -> bool:
        """Admitted as a cycle would be, real-time, and not quarantined for any reason.

        A quarantined job waits for its next attempt on the scheduler's schedule; a cycle
        running (here or elsewhere) is waited for by the run itself.
        """
        if not config.settings.realtime:
            return False
        admission = await admit(self._db, config, self._jobs)
        if set(admission.refusals) - {Refusal.BUSY}:
            return False
        return admission.held is None
