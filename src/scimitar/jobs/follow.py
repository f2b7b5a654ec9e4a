"""Following a queued cycle from another process: its progress while it runs, then its summary.

``scimitar app sync`` on a PostgreSQL store queues the cycle and follows it here. Progress
comes from the store (the cycle row saved with every page: ``engine_cycle.progress``), so it
does not matter which worker, on which machine, runs the cycle.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, text

from scimitar.engine.run.runstate import CycleSummary, Progress
from scimitar.errors import ScimitarError
from scimitar.store import Database
from scimitar.store.tables.engine import CYCLE, JOB_STATE
from scimitar.store.tables.workers import WORKER_JOB

__all__ = ["QueuedCycleError", "follow_cycle"]

_FINAL = ("succeeded", "failed", "cancelled", "aborted")


class QueuedCycleError(ScimitarError):
    """The queued cycle ended without a summary (refused, failed, cancelled)."""


async def follow_cycle(
    database: Database,
    job_id: int,
    app_id: str,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    poll: float = 0.25,
) -> CycleSummary:
    """Wait for queued cycle job ``job_id`` to end, reporting progress; its summary.

    Raises:
        QueuedCycleError: The job ended without completing a cycle (the message says why).
    """
    while True:
        status = await _job_status(database, job_id)
        if status in _FINAL:
            return await _outcome(database, job_id, status)
        if status == "doing" and on_progress is not None:
            progress = await _progress(database, app_id)
            if progress is not None:
                on_progress(progress)
        await asyncio.sleep(poll)


async def _job_status(database: Database, job_id: int) -> str:
    async with database.read() as conn:
        query = text("SELECT status::text FROM procrastinate_jobs WHERE id = :id")
        status = (await conn.execute(query, {"id": job_id})).scalar()
    if status is None:
        raise QueuedCycleError(f"job {job_id} is no longer in the queue; see `scimitar jobs list`")
    return str(status)


async def _progress(database: Database, app_id: str) -> Progress | None:
    """The app's running cycle's progress as last saved (the job holds the app's lock)."""
    async with database.read() as conn:
        query = (
            select(CYCLE.c.id, CYCLE.c.kind, CYCLE.c.counts, CYCLE.c.progress)
            .join(JOB_STATE, JOB_STATE.c.current_cycle_id == CYCLE.c.id)
            .where(JOB_STATE.c.app_id == app_id)
        )
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    saved: dict[str, Any] = json.loads(row.progress or "{}")
    objects = int(saved.get("objects", 0))
    rate = float(saved.get("rate") or 0.0)
    return Progress(
        row.id,
        row.kind,
        phase=str(saved.get("phase", "users")),
        pages=int(saved.get("pages", 0)),
        objects=objects,
        counts=json.loads(row.counts or "{}"),
        started=time.monotonic() - (objects / rate if rate > 0 else 0.0),
        total=saved.get("total"),
        matching=dict(saved.get("matching") or {}),
    )


async def _outcome(database: Database, job_id: int, status: str) -> CycleSummary:
    async with database.read() as conn:
        query = select(WORKER_JOB.c.result).where(WORKER_JOB.c.job_id == job_id)
        stored = (await conn.execute(query)).scalar()
    result: dict[str, Any] = json.loads(stored) if stored else {}
    summary = result.get("summary")
    if status == "succeeded" and isinstance(summary, dict):
        return CycleSummary(
            cycle_id=str(summary["cycleId"]),
            kind=str(summary["kind"]),
            status=str(summary["status"]),
            counts=dict(summary.get("counts") or {}),
            objects=int(summary.get("objects") or 0),
            seconds=float(summary.get("seconds") or 0.0),
            error=summary.get("error"),
        )
    reason = result.get("error") or f"the job was {status}"
    raise QueuedCycleError(f"{reason} (job {job_id}; see `scimitar jobs list`)")
