"""The queue as ``scimitar serve`` uses it: an embedded worker, and the cluster's scheduler.

On a PostgreSQL store ``serve`` opens the queue, runs a worker in-process unless told not to
(``--no-worker``), and gives its scheduler a :class:`~scimitar.jobs.leader.QueuedCycles`, so
due cycles are queued by whichever ``serve`` holds the scheduler lock. On SQLite there is no
queue and ``serve`` runs everything itself, as it always has.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import procrastinate

from scimitar.apps import Apps
from scimitar.clock import utcnow
from scimitar.connector.ratelimit import AccountLimits
from scimitar.engine.core.events import EventSink
from scimitar.engine.state.registry import JobRegistry
from scimitar.jobs.leader import AdvisoryLease, QueuedCycles
from scimitar.jobs.queue import conninfo, has_queue, open_queue
from scimitar.jobs.work import WorkerServices
from scimitar.jobs.worker import EmbeddedWorker, WorkerOptions
from scimitar.settings import Settings
from scimitar.store import Database

__all__ = ["ServingQueue", "serving_queue"]


@dataclass(frozen=True)
class ServingQueue:
    """The open queue of a ``serve`` process, and how its scheduler hands cycles to it."""

    queue: procrastinate.App
    dispatch: QueuedCycles


@asynccontextmanager
async def serving_queue(
    settings: Settings,
    database: Database,
    *,
    events: EventSink,
    limits: AccountLimits,
    jobs: JobRegistry,
    with_worker: bool,
    concurrency: int = 4,
) -> AsyncIterator[ServingQueue | None]:
    """The queue while ``serve`` runs (None on SQLite), with an embedded worker if asked."""
    url = settings.resolved_database_url
    if not has_queue(url):
        yield None
        return
    async with open_queue(url, pool_size=concurrency + 3) as queue:
        dispatch = QueuedCycles(queue, database, AdvisoryLease(conninfo(url)), utcnow)
        worker = None
        if with_worker:
            services = WorkerServices(
                database,
                Apps.create(database, settings),
                events,
                jobs=jobs,
                limits=limits,
                log_retention_days=settings.log_retention_days,
            )
            worker = EmbeddedWorker(queue, services, WorkerOptions(concurrency=concurrency))
            worker.start()
        try:
            yield ServingQueue(queue, dispatch)
        finally:
            if worker is not None:
                await worker.stop()
            await dispatch.close()
