"""Prometheus metrics (``GET /metrics``), with ``prometheus-client`` in its multiprocess mode.

Cycles run in ``scimitar serve``, in ``scimitar app sync`` and in workers: separate processes.
Each process that records a metric writes it to memory-mapped files in one directory
(``SCIMITAR_METRICS_DIR``, default ``<data dir>/metrics``), and ``/metrics`` adds up every
process's files (prometheus-client's multiprocess mode,
https://prometheus.github.io/client_python/multiprocess/): a cycle run from the CLI counts in
the server's answer. The directory is per machine; on several machines, scrape each machine's
``serve``. What the store knows (escrows, quarantine, held deletions, directory sizes, the
change feed's watermark and each app's lag behind it) is read from the store at each scrape,
so it is the same from any server. See docs/operations.md, "Metrics".

The instruments are created on first use, after :func:`use_directory` has told
prometheus-client where the files go (it reads the setting when it is imported); a process
that never records a metric never imports it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scimitar.security.filemodes import make_private_directory
from scimitar.settings import Settings

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

    from scimitar.store import Database

__all__ = [
    "CONTENT_TYPE",
    "cycle_ended",
    "exposition",
    "request_answered",
    "use_directory",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Seconds buckets of request latencies to apps (a SCIM answer: milliseconds to a minute).
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_CYCLE_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0)
_OUTCOMES = {
    "create": "success",
    "update": "success",
    "disable": "success",
    "enable": "success",
    "delete": "success",
    "skip": "skipped",
    "staged_delete": "held",
    "failure": "failure",
}


def metrics_directory(settings: Settings) -> Path:
    """Where this machine's processes write their metrics."""
    return settings.metrics_dir or settings.data_dir / "metrics"


def use_directory(settings: Settings) -> None:
    """Have this process write its metrics under the settings' directory.

    Call it before any metric is recorded (the CLI's and the server's start-up do); a directory
    already set in the environment (``PROMETHEUS_MULTIPROC_DIR``) is kept.
    """
    if _ENV not in os.environ:
        os.environ[_ENV] = str(metrics_directory(settings).resolve())


@dataclass(frozen=True)
class _Instruments:
    cycles: Counter
    cycle_seconds: Histogram
    objects: Counter
    requests: Counter
    request_seconds: Histogram
    throttled: Counter
    holds: Counter


@cache
def _instruments() -> _Instruments | None:
    """The process's instruments; None when no metrics directory is set (nothing recorded)."""
    folder = os.environ.get(_ENV)
    if not folder:
        return None
    make_private_directory(Path(folder))
    from prometheus_client import Counter, Histogram

    return _Instruments(
        cycles=Counter(
            "scimitar_cycles", "Provisioning cycles ended, by app, kind and result.",
            ["app", "kind", "result"],
        ),
        cycle_seconds=Histogram(
            "scimitar_cycle_duration_seconds", "Wall time of ended cycles.", ["app", "kind"],
            buckets=_CYCLE_BUCKETS,
        ),
        objects=Counter(
            "scimitar_cycle_objects",
            "Objects processed by ended cycles, by action and outcome (success, skipped, held "
            "by the deletion threshold, failure).",
            ["app", "action", "status"],
        ),
        requests=Counter(
            "scimitar_app_requests", "Requests sent to apps, by method and HTTP status "
            "(status 0: no answer).", ["app", "method", "status"],
        ),
        request_seconds=Histogram(
            "scimitar_app_request_duration_seconds", "Latency of apps' answers.",
            ["app", "method"], buckets=_REQUEST_BUCKETS,
        ),
        throttled=Counter(
            "scimitar_app_throttled_responses", "429 answers from apps.", ["app"]
        ),
        holds=Counter(
            "scimitar_app_retry_after_holds",
            "Retry-After holds an app's 429 or 503 put on all its requests.", ["app"],
        ),
    )  # fmt: skip


def cycle_ended(
    app: str, kind: str, result: str, seconds: float, counts: Mapping[str, int]
) -> None:
    """Count an ended cycle (succeeded, failed or paused) and its objects."""
    instruments = _instruments()
    if instruments is None:
        return
    instruments.cycles.labels(app, kind, result).inc()
    instruments.cycle_seconds.labels(app, kind).observe(seconds)
    for action, count in counts.items():
        if count:
            status = _OUTCOMES.get(action, "other")
            instruments.objects.labels(app, action, status).inc(count)


def request_answered(
    app: str, method: str, status: int, seconds: float | None, *, retry_after: bool
) -> None:
    """Count one request to an app: its answer (``status`` 0: none came) and latency."""
    instruments = _instruments()
    if instruments is None:
        return
    instruments.requests.labels(app, method, str(status)).inc()
    if seconds is not None:
        instruments.request_seconds.labels(app, method).observe(seconds)
    if status == 429:
        instruments.throttled.labels(app).inc()
    if retry_after and status in (429, 503):
        instruments.holds.labels(app).inc()


async def exposition(database: Database) -> bytes:
    """The text exposition of every process's metrics plus the store's gauges."""
    gauges = await _store_gauges(database)
    # The processes' files are read and added up off the event loop.
    return await asyncio.to_thread(_render, gauges, os.environ.get(_ENV))


def _render(gauges: list[_Gauge], folder: str | None) -> bytes:
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if folder and Path(folder).is_dir():
        MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    registry.register(_StoreCollector(gauges))
    return generate_latest(registry)


@dataclass(frozen=True)
class _Gauge:
    name: str
    documentation: str
    labels: tuple[str, ...]
    samples: tuple[tuple[tuple[str, ...], float], ...]


class _StoreCollector:
    """The gauges read from the store for this scrape."""

    def __init__(self, gauges: list[_Gauge]) -> None:
        self._gauges = gauges

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        for gauge in self._gauges:
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=gauge.labels)
            for values, value in gauge.samples:
                family.add_metric(list(values), value)
            yield family


async def _store_gauges(database: Database) -> list[_Gauge]:
    from sqlalchemy import select, text

    from scimitar.store.tables.engine import JOB_STATE

    async with database.read() as conn:

        async def rows(sql: str) -> list[Any]:
            return list((await conn.execute(text(sql))).all())

        apps = {app_id: name for app_id, name in await rows("SELECT id, name FROM app")}
        escrows = dict(
            await rows(
                "SELECT app_id, count(*) FROM engine_escrow WHERE resolved_in IS NULL "
                "GROUP BY app_id"
            )
        )
        held = dict(await rows("SELECT app_id, count(*) FROM engine_staged_delete GROUP BY app_id"))
        quarantined = {app_id for (app_id,) in await rows("SELECT app_id FROM engine_quarantine")}
        watermarks = dict(await rows("SELECT app_id, watermark FROM engine_job_state"))
        states = dict(await rows("SELECT app_id, state FROM engine_job_state"))
        users = (await rows("SELECT count(*) FROM directory_user"))[0][0]
        groups = (await rows("SELECT count(*) FROM directory_group"))[0][0]
        counter = await rows("SELECT value FROM directory_counter WHERE name = 'change'")
        applied = (
            await conn.execute(
                select(
                    JOB_STATE.c.app_id,
                    JOB_STATE.c.applied_seq,
                    JOB_STATE.c.applied_changed_at,
                    JOB_STATE.c.applied_at,
                )
            )
        ).all()
    queue = await _queue_gauges(database)
    feed = int(counter[0][0]) if counter else 0
    per_app = sorted(apps.items(), key=lambda item: item[1])

    def by_app(values: Mapping[str, float]) -> tuple[tuple[tuple[str, ...], float], ...]:
        return tuple(((name,), float(values.get(app_id, 0))) for app_id, name in per_app)

    # An app is as far along the feed as its last cycle's watermark or its last real-time
    # run, whichever is further.
    reached = {
        app_id: int(mark)
        for app_id, mark in watermarks.items()
        if isinstance(mark, str) and mark.isdigit()
    }
    applied_lag: dict[str, float] = {}
    for app_id, seq, changed_at, applied_at in applied:
        if seq is not None:
            reached[app_id] = max(reached.get(app_id, 0), int(seq))
        if changed_at is not None and applied_at is not None:
            applied_lag[app_id] = max(0.0, (applied_at - changed_at).total_seconds())
    lags = {app_id: max(0, feed - mark) for app_id, mark in reached.items()}
    return [
        _Gauge(
            "scimitar_escrows", "Objects waiting in escrow for a retry, per app.", ("app",),
            by_app(escrows),
        ),
        _Gauge(
            "scimitar_held_deletions",
            "Disables and deletes held by the accidental-deletion threshold, per app.",
            ("app",), by_app(held),
        ),
        _Gauge(
            "scimitar_quarantined", "1 while the app's job is in quarantine.", ("app",),
            by_app({app_id: 1 for app_id in quarantined}),
        ),
        _Gauge(
            "scimitar_job_state", "The app's job state (1 for its current state).",
            ("app", "state"),
            tuple(((name, str(states.get(app_id, "not_run"))), 1.0) for app_id, name in per_app),
        ),
        _Gauge(
            "scimitar_app_feed_lag_changes",
            "Directory changes after the app's watermark: what its next incremental cycle reads.",
            ("app",),
            tuple(((apps[a],), float(lag)) for a, lag in sorted(lags.items()) if a in apps),
        ),
        _Gauge(
            "scimitar_directory_objects", "Users and groups in the directory (soft-deleted too).",
            ("type",), ((("user",), float(users)), (("group",), float(groups))),
        ),
        _Gauge(
            "scimitar_change_feed_watermark", "The directory change feed's last sequence number.",
            (), (((), float(feed)),),
        ),
        _Gauge(
            "scimitar_applied_change_lag_seconds",
            "Time from a directory change's commit to the end of the run that applied it to the "
            "app, for the newest change applied (by a cycle or a real-time run).",
            ("app",),
            tuple(((apps[a],), lag) for a, lag in sorted(applied_lag.items()) if a in apps),
        ),
        *queue,
    ]  # fmt: skip


async def _queue_gauges(database: Database) -> list[_Gauge]:
    """Queue depth and live workers, on a PostgreSQL store whose job queue exists."""
    from sqlalchemy import text

    from scimitar.jobs.listing import live_workers, queue_exists

    if not await queue_exists(database):
        return []
    query = text(
        "SELECT queue_name, status, count(*) FROM procrastinate_jobs "
        "WHERE status IN ('todo', 'doing') GROUP BY queue_name, status"
    )
    async with database.read() as conn:
        depth = [(str(q), str(s), float(n)) for q, s, n in (await conn.execute(query)).all()]
    return [
        _Gauge(
            "scimitar_queue_jobs", "Jobs waiting (todo) or running (doing) in the queue.",
            ("queue", "status"), tuple(((q, s), n) for q, s, n in depth),
        ),
        _Gauge(
            "scimitar_workers", "Workers with a heartbeat within the last minute.", (),
            (((), float(await live_workers(database))),),
        ),
    ]  # fmt: skip
