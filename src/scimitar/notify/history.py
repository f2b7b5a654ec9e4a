"""Which mails went out, in the store: per-cycle deduplication and per-app quiet windows.

A mail is *claimed* before it is sent, in one transaction, so two processes sharing a store
never both send it; a mail that could not be sent is *released*, so the next event may try
again. Kept in the store, the windows survive restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from scimitar.store import Database
from scimitar.store.tables.notify import NOTIFICATION_SENT

__all__ = ["Claim", "NotificationHistory"]

_T = NOTIFICATION_SENT


@dataclass(frozen=True, slots=True)
class Claim:
    """A mail this process may send, and what the history said before.

    Attributes:
        app_id: The app.
        kind: The kind of mail.
        cycle_id: The cycle it is about, if any.
        sent_at: When it is sent.
        previous: The earlier ``(cycle_id, sent_at)``, or ``None`` if there was none.
    """

    app_id: str
    kind: str
    cycle_id: str | None
    sent_at: datetime
    previous: tuple[str | None, datetime] | None


class NotificationHistory:
    """The ``notification_sent`` table.

    Args:
        database: The store.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim(
        self,
        app_id: str,
        kind: str,
        *,
        at: datetime,
        window: timedelta,
        cycle_id: str | None = None,
    ) -> Claim | None:
        """Record that a mail of ``kind`` is sent now, unless the rules say not to.

        Not allowed: a mail of this kind about the same cycle was already sent, or the last
        one went out less than ``window`` before ``at``.

        Returns:
            The claim, or ``None`` when no mail may be sent.
        """
        key = (_T.c.app_id == app_id) & (_T.c.kind == kind)
        try:
            async with self._database.write() as conn:
                query = select(_T.c.cycle_id, _T.c.sent_at).where(key).with_for_update()
                row = (await conn.execute(query)).one_or_none()
                if row is None:
                    values = {"app_id": app_id, "kind": kind, "cycle_id": cycle_id, "sent_at": at}
                    await conn.execute(insert(_T).values(**values))
                    return Claim(app_id, kind, cycle_id, at, None)
                if cycle_id is not None and row.cycle_id == cycle_id:
                    return None
                if at - row.sent_at < window:
                    return None
                await conn.execute(update(_T).where(key).values(cycle_id=cycle_id, sent_at=at))
                return Claim(app_id, kind, cycle_id, at, (row.cycle_id, row.sent_at))
        except IntegrityError:
            # Another process inserted the first row for this app and kind at the same time.
            return None

    async def release(self, claim: Claim) -> None:
        """Undo ``claim`` (its mail was not sent), unless a later claim replaced it."""
        mine = (
            (_T.c.app_id == claim.app_id)
            & (_T.c.kind == claim.kind)
            & (_T.c.sent_at == claim.sent_at)
        )
        async with self._database.write() as conn:
            if claim.previous is None:
                await conn.execute(delete(_T).where(mine))
                return
            cycle_id, sent_at = claim.previous
            await conn.execute(update(_T).where(mine).values(cycle_id=cycle_id, sent_at=sent_at))

    async def last_sent(self, app_id: str, kind: str) -> datetime | None:
        """When the last mail of ``kind`` about the app went out."""
        query = select(_T.c.sent_at).where((_T.c.app_id == app_id) & (_T.c.kind == kind))
        async with self._database.read() as conn:
            return (await conn.execute(query)).scalar_one_or_none()
