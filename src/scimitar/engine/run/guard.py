"""What a cycle does about faults beyond one object: escrows, held deletions, pause, quarantine.

:class:`JobGuard` is the cycle runner's companion (whether a cycle may start at all is
:mod:`scimitar.engine.run.admission`'s). In every page's transaction it escrows failed objects,
writes
held deletions and notices a pause; when the cycle ends it settles escrows, decides quarantine
(entering it, changing its reason, leaving it, disabling the job after 28 days) and publishes
the events an admin is told about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.engine.core.events import (
    CycleFailed,
    DeleteThresholdTripped,
    EventSink,
    QuarantineChanged,
)
from scimitar.engine.run import deletewindow
from scimitar.engine.run.admission import PAUSED
from scimitar.engine.run.runstate import FAILED_SHOWN, Run
from scimitar.engine.state import escrows, quarantine, staged
from scimitar.engine.state.quarantine import Quarantine, QuarantineReason
from scimitar.engine.state.work import Outcome
from scimitar.store import Database
from scimitar.store.fastsql import SQLConnection, as_sql
from scimitar.store.tables.engine import JOB_STATE

__all__ = ["CyclePausedError", "JobGuard"]

#: The job state after 28 days in quarantine (provisioning is turned off too).
DISABLED = "disabled"
#: Outcomes that export something (for the escrow proportion threshold).
_EXPORTS = ("create", "update", "enable", "disable", "delete")
#: Who the audit log names when a long quarantine turns provisioning off (Entra: 4 weeks).
QUARANTINE_ACTOR = Actor.system("quarantine")


class CyclePausedError(Exception):
    """Raised at a page boundary when an admin paused the job; the cycle keeps its resume point."""


class JobGuard:
    """Job-level fault handling around one app's cycles.

    Args:
        database: The store.
        apps: The apps services (to turn provisioning off after 28 days).
        events: Where events go.
        clock: The current UTC time.
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        events: EventSink,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = database
        self._apps = apps
        self._events = events
        self._clock = clock

    async def prepare(self, run: Run) -> None:
        """Note whether the app has escrows or held deletions the cycle's pages may settle.

        With real-time runs the deletion count starts at the deletions of the sliding window
        before this run (:mod:`scimitar.engine.run.deletewindow`).
        """
        async with self._db.read() as conn:
            run.has_escrows = await escrows.count(conn, run.ctx.app_id) > 0
            run.has_staged = await staged.count(conn, run.ctx.app_id) > 0
        if not run.counter.are_deletes_allowed:
            prior = await deletewindow.counted_before(
                self._db, run.ctx.app_id, run.ctx.config.settings, run.cycle.id, self._clock()
            )
            run.counter = replace(run.counter, count=run.counter.count + prior)

    async def page(
        self, conn: AsyncConnection | SQLConnection, run: Run, outcomes: Sequence[Outcome]
    ) -> tuple[list[Outcome], bool]:
        """In a page's transaction: escrows and held deletions; whether the job was paused.

        Returns:
            The outcomes (failure records annotated with their retry schedule), and whether
            an admin paused the job since the cycle started.
        """
        now = self._clock()
        app_id = run.ctx.app_id
        result = list(outcomes)
        if outcomes:
            result = await escrows.escrow_page(
                conn, app_id, run.cycle.id, outcomes, now, may_resolve=run.has_escrows
            )
            run.has_escrows = run.has_escrows or any(o.count == "failure" for o in outcomes)
            await staged.stage_page(
                conn, app_id, run.cycle.id, outcomes, run.held, now, may_release=run.has_staged
            )
            run.note_staged(outcomes)
        row = await as_sql(conn).fetch_one(
            "SELECT state FROM engine_job_state WHERE app_id = :app_id", {"app_id": app_id}
        )
        return result, row is not None and row[0] == PAUSED

    async def failed(self, run: Run, error: str) -> None:
        """The app refused the job: quarantine it at once, and tell the admin."""
        await self.cycle_failed(run, error)
        await self._quarantine(run, QuarantineReason.EXCEPTION, error)

    async def succeeded(self, run: Run) -> None:
        """A cycle completed: settle escrows, then quarantine or release the job."""
        counts = run.cycle.counts
        async with self._db.write() as conn:
            await escrows.settle(
                conn, run.ctx.app_id, now=self._clock(), object_types=run.ctx.config.object_types
            )
        if counts.get("failure", 0):
            await self.cycle_failed(run, None)
        if run.counter.is_tripped:
            await self._tripped(run)
            return
        exports = sum(counts.get(k, 0) for k in _EXPORTS)
        reason = quarantine.escrow_reason(
            counts.get("failure", 0) - run.reference_failures, run.reference_failures, exports
        )
        if reason is not None:
            error = f"{counts.get('failure', 0)} objects failed in cycle {run.cycle.id}"
            await self._quarantine(run, reason, error)
            return
        await self.release(run.ctx.app_id, run.ctx.config.app.name)

    async def cycle_failed(self, run: Run, error: str | None) -> None:
        """Publish the cycle's one ``CycleFailed`` event."""
        await self._events.publish(
            CycleFailed(
                app_id=run.ctx.app_id,
                app_name=run.ctx.config.app.name,
                cycle_id=run.cycle.id,
                at=self._clock(),
                error=error,
                failed=tuple(run.failed),
                failed_count=run.cycle.counts.get("failure", 0),
            )
        )

    async def release(self, app_id: str, app_name: str, *, details: str | None = None) -> None:
        """End the app's quarantine, if any, and say so."""
        async with self._db.write() as conn:
            ended = await quarantine.lift(conn, app_id)
            if ended is not None and ended.disabled_at is not None:
                await _set_state(conn, app_id, "active")
        if ended is None:
            return
        await self._events.publish(
            QuarantineChanged(
                app_id=app_id,
                app_name=app_name,
                at=self._clock(),
                reason=None,
                previous_reason=ended.reason,
                details=details or "a cycle succeeded; provisioning is back to its interval",
            )
        )

    async def _tripped(self, run: Run) -> None:
        async with self._db.read() as conn:
            rows = await staged.list_staged(conn, run.ctx.app_id)
        threshold = run.counter.threshold or 0
        await self._events.publish(
            DeleteThresholdTripped(
                app_id=run.ctx.app_id,
                app_name=run.ctx.config.app.name,
                cycle_id=run.cycle.id,
                at=self._clock(),
                threshold=threshold,
                staged=tuple(r.ref() for r in rows[:FAILED_SHOWN]),
                staged_count=len(rows),
            )
        )
        error = (
            f"{len(rows)} disables or deletes held: the cycle reached the delete threshold "
            f"of {threshold}"
        )
        await self._quarantine(run, QuarantineReason.TOO_MANY_DELETES, error)

    async def _quarantine(self, run: Run, reason: str, error: str) -> None:
        app_id, app_name = run.ctx.app_id, run.ctx.config.app.name
        now = self._clock()
        async with self._db.write() as conn:
            before = await quarantine.load(conn, app_id)
            after = quarantine.failed_again(before, reason, error, now)
            await quarantine.save(conn, app_id, after, is_new=before is None)
            if after.disabled_at is not None:
                await _set_state(conn, app_id, DISABLED)
        if after.disabled_at is not None and (before is None or before.disabled_at is None):
            await self._apps.provisioning.set_provisioning(
                app_id, is_on=False, actor=QUARANTINE_ACTOR
            )
            await self._publish(app_id, app_name, after, before, disabled=True)
        elif before is None or before.reason != after.reason:
            await self._publish(app_id, app_name, after, before, disabled=False)

    async def _publish(
        self,
        app_id: str,
        app_name: str,
        now: Quarantine,
        before: Quarantine | None,
        *,
        disabled: bool,
    ) -> None:
        details = now.error
        if disabled:
            details = (
                f"provisioning was turned off after 28 days in quarantine ({now.error}); fix the "
                f"cause, then run `scimitar app start {app_name}`"
            )
        await self._events.publish(
            QuarantineChanged(
                app_id=app_id,
                app_name=app_name,
                at=self._clock(),
                reason=now.reason,
                previous_reason=None if before is None else before.reason,
                details=details,
                next_attempt=now.next_attempt,
            )
        )


async def _set_state(conn: AsyncConnection, app_id: str, state: str) -> None:
    await conn.execute(update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(state=state))
