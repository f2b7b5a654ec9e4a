"""The job's state row and its cycles in the store: start, page progress, finish, resume."""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.clock import utcnow
from scimitar.engine.core.resume import Owner, ResumeState
from scimitar.engine.state.registry import JobRegistry
from scimitar.store import Database, scopelog
from scimitar.store.fastsql import SQLConnection, as_sql, timestamp
from scimitar.store.tables.engine import CYCLE, JOB_STATE

__all__ = [
    "LEASE",
    "CycleRow",
    "JobState",
    "finish_cycle",
    "is_owner_alive",
    "last_cycle_start",
    "load_state",
    "owner",
    "pause_cycle",
    "record_page",
    "resume_cycle",
    "running_cycle",
    "start_cycle",
]


@dataclass(frozen=True)
class JobState:
    """An app's job state as the runner needs it."""

    state: str
    watermark: str | None
    current_cycle_id: str | None
    resume: ResumeState | None
    first_steady_at: datetime | None
    updated_at: datetime | None = None


#: How long a cycle on another machine may go without saving a page before it counts as dead.
LEASE = timedelta(minutes=2)


def owner() -> Owner:
    """Who runs a cycle: this machine and process (saved in the resume point)."""
    return Owner(socket.gethostname(), os.getpid())


def is_owner_alive(state: JobState, now: datetime, jobs: JobRegistry) -> bool:
    """Whether the process that runs the job's current cycle still runs it.

    In this process, whether that cycle is among those it runs now (``jobs``, the process's
    registry: ``scimitar serve`` runs the scheduler's, the admin API's and the portal's cycles
    side by side in one process); elsewhere on this
    machine, whether its process exists; on another machine, whether it saved a page within
    :data:`LEASE`. A dead owner's cycle is resumed; a live one's is left alone.
    """
    running = state.resume.owner if state.resume is not None else None
    if running is not None and running.host == socket.gethostname():
        pid = running.pid
        if pid == os.getpid():
            return jobs.runs_cycle(state.current_cycle_id)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return pid > 0
    return state.updated_at is not None and now - state.updated_at < LEASE


@dataclass(frozen=True)
class CycleRow:
    """A cycle being run: its id, kind and counts so far."""

    id: str
    kind: str
    counts: dict[str, int]
    status: str = "running"


async def load_state(database: Database, app_id: str) -> JobState:
    """The app's job state, creating the row on first use."""
    async with database.write() as conn:
        row = (await conn.execute(select(JOB_STATE).where(JOB_STATE.c.app_id == app_id))).first()
        if row is None:
            await conn.execute(insert(JOB_STATE).values(app_id=app_id, state="not_run"))
            return JobState("not_run", None, None, None, None)
    updated = row.updated_at
    if updated is not None and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return JobState(
        row.state,
        row.watermark,
        row.current_cycle_id,
        ResumeState.from_json(row.resume),
        row.first_steady_at,
        updated,
    )


async def running_cycle(database: Database, cycle_id: str | None) -> CycleRow | None:
    """The cycle ``cycle_id`` if it is unfinished: running (a process died?) or paused."""
    if cycle_id is None:
        return None
    async with database.read() as conn:
        row = (await conn.execute(select(CYCLE).where(CYCLE.c.id == cycle_id))).first()
    if row is None or row.status not in ("running", "paused"):
        return None
    return CycleRow(row.id, row.kind, json.loads(row.counts or "{}"), row.status)


async def pause_cycle(database: Database, cycle: CycleRow, progress: dict[str, Any]) -> None:
    """Mark a cycle paused; the job keeps pointing at it and at its resume point."""
    async with database.write() as conn:
        await conn.execute(
            update(CYCLE)
            .where(CYCLE.c.id == cycle.id)
            .values(status="paused", counts=json.dumps(cycle.counts), progress=json.dumps(progress))
        )


async def resume_cycle(database: Database, app_id: str, cycle: CycleRow) -> None:
    """Mark a paused cycle running again (its resume point is the job's)."""
    async with database.write() as conn:
        await conn.execute(update(CYCLE).where(CYCLE.c.id == cycle.id).values(status="running"))
        await conn.execute(
            update(JOB_STATE)
            .where(JOB_STATE.c.app_id == app_id)
            .values(state="active", updated_at=utcnow())
        )


async def last_cycle_start(database: Database, app_id: str) -> datetime | None:
    """When the app's most recent successful cycle started, or None.

    A failed cycle leaves the watermark where it was, so the next cycle reads again what it
    had read; the scope changes since the last success are read again likewise.
    """
    async with database.read() as conn:
        query = select(func.max(CYCLE.c.started_at)).where(
            CYCLE.c.app_id == app_id, CYCLE.c.status == "succeeded"
        )
        value = (await conn.execute(query)).scalar()
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def start_cycle(
    database: Database,
    app_id: str,
    resume: ResumeState,
    *,
    started_at: datetime | None = None,
    trigger: str = "cycle",
) -> CycleRow:
    """Record a new running cycle and point the job state at it.

    Args:
        database: The store.
        app_id: The app.
        resume: The resume point (its kind is the cycle's).
        started_at: When the cycle read the assignments it runs with (now when None): the
            next cycle takes up the scope changes logged from then on.
        trigger: ``cycle``, or ``realtime`` for a run a change signal started.
    """
    kind = resume.kind.value
    cycle = CycleRow(str(uuid.uuid4()), kind, {})
    async with database.write() as conn:
        await conn.execute(
            insert(CYCLE).values(
                id=cycle.id,
                app_id=app_id,
                kind=kind,
                trigger=trigger,
                status="running",
                started_at=started_at or utcnow(),
                counts="{}",
                progress="{}",
            )
        )
        await conn.execute(
            update(JOB_STATE)
            .where(JOB_STATE.c.app_id == app_id)
            .values(
                state="active",
                current_cycle_id=cycle.id,
                resume=resume.to_json(),
                updated_at=utcnow(),
            )
        )
    return cycle


async def _prune_scope_log(conn: AsyncConnection, app_id: str, cycle_id: str) -> None:
    """The scope changes logged before this cycle started: no later cycle reads them."""
    query = select(CYCLE.c.started_at).where(CYCLE.c.id == cycle_id)
    started = (await conn.execute(query)).scalar()
    if started is not None:
        await scopelog.prune(conn, app_id, started)


async def record_page(
    conn: AsyncConnection | SQLConnection,
    app_id: str,
    cycle: CycleRow,
    progress: dict[str, Any],
    resume: ResumeState,
) -> None:
    """Save a page's counts, progress and resume point, in the page's transaction."""
    sql = as_sql(conn)
    await sql.run(
        "UPDATE engine_cycle SET counts = :counts, progress = :progress WHERE id = :id",
        {"counts": json.dumps(cycle.counts), "progress": json.dumps(progress), "id": cycle.id},
    )
    await sql.run(
        "UPDATE engine_job_state SET resume = :resume, updated_at = :now WHERE app_id = :app_id",
        {"resume": resume.to_json(), "now": timestamp(sql, utcnow()), "app_id": app_id},
    )


async def finish_cycle(
    database: Database,
    app_id: str,
    cycle: CycleRow,
    *,
    status: str,
    watermark: str | None,
    error: str | None = None,
    is_steady: bool = False,
) -> None:
    """Close a cycle; a successful one moves the watermark and ends the resume point."""
    now = utcnow()
    async with database.write() as conn:
        await conn.execute(
            update(CYCLE)
            .where(CYCLE.c.id == cycle.id)
            .values(
                status=status,
                ended_at=now,
                counts=json.dumps(cycle.counts),
                error=error,
            )
        )
        values: dict[str, Any] = {"updated_at": now, "current_cycle_id": None, "resume": None}
        if status == "succeeded":
            values["watermark"] = watermark
            if is_steady:
                values["last_steady_at"] = now
            await _prune_scope_log(conn, app_id, cycle.id)
        await conn.execute(update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(**values))
        if status == "succeeded" and is_steady:
            await conn.execute(
                update(JOB_STATE)
                .where(JOB_STATE.c.app_id == app_id, JOB_STATE.c.first_steady_at.is_(None))
                .values(first_steady_at=now)
            )
