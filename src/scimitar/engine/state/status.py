"""What the admin sees of a provisioning job: state, cycles, progress, steady state, links.

Entra's "Current status" and Graph ``synchronizationStatus`` (docs/entra.md §3.9, §6.2): the job's
state
(not run, active, paused, quarantined), the last finished cycle with its counts by action and
its failures, the progress of a running cycle, when the job first and last reached a steady
state, and how many objects are linked per type (the connector data store's counts, which do
not drop when objects are deleted in the source).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.engine.state import escrows, quarantine, staged
from scimitar.engine.state.applied import AppliedChange, load_applied
from scimitar.engine.state.escrows import EscrowSummary
from scimitar.engine.state.learned import LearnedQuirk, load_learned
from scimitar.engine.state.quarantine import Quarantine
from scimitar.store import Database
from scimitar.store.tables.apps import JOB
from scimitar.store.tables.engine import CYCLE, JOB_STATE, LINK

__all__ = ["CycleProgress", "CycleSummary", "JobStatus", "JobStatusService"]

NOT_RUN = "not_run"
OFF = "off"
#: States in which the scheduler runs no cycle, so no next cycle is shown.
_NOT_SCHEDULED = frozenset({OFF, "paused", "disabled"})
RUNNING = "running"
OBJECT_TYPES = ("User", "Group")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True, slots=True)
class CycleProgress:
    """How far a running cycle has got.

    Attributes:
        phase: users, groups or references.
        pages: Directory pages processed.
        objects: Objects processed.
        total: Objects the cycle expects to process, when known.
        rate: Objects per second so far.
    """

    phase: str | None = None
    pages: int = 0
    objects: int = 0
    total: int | None = None
    rate: float = 0.0

    @property
    def percent(self) -> float | None:
        """Objects processed out of the total, 0 to 100; ``None`` when the total is unknown."""
        if not self.total:
            return None
        return min(100.0, 100.0 * self.objects / self.total)

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the current rate; ``None`` without a total or a rate."""
        if not self.total or self.rate <= 0:
            return None
        return max(0, self.total - self.objects) / self.rate

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase."""
        return {
            "phase": self.phase,
            "pages": self.pages,
            "objects": self.objects,
            "total": self.total,
            "rate": self.rate,
            "percent": self.percent,
            "etaSeconds": self.eta_seconds,
        }

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> CycleProgress:
        """Read the ``engine_cycle.progress`` JSON (missing fields take their defaults)."""
        total = data.get("total")
        return cls(
            phase=None if data.get("phase") is None else str(data["phase"]),
            pages=int(data.get("pages") or 0),
            objects=int(data.get("objects") or 0),
            total=None if total is None else int(total),
            rate=float(data.get("rate") or 0.0),
        )


@dataclass(frozen=True, slots=True)
class CycleSummary:
    """One cycle as the admin sees it.

    Attributes:
        id: The cycle id (Entra's Activity ID).
        kind: initial or incremental.
        status: running, succeeded, failed or interrupted.
        started_at: When it began.
        ended_at: When it ended (``None`` while running).
        counts: Objects per action (create, update, disable, enable, delete, skip,
            staged_delete, failure).
        error: Why the cycle failed, when it did.
        progress: Where a running cycle stands.
        trigger: ``cycle`` (the schedule or an admin) or ``realtime`` (a change signal).
    """

    id: str
    kind: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    counts: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    progress: CycleProgress | None = None
    trigger: str = "cycle"

    @property
    def failures(self) -> int:
        """Objects that failed in this cycle."""
        return self.counts.get("failure", 0)

    @property
    def duration_seconds(self) -> float | None:
        """How long the cycle took; ``None`` while it runs."""
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase."""
        return {
            "id": self.id,
            "kind": self.kind,
            "trigger": self.trigger,
            "status": self.status,
            "startedAt": _iso(self.started_at),
            "endedAt": _iso(self.ended_at),
            "durationSeconds": self.duration_seconds,
            "counts": dict(self.counts),
            "failures": self.failures,
            "error": self.error,
            "progress": None if self.progress is None else self.progress.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class JobStatus:
    """An app's provisioning job as the admin sees it (docs/entra.md §3.9, §6.2).

    Attributes:
        app_id: The app.
        state: off (Provisioning Status Off), not_run, active, paused, quarantined or
            disabled.
        last_cycle: The last cycle that ended, if any.
        running_cycle: The cycle running now, with its progress, if any.
        first_steady_at: When the job first reached a steady state.
        last_steady_at: When it last did.
        next_run_at: When the next cycle is due.
        watermark: The change-log position the last completed cycle reached.
        linked: Linked objects per type (``User``, ``Group``).
        quarantine: The job's quarantine, when it is quarantined (or was disabled after one).
        escrows: Objects waiting for a retry, and when the next one is due.
        staged_deletes: Disables and deletes held by accidental-deletion prevention.
        app_quirks: What the app was found not to implement, and what the engine does about
            it (docs/provisioning.md, "Apps that implement SCIM partly").
        is_realtime: Whether real-time runs apply changes between cycles.
        applied: The newest directory change applied, with its lag.
    """

    app_id: str
    state: str
    last_cycle: CycleSummary | None = None
    running_cycle: CycleSummary | None = None
    first_steady_at: datetime | None = None
    last_steady_at: datetime | None = None
    next_run_at: datetime | None = None
    watermark: str | None = None
    linked: Mapping[str, int] = field(default_factory=dict)
    quarantine: Quarantine | None = None
    escrows: EscrowSummary = field(default_factory=EscrowSummary)
    staged_deletes: int = 0
    app_quirks: tuple[LearnedQuirk, ...] = ()
    is_realtime: bool = False
    applied: AppliedChange | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase, as ``scimitar app status --json`` prints them."""
        return {
            "appId": self.app_id,
            "state": self.state,
            "lastCycle": None if self.last_cycle is None else self.last_cycle.to_dict(),
            "runningCycle": None if self.running_cycle is None else self.running_cycle.to_dict(),
            "firstSteadyAt": _iso(self.first_steady_at),
            "lastSteadyAt": _iso(self.last_steady_at),
            "nextRunAt": _iso(self.next_run_at),
            "watermark": self.watermark,
            "linked": dict(self.linked),
            "quarantine": None if self.quarantine is None else self.quarantine.to_dict(),
            "escrows": self.escrows.to_dict(),
            "stagedDeletes": self.staged_deletes,
            "appQuirks": [quirk.to_dict() for quirk in self.app_quirks],
            "realtime": self.is_realtime,
            "lastChangeApplied": None if self.applied is None else self.applied.to_dict(),
        }


class JobStatusService:
    """Reads a job's status from the engine's tables.

    Args:
        database: The store.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def status(self, app_id: str) -> JobStatus:
        """The status of an app's provisioning job (``not_run`` before any cycle ran).

        Args:
            app_id: The app's id.
        """
        async with self._database.read() as conn:
            state = (
                await conn.execute(select(JOB_STATE).where(JOB_STATE.c.app_id == app_id))
            ).first()
            is_on, is_realtime = await _is_on(conn, app_id)
            current = None if state is None else state.current_cycle_id
            running = await _running_cycle(conn, app_id, current)
            last = await _last_ended_cycle(conn, app_id)
            linked = await _linked(conn, app_id)
            held = await quarantine.load(conn, app_id)
            escrowed = await escrows.summary(conn, app_id)
            staged_count = await staged.count(conn, app_id)
            learned = tuple(await load_learned(conn, app_id))
        faults: dict[str, Any] = {
            "quarantine": held,
            "escrows": escrowed,
            "staged_deletes": staged_count,
            "app_quirks": learned,
            "is_realtime": is_realtime,
            "applied": await load_applied(self._database, app_id),
        }
        if state is None:
            shown = NOT_RUN if is_on else OFF
            return JobStatus(app_id, shown, last, running, linked=linked, **faults)
        shown = _state(state.state, held, is_on=is_on)
        return JobStatus(
            app_id=app_id,
            state=shown,
            last_cycle=last,
            running_cycle=running,
            first_steady_at=state.first_steady_at,
            last_steady_at=state.last_steady_at,
            # Nothing is due while the scheduler will not run the job.
            next_run_at=None if shown in _NOT_SCHEDULED else state.next_run_at,
            watermark=state.watermark,
            linked=linked,
            **faults,
        )


def _state(stored: str, held: Quarantine | None, *, is_on: bool) -> str:
    """What the admin sees: disabled, paused and off first, then quarantined, then the stored
    state. Provisioning Status Off wins over what the last cycle left (Entra shows Off)."""
    if held is not None and held.disabled_at is not None:
        return "disabled"
    if stored == "paused":
        return stored
    if not is_on:
        return OFF
    return "quarantined" if held is not None else stored


async def _is_on(conn: AsyncConnection, app_id: str) -> tuple[bool, bool]:
    """Whether provisioning is on, and whether real-time runs are."""
    query = select(JOB.c.is_on, JOB.c.realtime).where(JOB.c.app_id == app_id)
    row = (await conn.execute(query)).first()
    if row is None:
        return False, False
    return bool(row.is_on), bool(row.realtime)


async def _running_cycle(
    conn: AsyncConnection, app_id: str, current_id: str | None
) -> CycleSummary | None:
    """The job's current cycle if it runs; else the newest cycle if that one runs."""
    query = select(CYCLE).where(CYCLE.c.app_id == app_id, CYCLE.c.status == RUNNING)
    if current_id is not None:
        query = query.where(CYCLE.c.id == current_id)
    row = (await conn.execute(query.order_by(CYCLE.c.started_at.desc()).limit(1))).first()
    return None if row is None else _summary(row, with_progress=True)


async def _last_ended_cycle(conn: AsyncConnection, app_id: str) -> CycleSummary | None:
    query = (
        select(CYCLE)
        .where(CYCLE.c.app_id == app_id, CYCLE.c.status != RUNNING)
        .order_by(CYCLE.c.started_at.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else _summary(row, with_progress=False)


async def _linked(conn: AsyncConnection, app_id: str) -> dict[str, int]:
    query = (
        select(LINK.c.object_type, func.count())
        .where(LINK.c.app_id == app_id)
        .group_by(LINK.c.object_type)
    )
    counts = dict.fromkeys(OBJECT_TYPES, 0)
    for object_type, count in await conn.execute(query):
        counts[str(object_type)] = int(count)
    return counts


def _summary(row: Any, *, with_progress: bool) -> CycleSummary:
    counts = {str(k): int(v) for k, v in _json_object(row.counts).items()}
    return CycleSummary(
        id=row.id,
        kind=row.kind,
        status=row.status,
        started_at=row.started_at,
        ended_at=row.ended_at,
        counts=counts,
        error=row.error,
        progress=CycleProgress.from_stored(_json_object(row.progress)) if with_progress else None,
        trigger=row.trigger,
    )


def _json_object(text: str | None) -> dict[str, Any]:
    """A stored JSON object; an empty or non-object value reads as ``{}``."""
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
