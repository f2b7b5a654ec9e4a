"""What an admin does to a job: pause, start, restart, and allow or reject held deletions.

The services the CLI (``scimitar app pause|start|restart|deletes``) and the REST API share
(docs/entra.md §2.6, §3.5). Pausing sets the job's state; a cycle running in any process notices it
at
its next page boundary and stops there with its resume point saved, and ``start`` lets the next
cycle resume it. ``restart`` resets what it is asked to (watermark, escrows, quarantine, links)
so the next cycle is an initial one; deletions held by accidental-deletion prevention are sent
(``allow``, Graph ``ForceDeletes``) or dropped (``reject``), either way ending the quarantine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, update

from scimitar.apps import App, Apps
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.engine.core.events import EventSink, LogSink
from scimitar.engine.run import deletewindow
from scimitar.engine.run.admission import PAUSED, CycleBusyError, Refusal, admit
from scimitar.engine.run.cycle import CycleRunner, CycleSummary
from scimitar.engine.run.guard import JobGuard
from scimitar.engine.run.service import build_runner
from scimitar.engine.state import escrows, jobstate, quarantine, staged
from scimitar.engine.state.quarantine import QuarantineReason
from scimitar.engine.state.registry import JobRegistry
from scimitar.engine.state.staged import StagedRow
from scimitar.errors import ConfigError
from scimitar.store import Database
from scimitar.store.tables.engine import JOB_STATE, LEARNED_QUIRK, LINK

__all__ = [
    "DEFAULT_RESET",
    "ControlResult",
    "DeletesResult",
    "JobControl",
    "ResetScope",
    "parse_reset",
]


class ResetScope(StrEnum):
    """What ``restart`` resets (Graph ``resetScope``)."""

    WATERMARK = "watermark"
    ESCROWS = "escrows"
    QUARANTINE = "quarantine"
    LINKS = "links"
    FULL = "full"


#: A plain restart, as the portal's "Restart provisioning": watermark, escrows, quarantine.
DEFAULT_RESET = frozenset({ResetScope.WATERMARK, ResetScope.ESCROWS, ResetScope.QUARANTINE})


def parse_reset(text: str | None) -> frozenset[ResetScope]:
    """``watermark,escrows,quarantine,links`` or ``full`` → the scopes (default when empty).

    Raises:
        ConfigError: An unknown scope, naming the ones there are.
    """
    if text is None or not text.strip():
        return DEFAULT_RESET
    scopes: set[ResetScope] = set()
    for part in text.split(","):
        name = part.strip().lower()
        if not name:
            continue
        try:
            scopes.add(ResetScope(name))
        except ValueError:
            known = ", ".join(s.value for s in ResetScope)
            message = f"--reset {name!r} is unknown; use a comma list of: {known}"
            raise ConfigError(message) from None
    if ResetScope.FULL in scopes:
        return frozenset(ResetScope)
    return frozenset(scopes)


@dataclass(frozen=True, slots=True)
class ControlResult:
    """What an admin action did.

    Attributes:
        app_id: The app.
        app_name: Its name.
        state: The job's state afterwards.
        message: What happened, in a sentence.
        reset: For a restart, what was reset and how many rows each reset removed.
    """

    app_id: str
    app_name: str
    state: str
    message: str
    reset: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase."""
        return {
            "appId": self.app_id,
            "app": self.app_name,
            "state": self.state,
            "message": self.message,
            "reset": dict(self.reset),
        }


@dataclass(frozen=True, slots=True)
class DeletesResult:
    """Held deletions allowed or rejected.

    Attributes:
        app_name: The app.
        decision: ``allowed`` or ``rejected``.
        deletions: The held deletions the decision was about.
        cycle: For ``allowed``, the cycle that sent them.
    """

    app_name: str
    decision: str
    deletions: list[StagedRow]
    cycle: CycleSummary | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase."""
        return {
            "app": self.app_name,
            "decision": self.decision,
            "count": len(self.deletions),
            "deletions": [d.to_dict() for d in self.deletions],
            "cycle": None if self.cycle is None else self.cycle.to_dict(),
        }


class JobControl:
    """Pause, start, restart and held-deletion decisions for apps' jobs.

    Args:
        database: The store.
        apps: The apps services.
        events: Where quarantine changes are published.
        clock: The current UTC time.
        jobs: The cycles this process runs (the process's one registry).
        runner: Makes the runner that sends allowed deletions (``build_runner`` by default).
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        *,
        jobs: JobRegistry,
        events: EventSink | None = None,
        clock: Callable[[], datetime] = utcnow,
        runner: Callable[[], CycleRunner] | None = None,
    ) -> None:
        self._db = database
        self._jobs = jobs
        self._apps = apps
        self._events: EventSink = events if events is not None else LogSink()
        self._clock = clock
        self._runner = runner or (
            lambda: build_runner(database, apps, jobs=jobs, events=self._events, clock=clock)
        )
        self._guard = JobGuard(database, apps, self._events, clock)

    async def pause(self, app_key: str, *, actor: Actor) -> ControlResult:
        """Pause the job: no cycle starts, and a running one stops at its next page boundary.

        Every action here is recorded in the audit log as taken by ``actor``.
        """
        app = await self._apps.apps.get(app_key)
        state = await jobstate.load_state(self._db, app.id)
        running = await jobstate.running_cycle(self._db, state.current_cycle_id)
        entry = _entry(actor, "job.pause", app, {"state": state.state}, {"state": PAUSED})
        await self._set(app.id, entry, state=PAUSED)
        if running is not None and running.status == "running":
            message = (
                f"paused; the running cycle {running.id} stops after its current page and "
                f"resumes from there after `scimitar app start {app.name}`"
            )
        else:
            message = f"paused; no cycle starts until `scimitar app start {app.name}`"
        return ControlResult(app.id, app.name, PAUSED, message)

    async def start(self, app_key: str, *, actor: Actor) -> ControlResult:
        """Start (or resume) the job now: turns provisioning on and ends a quarantine.

        Deletions held by accidental-deletion prevention still need ``allow`` or ``reject``.

        Raises:
            ConnectionTestError: Provisioning was off and Test Connection fails.
        """
        config = await self._apps.provisioning.config(app_key)
        app = config.app
        state = await jobstate.load_state(self._db, app.id)
        async with self._db.read() as conn:
            held = await quarantine.load(conn, app.id)
        if not config.is_on:
            await self._apps.provisioning.set_provisioning(app.id, is_on=True, actor=actor)
        notes: list[str] = []
        if held is not None and held.reason == QuarantineReason.TOO_MANY_DELETES:
            notes.append(
                f"deletions are still held: `scimitar app deletes {app.name} allow` or `reject`"
            )
        elif held is not None:
            await self._guard.release(app.id, app.name, details="started by an admin")
            notes.append(f"quarantine ({held.reason}) lifted")
        is_fresh = state.watermark is None and state.current_cycle_id is None
        new_state = "not_run" if is_fresh and state.state in ("not_run", PAUSED) else "active"
        before = {"state": state.state, "quarantine": held.reason if held else None}
        after = {"state": new_state, "quarantine": _remaining(held)}
        entry = _entry(actor, "job.start", app, before, after)
        await self._set(app.id, entry, state=new_state, next_run_at=self._clock())
        resumes = state.current_cycle_id is not None and state.resume is not None
        message = "started; the next cycle " + (
            f"resumes cycle {state.current_cycle_id}" if resumes else "runs at the next tick"
        )
        return ControlResult(app.id, app.name, new_state, "; ".join([message, *notes]))

    async def restart(
        self, app_key: str, reset: Iterable[ResetScope], *, actor: Actor
    ) -> ControlResult:
        """Reset what ``reset`` names; the next cycle is an initial one.

        Raises:
            CycleBusyError: A cycle is running in a live process (pause it first).
        """
        scopes = frozenset(reset) or DEFAULT_RESET
        admission = await admit(self._db, await self._apps.provisioning.config(app_key), self._jobs)
        app, state = admission.config.app, admission.state
        if Refusal.BUSY in admission.refusals:
            running = f" ({admission.running.id})" if admission.running is not None else ""
            raise CycleBusyError(
                f"a cycle of app {app.name!r} is running{running}; pause it with "
                f"`scimitar app pause {app.name}` and restart once it has stopped"
            )
        unfinished = await jobstate.running_cycle(self._db, state.current_cycle_id)
        if unfinished is not None:
            await jobstate.finish_cycle(
                self._db,
                app.id,
                unfinished,
                status="interrupted",
                watermark=None,
                error="restarted by an admin",
            )
        done = await self._reset(app.id, scopes)
        if ResetScope.QUARANTINE in scopes:
            await self._guard.release(app.id, app.name, details="restarted by an admin")
        names = ", ".join(sorted(s.value for s in scopes if s is not ResetScope.FULL))
        after = {"state": "active", "reset": names.split(", "), "removed": done}
        entry = _entry(actor, "job.restart", app, {"state": state.state}, after)
        await self._set(app.id, entry, state="active", next_run_at=self._clock())
        is_initial = bool({ResetScope.WATERMARK, ResetScope.LINKS} & scopes)
        message = f"restarted (reset: {names}); the next cycle is " + (
            "an initial cycle" if is_initial else "incremental"
        )
        return ControlResult(app.id, app.name, "active", message, done)

    async def _reset(self, app_id: str, scopes: frozenset[ResetScope]) -> dict[str, int]:
        done: dict[str, int] = {}
        async with self._db.write() as conn:
            if {ResetScope.WATERMARK, ResetScope.LINKS} & scopes:
                await conn.execute(
                    update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(watermark=None)
                )
                done["watermark"] = 1
            if ResetScope.ESCROWS in scopes:
                done["escrows"] = await escrows.clear(conn, app_id)
            if ResetScope.QUARANTINE in scopes:
                done["stagedDeletes"] = await staged.clear(conn, app_id)
            if ResetScope.LINKS in scopes:
                result = await conn.execute(delete(LINK).where(LINK.c.app_id == app_id))
                done["links"] = int(result.rowcount or 0)
            if ResetScope.FULL in scopes:  # what the app was found not to do is learned anew
                learned = LEARNED_QUIRK.c.app_id == app_id
                result = await conn.execute(delete(LEARNED_QUIRK).where(learned))
                done["appQuirks"] = int(result.rowcount or 0)
        return done

    async def staged(self, app_key: str) -> list[StagedRow]:
        """The app's held deletions, oldest first."""
        app = await self._apps.apps.get(app_key)
        async with self._db.read() as conn:
            return await staged.list_staged(conn, app.id)

    async def allow(self, app_key: str, *, actor: Actor) -> DeletesResult:
        """Send the held deletions now (a cycle with ``ForceDeletes``) and end the quarantine.

        Raises:
            ConfigError: Nothing is held.
            JobError: The app refused the cycle (the job is quarantined for that instead).
        """
        app = await self._apps.apps.get(app_key)
        rows = await self._held(app.id, app.name)
        await self._guard.release(app.id, app.name, details="an admin allowed the held deletions")
        # Recorded once the quarantine is released, before the cycle that sends them: the
        # decision stands even if that cycle then fails.
        async with self._db.write() as conn:
            await record(conn, _decision(actor, "deletions.allow", app, rows))
        await deletewindow.restart_window(self._db, app.id, utcnow())
        summary = await self._runner().run(app.id, force_deletes=True)
        return DeletesResult(app.name, "allowed", rows, summary)

    async def reject(self, app_key: str, *, actor: Actor) -> DeletesResult:
        """Drop the held deletions (the links stay) and end the quarantine.

        Raises:
            ConfigError: Nothing is held.
        """
        app = await self._apps.apps.get(app_key)
        rows = await self._held(app.id, app.name)
        async with self._db.write() as conn:
            await staged.clear(conn, app.id)
            await record(conn, _decision(actor, "deletions.reject", app, rows))
        await deletewindow.restart_window(self._db, app.id, utcnow())
        await self._guard.release(app.id, app.name, details="an admin rejected the held deletions")
        return DeletesResult(app.name, "rejected", rows)

    async def _held(self, app_id: str, app_name: str) -> list[StagedRow]:
        async with self._db.read() as conn:
            rows = await staged.list_staged(conn, app_id)
        if not rows:
            raise ConfigError(f"app {app_name!r} holds no deletions; nothing to allow or reject")
        return rows

    async def _set(self, app_id: str, audit: AuditEntry, **values: Any) -> None:
        """Change the job's state, and record ``audit`` in the same transaction."""
        await jobstate.load_state(self._db, app_id)
        async with self._db.write() as conn:
            await conn.execute(
                update(JOB_STATE)
                .where(JOB_STATE.c.app_id == app_id)
                .values(updated_at=utcnow(), **values)
            )
            await record(conn, audit)


def _remaining(held: quarantine.Quarantine | None) -> str | None:
    """The quarantine left after ``start``: only held deletions keep theirs."""
    if held is not None and held.reason == QuarantineReason.TOO_MANY_DELETES:
        return str(held.reason)
    return None


def _entry(
    actor: Actor, action: str, app: App, before: dict[str, Any], after: dict[str, Any]
) -> AuditEntry:
    return AuditEntry(actor, action, "provisioning job", app.id, app.name, before, after)


def _decision(actor: Actor, action: str, app: App, rows: list[StagedRow]) -> AuditEntry:
    """The record of allowing or rejecting held deletions: which ones, by whom."""
    held = {"heldDeletions": len(rows), "deletions": [row.to_dict() for row in rows[:100]]}
    decision = "allowed" if action.endswith("allow") else "rejected"
    after = {"heldDeletions": 0, "decision": decision}
    return AuditEntry(actor, action, "held deletions", app.id, app.name, held, after)
