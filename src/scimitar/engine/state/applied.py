"""What the last run applied: the newest directory change and how long it took to reach the app.

Every successful cycle or real-time run notes the change its watermark reached, when that
change was committed and when the run ended; ``app status`` shows the difference as the lag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from scimitar.directory.changes import parse_watermark
from scimitar.store import Database
from scimitar.store.tables.directory import CHANGE, COUNTER
from scimitar.store.tables.engine import JOB_STATE

__all__ = ["AppliedChange", "load_applied", "note_applied"]


@dataclass(frozen=True, slots=True)
class AppliedChange:
    """The newest directory change the app's runs applied.

    Attributes:
        seq: Its number in the change feed.
        changed_at: When it was committed.
        applied_at: When the run that applied it ended.
        pending: Changes committed since, not applied yet.
    """

    seq: int
    changed_at: datetime
    applied_at: datetime
    pending: int

    @property
    def lag_seconds(self) -> float:
        """From the change's commit to the end of the run that applied it."""
        return max(0.0, (self.applied_at - self.changed_at).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        return {
            "seq": self.seq,
            "changedAt": self.changed_at.isoformat(),
            "appliedAt": self.applied_at.isoformat(),
            "lagSeconds": round(self.lag_seconds, 3),
            "pending": self.pending,
        }


async def note_applied(
    database: Database, app_id: str, watermark: str | None, now: datetime
) -> None:
    """A run ended at ``watermark``: note its newest change if it is newer than the last."""
    seq = parse_watermark(watermark)
    if seq == 0:
        return
    async with database.write() as conn:
        query = select(CHANGE.c.changed_at).where(CHANGE.c.seq == seq)
        changed_at = (await conn.execute(query)).scalar()
        if changed_at is None:  # purged from the feed: nothing to measure against
            return
        await conn.execute(
            update(JOB_STATE)
            .where(
                JOB_STATE.c.app_id == app_id,
                or_(JOB_STATE.c.applied_seq.is_(None), JOB_STATE.c.applied_seq < seq),
            )
            .values(applied_seq=seq, applied_changed_at=changed_at, applied_at=now)
        )


async def load_applied(database: Database, app_id: str) -> AppliedChange | None:
    """The app's last applied change, or None before its first."""
    async with database.read() as conn:
        query = select(
            JOB_STATE.c.applied_seq, JOB_STATE.c.applied_changed_at, JOB_STATE.c.applied_at
        ).where(JOB_STATE.c.app_id == app_id)
        row = (await conn.execute(query)).first()
        head = (
            await conn.execute(select(COUNTER.c.value).where(COUNTER.c.name == "change"))
        ).scalar()
    if row is None or row.applied_seq is None:
        return None
    pending = max(0, int(head or 0) - int(row.applied_seq))
    return AppliedChange(int(row.applied_seq), row.applied_changed_at, row.applied_at, pending)
