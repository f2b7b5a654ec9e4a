"""Putting work in the queue: a cycle of an app, at most one waiting per app.

A cycle job carries the app's lock (:func:`~scimitar.jobs.queue.app_lock`), so however many
workers there are, one cycle per app runs at a time; and a queueing lock, so an app never has
two cycles waiting: asking again while one waits returns the waiting one.
"""

from __future__ import annotations

from dataclasses import dataclass

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from scimitar.jobs.queue import CYCLE_TASK, app_lock

__all__ = ["Enqueued", "enqueue_cycle"]


@dataclass(frozen=True)
class Enqueued:
    """A cycle job in the queue: its id, and whether it was already waiting."""

    job_id: int
    was_waiting: bool


def _queueing_lock(app_id: str) -> str:
    return f"cycle:{app_id}"


async def enqueue_cycle(
    queue: procrastinate.App,
    app_id: str,
    *,
    initial: bool = False,
    force_deletes: bool = False,
    scheduled: bool = False,
) -> Enqueued:
    """Queue a cycle of the app, or return the one already waiting for it."""
    deferrer = queue.configure_task(
        CYCLE_TASK, lock=app_lock(app_id), queueing_lock=_queueing_lock(app_id)
    )
    try:
        job_id = await deferrer.defer_async(
            app_id=app_id, initial=initial, force_deletes=force_deletes, scheduled=scheduled
        )
    except AlreadyEnqueued:
        row = await queue.connector.execute_query_one_async(
            "SELECT id FROM procrastinate_jobs WHERE queueing_lock = %(lock)s "
            "AND status = 'todo' ORDER BY id LIMIT 1",
            lock=_queueing_lock(app_id),
        )
        if row is None:  # it started between the two statements: queue another
            return await enqueue_cycle(
                queue, app_id, initial=initial, force_deletes=force_deletes, scheduled=scheduled
            )
        return Enqueued(int(row["id"]), was_waiting=True)
    return Enqueued(job_id, was_waiting=False)
