"""The job queue of a PostgreSQL store: procrastinate on the same database as the store.

With PostgreSQL, provisioning work (scheduled cycles, ``app sync``, restarts) goes through
procrastinate's queue, so any number of ``scimitar worker`` processes on any number of
machines can take it up, and a job commits in the same database as its effects. SQLite has no
queue: everything runs in-process as before (docs/architecture.md, "Workers").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from scimitar.errors import ConfigError

if TYPE_CHECKING:  # procrastinate loads only where a queue is used (CLI start-up time)
    import procrastinate

__all__ = [
    "CYCLE_QUEUE",
    "CYCLE_TASK",
    "QUEUES",
    "QueueTarget",
    "app_lock",
    "build_queue",
    "conninfo",
    "has_queue",
    "open_queue",
]

#: The queue cycles go to (scheduled ones, ``app sync``, restarts).
CYCLE_QUEUE = "cycles"
#: Every queue Scimitar defers to; a worker without ``--queues`` listens to all of them.
QUEUES = (CYCLE_QUEUE,)
#: The task name of a cycle in ``procrastinate_jobs.task_name``.
CYCLE_TASK = "scimitar.cycle"


def has_queue(database_url: str) -> bool:
    """Whether this store has a job queue (PostgreSQL does; SQLite runs work in-process)."""
    return make_url(database_url).get_backend_name() == "postgresql"


def conninfo(database_url: str) -> str:
    """The libpq connection string procrastinate's psycopg connector needs for the store.

    Raises:
        ConfigError: The store is not PostgreSQL.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            "the job queue needs a PostgreSQL store; set SCIMITAR_DATABASE_URL to "
            "postgresql+asyncpg://user@host/dbname (SQLite runs every job inside `scimitar serve`)"
        )
    query = dict(url.query)
    ssl = query.pop("ssl", None)  # asyncpg's spelling of libpq's sslmode
    if ssl is not None and "sslmode" not in query:
        query["sslmode"] = ssl
    plain = url.set(drivername="postgresql", query=query)
    return plain.render_as_string(hide_password=False)


def app_lock(app_id: str) -> str:
    """The procrastinate lock of an app's cycles: one runs at a time, cluster-wide."""
    return f"app:{app_id}"


@dataclass(frozen=True)
class QueueTarget:
    """Where a job goes: its task, queue, lock and queueing lock."""

    task: str
    queue: str
    lock: str | None
    queueing_lock: str | None


def build_queue(database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    """A procrastinate app on the store's database, with Scimitar's tasks registered.

    The app is not opened; use ``async with app.open_async()``.
    """
    import procrastinate

    from scimitar.jobs.tasks import register

    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=pool_size
    )
    app = procrastinate.App(connector=connector)
    register(app)
    return app


@asynccontextmanager
async def open_queue(database_url: str, *, pool_size: int = 4) -> AsyncIterator[procrastinate.App]:
    """The store's queue, open, its tables created on first use (:mod:`scimitar.jobs.schema`)."""
    from scimitar.jobs.schema import ensure_queue_schema

    await ensure_queue_schema(conninfo(database_url))
    queue = build_queue(database_url, pool_size=pool_size)
    async with queue.open_async():
        yield queue
