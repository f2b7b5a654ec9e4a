"""One scheduler for the whole cluster: a PostgreSQL advisory lock, and queueing due cycles.

Every ``scimitar serve`` on a PostgreSQL store runs a scheduler, but only the one holding the
session advisory lock :data:`SCHEDULER_LOCK` acts on a tick: it queues each due cycle (the
workers run it) and purges what is past retention. The lock lives as long as the holder's
connection, so when that process dies PostgreSQL releases it and another ``serve`` takes over
at its next tick (docs/architecture.md, "Workers").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import procrastinate
import psycopg
import structlog
from sqlalchemy import update

from scimitar.engine.state.jobstate import load_state
from scimitar.jobs.dispatch import enqueue_cycle
from scimitar.store import Database
from scimitar.store.tables.engine import JOB_STATE

__all__ = ["SCHEDULER_LOCK", "AdvisoryLease", "QueuedCycles"]

log = structlog.get_logger("scimitar.scheduler")

#: The advisory lock the cluster's one scheduler holds (any fixed 64-bit number).
SCHEDULER_LOCK = 0x5C1A17A2_0002


class AdvisoryLease:
    """A session advisory lock held on a connection of its own while this process lives."""

    def __init__(self, conninfo: str, key: int = SCHEDULER_LOCK) -> None:
        self._conninfo = conninfo
        self._key = key
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    async def held(self) -> bool:
        """Whether this process holds the lock now (taking it when free)."""
        if self._conn is not None:
            try:
                await self._conn.execute("SELECT 1")
                return True
            except psycopg.Error:
                log.warning("scheduler_lock_lost")
                await self.release()
        try:
            conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        except psycopg.Error:
            log.warning("scheduler_lock_unreachable", exc_info=True)
            return False
        row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))).fetchone()
        if row is not None and row[0]:
            self._conn = conn
            log.info("scheduler_lock_taken")
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        """Let the lock go (closing the connection releases it)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()


class QueuedCycles:
    """How the scheduler runs a due cycle on a PostgreSQL store: it queues it for the workers.

    Args:
        queue: The open procrastinate app.
        database: The store.
        lease: The cluster-wide scheduler lock.
        clock: The current UTC time.
    """

    def __init__(
        self,
        queue: procrastinate.App,
        database: Database,
        lease: AdvisoryLease,
        clock: Callable[[], datetime],
    ) -> None:
        self._queue = queue
        self._database = database
        self._lease = lease
        self._clock = clock

    async def is_leader(self) -> bool:
        """Whether this process is the cluster's scheduler for this tick."""
        return await self._lease.held()

    async def dispatch(self, app_id: str, interval: timedelta) -> None:
        """Queue the app's cycle, and move its next run past the interval.

        The worker moves it again when the cycle ends (quarantine may set another time);
        moving it now keeps the next ticks from queueing the app again meanwhile.
        """
        queued = await enqueue_cycle(self._queue, app_id, scheduled=True)
        await load_state(self._database, app_id)  # an app never run has no state row yet
        async with self._database.write() as conn:
            await conn.execute(
                update(JOB_STATE)
                .where(JOB_STATE.c.app_id == app_id)
                .values(next_run_at=self._clock() + interval)
            )
        log.info("cycle_queued", app_id=app_id, job_id=queued.job_id, waiting=queued.was_waiting)

    async def close(self) -> None:
        """Give up the scheduler lock."""
        await self._lease.release()
