"""Held deletions in the store: the disables and deletes accidental-deletion prevention staged.

A cycle whose deletions reach the app's threshold holds them (docs/entra.md §2.6); each held one is
a row
written in its page's transaction, so nothing is lost when the watermark moves on. An admin then
allows them (the next cycle re-plans and sends them, Graph ``ForceDeletes``) or rejects them
(the rows go, the links stay).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import Delete, Disable
from scimitar.engine.core.events import ObjectRef
from scimitar.engine.state.work import Outcome
from scimitar.store.fastsql import SQLConnection, as_sql, in_list, timestamp
from scimitar.store.tables.resilience import STAGED_DELETE

__all__ = ["Held", "StagedRow", "clear", "count", "list_staged", "stage_page"]


@dataclass(frozen=True, slots=True)
class Held:
    """What a cycle knows of one held deletion before it is written."""

    display: str
    action: Disable | Delete
    change: ChangeKind | None


@dataclass(frozen=True, slots=True)
class StagedRow:
    """A held disable or delete.

    Attributes:
        object_type: ``User`` or ``Group``.
        source_id: The directory object's id.
        display: Its name (UPN or display name).
        target_id: The app's object.
        action: ``disable`` or ``delete``.
        cause: Why a disable was planned (``OutOfScope``, ``SourceInactive``).
        change: The directory change that led to it, if any.
        cycle_id: The cycle that held it.
        staged_at: When.
    """

    object_type: str
    source_id: str
    display: str
    target_id: str | None
    action: str
    cause: str | None
    change: str | None
    cycle_id: str
    staged_at: datetime

    @property
    def change_kind(self) -> ChangeKind | None:
        """The stored change as a :class:`ChangeKind`."""
        return ChangeKind(self.change) if self.change else None

    def ref(self) -> ObjectRef:
        """The row as an event's object."""
        return ObjectRef(self.object_type, self.source_id, self.display, None, self.action)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase."""
        return {
            "objectType": self.object_type,
            "sourceId": self.source_id,
            "name": self.display,
            "targetId": self.target_id,
            "action": self.action,
            "cause": self.cause,
            "change": self.change,
            "cycleId": self.cycle_id,
            "stagedAt": self.staged_at.isoformat(),
        }


async def stage_page(
    conn: AsyncConnection | SQLConnection,
    app_id: str,
    cycle_id: str,
    outcomes: Sequence[Outcome],
    held: Mapping[tuple[str, str], Held],
    now: datetime,
    *,
    may_release: bool,
) -> None:
    """Write a page's held deletions; with ``may_release``, drop the rows of objects handled.

    Args:
        conn: The page's write transaction.
        app_id: The app.
        cycle_id: The running cycle.
        outcomes: The page's outcomes.
        held: What the cycle held, by (object type, source id).
        now: When.
        may_release: Whether rows may exist that this page's other outcomes settle.
    """
    sql = as_sql(conn)
    staged = [o for o in outcomes if o.count == "staged_delete"]
    keys = {(o.object_type, o.source_id) for o in staged}
    if may_release:
        done = {(o.object_type, o.source_id) for o in outcomes if o.count != "failure"} - keys
        await _delete(sql, app_id, done)
    if not staged:
        return
    await _delete(sql, app_id, keys)
    rows = []
    for outcome in staged:
        item = held.get((outcome.object_type, outcome.source_id))
        action = item.action if item else None
        rows.append(
            {
                "app_id": app_id,
                "object_type": outcome.object_type,
                "source_id": outcome.source_id,
                "display": (item.display if item else outcome.source_id)[:300],
                "target_id": action.target_id if action else outcome.record.target_identity.id,
                "action": "disable" if isinstance(action, Disable) else "delete",
                "cause": action.cause.value if isinstance(action, Disable) else None,
                "change": item.change.value if item and item.change else None,
                "cycle_id": cycle_id,
                "staged_at": timestamp(sql, now),
            }
        )
    await sql.run_many(_INSERT, rows)


_DELETE = (
    "DELETE FROM engine_staged_delete WHERE app_id = :app_id"
    " AND object_type = :object_type AND source_id IN "
)
_INSERT = (
    "INSERT INTO engine_staged_delete (app_id, object_type, source_id, display, target_id,"
    " action, cause, change, cycle_id, staged_at) VALUES (:app_id, :object_type, :source_id,"
    " :display, :target_id, :action, :cause, :change, :cycle_id, :staged_at)"
)


async def _delete(sql: SQLConnection, app_id: str, keys: set[tuple[str, str]]) -> None:
    by_type: dict[str, list[str]] = {}
    for object_type, source_id in keys:
        by_type.setdefault(object_type, []).append(source_id)
    for object_type, ids in by_type.items():
        members, params = in_list("s", ids)
        await sql.run(
            _DELETE + members,  # placeholders only, values are parameters
            {"app_id": app_id, "object_type": object_type, **params},
        )


async def list_staged(conn: AsyncConnection, app_id: str) -> list[StagedRow]:
    """The app's held deletions, oldest first."""
    query = (
        select(STAGED_DELETE)
        .where(STAGED_DELETE.c.app_id == app_id)
        .order_by(STAGED_DELETE.c.staged_at, STAGED_DELETE.c.display)
    )
    return [
        StagedRow(
            r.object_type,
            r.source_id,
            r.display,
            r.target_id,
            r.action,
            r.cause,
            r.change,
            r.cycle_id,
            r.staged_at,
        )
        for r in await conn.execute(query)
    ]


async def count(conn: AsyncConnection, app_id: str) -> int:
    """How many deletions the app holds."""
    query = select(func.count()).select_from(STAGED_DELETE).where(STAGED_DELETE.c.app_id == app_id)
    return int((await conn.execute(query)).scalar() or 0)


async def clear(conn: AsyncConnection, app_id: str) -> int:
    """Drop every held deletion of the app; returns how many there were."""
    result = await conn.execute(delete(STAGED_DELETE).where(STAGED_DELETE.c.app_id == app_id))
    return int(result.rowcount or 0)
