"""The tasks a worker runs, registered on the procrastinate app (:func:`register`).

A task is thin: it finds the worker's :class:`~scimitar.jobs.work.WorkerServices` in the job
context and hands the job to it. Arguments are JSON values (app ids, flags), never objects.
"""

from __future__ import annotations

from typing import Any

import procrastinate
from procrastinate import JobContext, RetryStrategy

from scimitar.engine.run.admission import CycleBusyError
from scimitar.jobs.queue import CYCLE_QUEUE, CYCLE_TASK

__all__ = ["SERVICES", "register"]

#: The key of the worker's services in procrastinate's ``additional_context``.
SERVICES = "scimitar"

#: A cycle refused because another process still owns the app's unfinished cycle (a process
#: on another machine whose lease has not run out yet, or ``app sync --here``) is tried again
#: every 15 s for up to 5 minutes: longer than the lease (``jobstate.LEASE``).
_BUSY_RETRY = RetryStrategy(max_attempts=20, wait=15, retry_exceptions={CycleBusyError})


def register(app: procrastinate.App) -> None:
    """Register Scimitar's tasks on ``app``."""

    @app.task(name=CYCLE_TASK, queue=CYCLE_QUEUE, pass_context=True, retry=_BUSY_RETRY)
    async def cycle(
        context: JobContext,
        app_id: str,
        initial: bool = False,
        force_deletes: bool = False,
        scheduled: bool = False,
    ) -> None:
        services: Any = context.additional_context[SERVICES]
        job_id = int(context.job.id or 0)
        await services.run_cycle(
            job_id, app_id, initial=initial, force_deletes=force_deletes, scheduled=scheduled
        )
