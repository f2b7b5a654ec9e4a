"""Wiring the cycle runner to the store, the directory and the app's SCIM endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from scimitar.apps import Apps, JobConfig
from scimitar.clock import utcnow
from scimitar.connector.operations import TargetOperations
from scimitar.connector.ratelimit import AccountLimits, Throttle, account_of
from scimitar.directory.store import SQLDirectory
from scimitar.engine.core.events import EventSink
from scimitar.engine.core.records import Trigger
from scimitar.engine.run.cycle import CycleRunner, Progress
from scimitar.engine.run.objects import TargetPort
from scimitar.engine.state.registry import JobRegistry
from scimitar.store import Database

__all__ = ["DEFAULT_CONCURRENCY", "MAX_CONCURRENCY", "build_runner"]

#: Requests in flight towards one app when a cycle starts (its template publishes no limit).
DEFAULT_CONCURRENCY = 16
#: The most a cycle's concurrency grows to while the app's latency holds.
MAX_CONCURRENCY = 64


def build_runner(
    database: Database,
    apps: Apps,
    *,
    jobs: JobRegistry,
    page_size: int = 500,
    on_progress: Callable[[Progress], None] | None = None,
    log_retention_days: int = 30,
    events: EventSink | None = None,
    clock: Callable[[], datetime] = utcnow,
    limits: AccountLimits | None = None,
    trigger: Trigger = Trigger.CYCLE,
) -> CycleRunner:
    """A runner reading Scimitar's own directory and talking SCIM to each app's Tenant URL.

    ``jobs`` is the process's registry of what it runs. ``events`` receives the runner's events
    (failed cycles, quarantine, held deletions); the process log when ``None``. ``clock``
    gives the time schedules are computed from.
    ``limits`` holds the buckets of rate limits shared by the apps of one vendor account;
    pass the process's one, so cycles of those apps share them (a new one otherwise).
    ``trigger`` says what runs the cycles (``realtime`` for real-time runs).
    """
    shared = limits if limits is not None else AccountLimits()

    @asynccontextmanager
    async def open_port(config: JobConfig) -> AsyncIterator[TargetPort]:
        credentials = await apps.provisioning.credentials(config.app.id)
        async with apps.provisioning.client(credentials) as client:
            throttle = Throttle.for_limits(
                config.template.document.rate_limits,
                concurrency=DEFAULT_CONCURRENCY,
                max_concurrency=MAX_CONCURRENCY,
                shared=shared,
                account=account_of(config.template.id, credentials.tenant_url),
            )
            yield TargetOperations(
                client, config.connector_options(), throttle=throttle, label=config.app.name
            )

    return CycleRunner(
        database,
        apps,
        SQLDirectory(database),
        open_port,
        jobs=jobs,
        page_size=page_size,
        on_progress=on_progress,
        log_retention_days=log_retention_days,
        events=events,
        clock=clock,
        trigger=trigger,
    )
