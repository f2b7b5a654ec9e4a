"""What a worker does with a job: run the cycle, note who ran it and how it ended.

:class:`WorkerServices` is built once per worker process (``scimitar worker``, or the worker
embedded in ``scimitar serve`` on PostgreSQL) and handed to every task through procrastinate's
job context, so tasks share the process's rate-limit buckets and event sink and nothing lives
in module globals.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import delete, insert, update

from scimitar.apps import Apps
from scimitar.clock import utcnow
from scimitar.connector.ratelimit import AccountLimits
from scimitar.engine.core.events import EventSink
from scimitar.engine.run.admission import CycleBusyError
from scimitar.engine.run.service import build_runner
from scimitar.engine.state import quarantine
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import ScimitarError
from scimitar.store import Database
from scimitar.store.tables.engine import JOB_STATE
from scimitar.store.tables.workers import WORKER_JOB

__all__ = ["CycleJobError", "WorkerServices", "schedule_next", "worker_name"]

log = structlog.get_logger("scimitar.worker")


def worker_name() -> str:
    """How ``jobs list`` names this process: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class CycleJobError(ScimitarError):
    """A queued cycle ended in an error (the job is marked failed; ``jobs list`` shows why)."""


async def schedule_next(
    database: Database, app_id: str, interval: timedelta, now: datetime
) -> None:
    """After a scheduled cycle: the next at the interval, or at the quarantine's next attempt."""
    async with database.write() as conn:
        held = await quarantine.load(conn, app_id)
        upcoming = now + interval
        if held is not None and held.next_attempt is not None:
            upcoming = held.next_attempt
        await conn.execute(
            update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(next_run_at=upcoming)
        )


@dataclass
class WorkerServices:
    """The store, the apps and the process-wide sharing a worker's jobs use.

    Args:
        database: The store.
        apps: The apps services.
        events: Where cycles publish their events (mails are sent from the worker).
        jobs: The process's registry of the cycles it runs (``serve`` passes its own).
        limits: This process's buckets of rate limits shared by a vendor account.
        log_retention_days: Provisioning log records older than this are purged.
        name: How ``jobs list`` names this worker.
        clock: The current UTC time.
    """

    database: Database
    apps: Apps
    events: EventSink
    jobs: JobRegistry = field(default_factory=JobRegistry)
    limits: AccountLimits = field(default_factory=AccountLimits)
    log_retention_days: int = 30
    name: str = field(default_factory=worker_name)
    clock: Callable[[], datetime] = utcnow

    async def run_cycle(
        self,
        job_id: int,
        app_id: str,
        *,
        initial: bool = False,
        force_deletes: bool = False,
        scheduled: bool = False,
    ) -> None:
        """Run the app's cycle for queued job ``job_id`` (resuming its unfinished one first).

        Raises:
            CycleBusyError: Another live process owns the app's cycle (the job is retried).
            CycleJobError: The cycle could not run or failed; the job is marked failed.
        """
        await self._started(job_id, app_id)
        result: dict[str, Any]
        try:
            runner = build_runner(
                self.database,
                self.apps,
                jobs=self.jobs,
                log_retention_days=self.log_retention_days,
                events=self.events,
                clock=self.clock,
                limits=self.limits,
            )
            summary = await runner.run(app_id, force_initial=initial, force_deletes=force_deletes)
        except CycleBusyError as exc:
            await self._ended(job_id, None, {"error": str(exc), "retrying": True})
            raise
        except ScimitarError as exc:
            log.warning("cycle_failed", app_id=app_id, job_id=job_id, error=str(exc))
            await self._ended(job_id, None, {"error": str(exc)})
            raise CycleJobError(str(exc)) from exc
        finally:
            if scheduled:
                await self._schedule_next(app_id)
        result = {"summary": summary.to_dict()}
        log.info("cycle_finished", app_id=app_id, job_id=job_id, counts=summary.counts)
        await self._ended(job_id, summary.cycle_id, result)

    async def _schedule_next(self, app_id: str) -> None:
        config = await self.apps.provisioning.config(app_id)
        interval = timedelta(minutes=config.settings.interval_minutes)
        await schedule_next(self.database, app_id, interval, self.clock())

    async def _started(self, job_id: int, app_id: str) -> None:
        async with self.database.write() as conn:
            await conn.execute(delete(WORKER_JOB).where(WORKER_JOB.c.job_id == job_id))
            await conn.execute(
                insert(WORKER_JOB).values(
                    job_id=job_id, app_id=app_id, worker=self.name, started_at=utcnow()
                )
            )

    async def _ended(self, job_id: int, cycle_id: str | None, result: dict[str, Any]) -> None:
        async with self.database.write() as conn:
            await conn.execute(
                update(WORKER_JOB)
                .where(WORKER_JOB.c.job_id == job_id)
                .values(cycle_id=cycle_id, result=json.dumps(result), ended_at=utcnow())
            )
