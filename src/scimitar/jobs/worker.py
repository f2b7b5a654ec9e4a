"""A worker process: procrastinate's worker over the store's queue, plus stalled-job recovery.

``scimitar worker`` runs :func:`run_worker` in the foreground; ``scimitar serve`` on PostgreSQL
runs an :class:`EmbeddedWorker` beside the API. Every worker sends a heartbeat every
``heartbeat`` seconds (procrastinate's ``procrastinate_workers`` table) and, as often, hands
back to the queue the jobs of workers silent for three heartbeats (killed, machine gone): the
job goes back to ``todo`` and the next free worker resumes its cycle from the last committed
page (docs/architecture.md, "Workers").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import procrastinate
import structlog

from scimitar.jobs.queue import QUEUES
from scimitar.jobs.tasks import SERVICES
from scimitar.jobs.work import WorkerServices

__all__ = ["DEFAULT_HEARTBEAT", "EmbeddedWorker", "WorkerOptions", "recover_stalled", "run_worker"]

log = structlog.get_logger("scimitar.worker")

#: Seconds between a worker's heartbeats; three missed ones make its jobs stalled.
DEFAULT_HEARTBEAT = 10.0
#: Seconds a stopping worker lets its jobs run before handing them back to the queue.
_SHUTDOWN_GRACE = 10.0


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker runs.

    Args:
        concurrency: Jobs run at the same time (different apps; one cycle per app).
        queues: The queues to take jobs from (all of Scimitar's when empty).
        heartbeat: Seconds between heartbeats; jobs of a worker silent for three are resumed.
    """

    concurrency: int = 4
    queues: Sequence[str] = ()
    heartbeat: float = DEFAULT_HEARTBEAT

    @property
    def stalled_after(self) -> float:
        """Seconds without a heartbeat after which a worker counts as dead."""
        return 3 * self.heartbeat


async def recover_stalled(queue: procrastinate.App, options: WorkerOptions) -> None:
    """Every heartbeat, put back in the queue the jobs of workers that stopped beating."""
    while True:
        await asyncio.sleep(options.heartbeat)
        try:
            stalled = await queue.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=options.stalled_after
            )
        except Exception:  # the store may be briefly away: try at the next beat
            log.warning("stalled_jobs_check_failed", exc_info=True)
            continue
        for job in stalled:
            try:
                await queue.job_manager.retry_job(job)
            except Exception:  # another worker handed it back first
                log.info("stalled_job_taken", job_id=job.id, exc_info=True)
                continue
            log.warning("stalled_job_requeued", job_id=job.id, kwargs=job.task_kwargs)


async def run_worker(
    queue: procrastinate.App,
    services: WorkerServices,
    options: WorkerOptions,
    *,
    install_signal_handlers: bool = True,
) -> None:
    """Take jobs from the queue until stopped (SIGINT/SIGTERM, or cancelled). Queue is open."""
    recovery = asyncio.create_task(recover_stalled(queue, options), name="stalled-recovery")
    try:
        await queue.run_worker_async(
            queues=list(options.queues or QUEUES),
            concurrency=options.concurrency,
            name=services.name,
            additional_context={SERVICES: services},
            update_heartbeat_interval=options.heartbeat,
            stalled_worker_timeout=options.stalled_after,
            shutdown_graceful_timeout=_SHUTDOWN_GRACE,
            install_signal_handlers=install_signal_handlers,
            wait=True,
        )
    finally:
        recovery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recovery


class EmbeddedWorker:
    """A worker inside ``scimitar serve`` (PostgreSQL, unless ``--no-worker``)."""

    def __init__(
        self, queue: procrastinate.App, services: WorkerServices, options: WorkerOptions
    ) -> None:
        self._queue = queue
        self._services = services
        self._options = options
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start taking jobs in the background (the queue is open)."""
        self._task = asyncio.create_task(
            run_worker(self._queue, self._services, self._options, install_signal_handlers=False),
            name="scimitar-worker",
        )

    async def stop(self) -> None:
        """Stop: running cycles get a grace period, then go back to the queue."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
