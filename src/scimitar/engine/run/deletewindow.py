"""The accidental-deletion threshold over a sliding window, for apps with real-time runs.

A cycle counts its own disables and deletes against the threshold (Entra: accidental
deletions). Real-time runs are small: 500 runs of one disable each would never reach a
threshold of 500 counted per run, yet they let through the mass disable one cycle would hold.
So for an app with real-time runs every run — real-time or cycle — starts its count at the
disables and deletes the app was sent over the window before it (the app's cycle interval
unless ``delete_window_minutes`` says otherwise). A held deletion stops every run until an
admin allows or rejects it; the window then starts again from that decision, so the
deletions just decided on are not counted a second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from scimitar.apps.model import JobSettings
from scimitar.engine.core.records import ProvisioningAction, RecordStatus
from scimitar.store import Database
from scimitar.store.tables.engine import JOB_STATE, LOG

__all__ = ["counted_before", "restart_window", "window_of"]

_DELETIONS = (ProvisioningAction.DISABLE.value, ProvisioningAction.DELETE.value)


def window_of(settings: JobSettings) -> timedelta | None:
    """The sliding window the threshold counts over, or None (per cycle, Entra's way)."""
    if not settings.realtime or settings.delete_threshold is None:
        return None
    return timedelta(minutes=settings.delete_window_minutes or settings.interval_minutes)


async def counted_before(
    database: Database, app_id: str, settings: JobSettings, cycle_id: str, now: datetime
) -> int:
    """Disables and deletes sent to the app in the window before ``now``, other runs only."""
    window = window_of(settings)
    if window is None:
        return 0
    async with database.read() as conn:
        decided = (
            await conn.execute(
                select(JOB_STATE.c.deletions_counted_from).where(JOB_STATE.c.app_id == app_id)
            )
        ).scalar()
        start = now - window if decided is None else max(now - window, decided)
        query = select(func.count()).where(
            LOG.c.app_id == app_id,
            LOG.c.at >= start,
            LOG.c.action.in_(_DELETIONS),
            LOG.c.status == RecordStatus.SUCCESS.value,
            LOG.c.cycle_id != cycle_id,
        )
        return int((await conn.execute(query)).scalar_one())


async def restart_window(database: Database, app_id: str, now: datetime) -> None:
    """An admin decided on held deletions: what was sent before no longer counts."""
    async with database.write() as conn:
        await conn.execute(
            update(JOB_STATE).where(JOB_STATE.c.app_id == app_id).values(deletions_counted_from=now)
        )
