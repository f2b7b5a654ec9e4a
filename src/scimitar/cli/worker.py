"""``scimitar worker``: run provisioning jobs from the PostgreSQL store's queue."""

from __future__ import annotations

from typing import Annotated

import typer

from scimitar.apps import Apps
from scimitar.cli.output import fail, run
from scimitar.jobs.queue import QUEUES, has_queue, open_queue
from scimitar.jobs.work import WorkerServices
from scimitar.jobs.worker import DEFAULT_HEARTBEAT, WorkerOptions, run_worker
from scimitar.logs import configure_logging
from scimitar.notify import build_event_sink
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["worker"]


def worker(
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", min=1, max=256, help="Jobs at the same time (one cycle per app)."
        ),
    ] = 4,
    queues: Annotated[
        list[str] | None,
        typer.Option(
            "--queues", help=f"Queue to take jobs from (repeatable; default all: {QUEUES})."
        ),
    ] = None,
    heartbeat: Annotated[
        float,
        typer.Option(
            "--heartbeat",
            min=0.5,
            help="Seconds between heartbeats; a worker silent for three has its jobs resumed.",
        ),
    ] = DEFAULT_HEARTBEAT,
) -> None:
    """Run provisioning jobs from the queue (PostgreSQL store): scheduled cycles, app sync.

    Needs a PostgreSQL store (SCIMITAR_DATABASE_URL); run it on any machine that reaches it.
    Stops on SIGINT/SIGTERM, handing its unfinished cycles back to the queue.
    """
    settings = Settings()
    url = settings.resolved_database_url
    if not has_queue(url):
        fail(
            "`scimitar worker` needs a PostgreSQL store: set SCIMITAR_DATABASE_URL to "
            "postgresql+asyncpg://user@host/dbname (with SQLite, `scimitar serve` runs every job)"
        )
    unknown = sorted(set(queues or ()) - set(QUEUES))
    if unknown:
        fail(f"--queues {', '.join(unknown)}: no such queue; the queues are {', '.join(QUEUES)}")
    options = WorkerOptions(concurrency, tuple(queues or ()), heartbeat)
    configure_logging()

    async def body() -> None:
        database = await open_database(settings)
        try:
            services = WorkerServices(
                database,
                Apps.create(database, settings),
                build_event_sink(settings, database),
                log_retention_days=settings.log_retention_days,
            )
            async with open_queue(url, pool_size=concurrency + 2) as queue:
                await run_worker(queue, services, options)
        finally:
            await database.dispose()

    run(body)
