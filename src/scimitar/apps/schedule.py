"""When an app's next cycle is due after its interval changes.

The scheduler sets the next cycle to the end of the last one plus the interval (spec: Entra's
fixed 40 minutes; ours is ``--interval``). A new interval applies at once: the next cycle moves
to the end of the last cycle plus the *new* interval, so shortening it from a day to 5 minutes
does not wait out the day, and lengthening it postpones a cycle that was about to run. A
quarantined job keeps its quarantine's schedule (6 h, 12 h, 24 h, then daily).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.store.tables.engine import JOB_STATE
from scimitar.store.tables.resilience import QUARANTINE

__all__ = ["reschedule"]


async def reschedule(
    conn: AsyncConnection, app_id: str, *, before: timedelta, after: timedelta
) -> None:
    """Move the app's next cycle from ``before`` to ``after`` past the last cycle's end.

    Args:
        conn: An open write connection (the settings commit with the new schedule).
        app_id: The app.
        before: The interval the next cycle was scheduled with.
        after: The new interval.
    """
    if before == after:
        return
    held = await conn.execute(
        select(QUARANTINE.c.next_attempt).where(
            QUARANTINE.c.app_id == app_id, QUARANTINE.c.next_attempt.is_not(None)
        )
    )
    if held.first() is not None:
        return
    query = select(JOB_STATE.c.next_run_at).where(JOB_STATE.c.app_id == app_id)
    due = (await conn.execute(query)).scalar_one_or_none()
    if due is None:
        return
    await conn.execute(
        update(JOB_STATE)
        .where(JOB_STATE.c.app_id == app_id)
        .values(next_run_at=due - before + after)
    )
