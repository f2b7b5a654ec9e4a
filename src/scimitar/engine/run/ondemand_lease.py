"""Holding an app's job while objects are provisioned on demand (docs/entra.md §3.8).

A cycle and an on-demand run of the same app must never write the same links at once. For its
few seconds, an on-demand run registers as the job's current cycle, of kind ``ondemand``, with
the owner record a cycle keeps (:func:`scimitar.engine.state.jobstate.owner`); the registration is a
compare-and-set on the job state row, so two runs cannot both take it. A cycle that starts
meanwhile finds the job held and waits for the run to end (:func:`settle`); an on-demand run
that finds a cycle running waits briefly, then says so. The registration (and its cycle row, so
cycle history and incremental start times never see it) is removed when the run ends; one left
by a killed process is released by the next cycle or on-demand run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update

from scimitar.clock import utcnow
from scimitar.engine.core.resume import CycleKind, Owner, Previous, ResumeState
from scimitar.engine.state import jobstate
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import ConfigError
from scimitar.store import Database
from scimitar.store.tables.engine import CYCLE, JOB_STATE

__all__ = ["ONDEMAND_KIND", "JobBusyError", "ensure_held", "hold", "settle"]

#: The cycle kind an on-demand run registers as.
ONDEMAND_KIND = CycleKind.ONDEMAND.value


class JobBusyError(ConfigError):
    """The app's job is busy: a cycle or another on-demand run holds it."""


@dataclass(frozen=True)
class _Holder:
    cycle_id: str
    kind: str
    owner: Owner | None
    updated_at: datetime | None


async def _holder(database: Database, app_id: str) -> tuple[str | None, _Holder | None]:
    """The job's current cycle id, and its holder while that cycle is marked running."""
    await jobstate.load_state(database, app_id)
    async with database.read() as conn:
        state = (await conn.execute(select(JOB_STATE).where(JOB_STATE.c.app_id == app_id))).one()
        current = state.current_cycle_id
        if current is None:
            return None, None
        row = (await conn.execute(select(CYCLE).where(CYCLE.c.id == current))).first()
    if row is None or row.status != "running":
        return current, None
    resume = ResumeState.from_json(state.resume)
    updated = state.updated_at
    if updated is not None and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return current, _Holder(row.id, row.kind, None if resume is None else resume.owner, updated)


def _is_alive(app_id: str, holder: _Holder, now: datetime, jobs: JobRegistry) -> bool:
    """Whether the process holding the job still runs it.

    For an on-demand run of this process, ``jobs`` knows (the owner record cannot tell a live
    run of this process from a dead one, as both carry this process's id).
    """
    is_this_process = holder.owner == jobstate.owner()
    if is_this_process and holder.kind == ONDEMAND_KIND:
        return jobs.holds_ondemand(app_id)
    if is_this_process:
        # A cycle of this very process: alive while it keeps saving pages.
        return holder.updated_at is not None and now - holder.updated_at < jobstate.LEASE
    resume = ResumeState(CycleKind(holder.kind), owner=holder.owner)
    state = jobstate.JobState("active", None, holder.cycle_id, resume, None, holder.updated_at)
    return jobstate.is_owner_alive(state, now, jobs)


async def _take(database: Database, app_id: str, seen: str | None) -> str | None:
    """Register an on-demand run as the current cycle, if the job still points at ``seen``."""
    cycle_id = str(uuid.uuid4())
    is_seen = (
        JOB_STATE.c.current_cycle_id.is_(None)
        if seen is None
        else JOB_STATE.c.current_cycle_id == seen
    )
    now = utcnow()
    async with database.write() as conn:
        # What the job pointed at (a paused cycle and its resume point) comes back on release.
        query = select(JOB_STATE.c.resume).where(JOB_STATE.c.app_id == app_id, is_seen)
        before = (await conn.execute(query)).scalar()
        previous = Previous(seen, before) if seen is not None else None
        resume = ResumeState(CycleKind.ONDEMAND, owner=jobstate.owner(), previous=previous)
        taken = await conn.execute(
            update(JOB_STATE)
            .where(JOB_STATE.c.app_id == app_id, is_seen)
            .values(current_cycle_id=cycle_id, resume=resume.to_json(), updated_at=now)
        )
        if taken.rowcount != 1:
            return None
        await conn.execute(
            insert(CYCLE).values(
                id=cycle_id,
                app_id=app_id,
                kind=ONDEMAND_KIND,
                status="running",
                started_at=now,
                counts="{}",
                progress="{}",
            )
        )
    return cycle_id


async def _release(database: Database, app_id: str, cycle_id: str) -> None:
    """Remove an on-demand registration; the job points again at what it pointed at before."""
    async with database.write() as conn:
        held = JOB_STATE.c.app_id == app_id, JOB_STATE.c.current_cycle_id == cycle_id
        text = (await conn.execute(select(JOB_STATE.c.resume).where(*held))).scalar()
        registered = ResumeState.from_json(text)
        previous = None if registered is None else registered.previous
        await conn.execute(
            update(JOB_STATE)
            .where(*held)
            .values(
                current_cycle_id=None if previous is None else previous.cycle,
                resume=None if previous is None else previous.resume,
            )
        )
        await conn.execute(delete(CYCLE).where(CYCLE.c.id == cycle_id))


def _busy(app_name: str, holder: _Holder, is_alive: bool, waited: float) -> JobBusyError:
    if holder.kind == ONDEMAND_KIND:
        return JobBusyError(
            f"another on-demand provisioning of app {app_name!r} is running; it ends within "
            "seconds — try again"
        )
    if not is_alive:
        return JobBusyError(
            f"the last cycle of app {app_name!r} ({holder.cycle_id}) was interrupted and has not "
            f"resumed yet; run `scimitar app sync {app_name}` to finish it, then provision on "
            "demand again"
        )
    return JobBusyError(
        f"a cycle of app {app_name!r} is running ({holder.cycle_id}) and did not end within "
        f"{waited:.0f} s; provision on demand again once it ends (see `scimitar app status "
        f"{app_name}`)"
    )


@asynccontextmanager
async def hold(
    database: Database,
    app_id: str,
    app_name: str,
    jobs: JobRegistry,
    *,
    wait: float = 10.0,
    poll: float = 0.2,
) -> AsyncIterator[str]:
    """Hold the app's job for an on-demand run; yields the run's cycle id.

    Args:
        database: The store.
        app_id: The app.
        app_name: The app's name, for messages.
        jobs: What this process runs (the run registers its hold there).
        wait: Seconds to wait for a running cycle (or on-demand run) to end.
        poll: Seconds between looks at the job.

    Raises:
        JobBusyError: A cycle is still running after ``wait`` seconds, or an interrupted cycle
            must resume first.
    """
    deadline = time.monotonic() + wait
    while True:
        seen, holder = await _holder(database, app_id)
        if holder is None:
            cycle_id = await _take(database, app_id, seen)
            if cycle_id is not None:
                break
            continue
        is_alive = _is_alive(app_id, holder, utcnow(), jobs)
        if holder.kind == ONDEMAND_KIND and not is_alive:
            await _release(database, app_id, holder.cycle_id)
            continue
        if not is_alive or time.monotonic() >= deadline:
            raise _busy(app_name, holder, is_alive, wait)
        await asyncio.sleep(poll)
    try:
        with jobs.ondemand(app_id):
            yield cycle_id
    finally:
        await _release(database, app_id, cycle_id)


async def ensure_held(database: Database, app_id: str, app_name: str, cycle_id: str) -> None:
    """Check, before sending anything, that no cycle slipped in after the job was taken.

    A cycle that read the job state just before this run took it may still register itself a
    moment later; it does so within a few queries, while this run first sends Test
    Connection, so a check after the probe finds it.

    Raises:
        JobBusyError: A cycle now runs the job.
    """
    async with database.read() as conn:
        query = select(JOB_STATE.c.current_cycle_id).where(JOB_STATE.c.app_id == app_id)
        current = (await conn.execute(query)).scalar()
    if current != cycle_id:
        raise JobBusyError(
            f"a cycle of app {app_name!r} started at the same moment ({current}); nothing was "
            "sent — provision on demand again once it ends"
        )


async def settle(
    database: Database,
    app_id: str,
    app_name: str,
    jobs: JobRegistry,
    *,
    wait: float = 60.0,
    poll: float = 0.2,
) -> None:
    """Before a cycle starts: wait out a live on-demand run, release an abandoned one.

    Raises:
        JobBusyError: An on-demand run still holds the job after ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    while True:
        _seen, holder = await _holder(database, app_id)
        if holder is None or holder.kind != ONDEMAND_KIND:
            return
        if not _is_alive(app_id, holder, utcnow(), jobs):
            await _release(database, app_id, holder.cycle_id)
            return
        if time.monotonic() >= deadline:
            raise JobBusyError(
                f"app {app_name!r} is being provisioned on demand and it did not end within "
                f"{wait:.0f} s; the cycle starts at its next run"
            )
        await asyncio.sleep(poll)
