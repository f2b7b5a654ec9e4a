"""The scope change log: users and groups whose scope for an app changed outside the directory.

The directory's change feed knows nothing of app assignments. Every write that changes who an
app is for without a directory change — assign, unassign (a role added or removed too), the
assignments a hard-deleted group takes along — adds rows here in its own transaction, naming
the object to look at again: a user, or a group (whose direct members the engine reads when it
takes the row up). An incremental cycle takes up the
rows written since the previous successful cycle started, and a successful cycle drops the rows
older than its own start, which no later cycle reads (docs/architecture.md "Scope changes").

It lives in the store, beside the tables, because the directory (hard deletes) writes it as
well as the apps; neither may import the other's services.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.store.signals import announce
from scimitar.store.tables.apps import ASSIGNMENT, SCOPE_CHANGE

__all__ = ["GROUP", "USER", "Key", "changed_since", "drop_assignments", "prune", "record"]

#: Object types as the engine's links name them.
USER = "User"
GROUP = "Group"
#: An object the log names: its type (``User`` or ``Group``) and objectId.
Key = tuple[str, str]


async def record(conn: AsyncConnection, app_id: str, keys: Iterable[Key], now: datetime) -> None:
    """Log that these objects' scope for the app changed (in the caller's transaction)."""
    rows = [
        {"app_id": app_id, "object_type": kind, "object_id": object_id, "changed_at": now}
        for kind, object_id in dict.fromkeys(keys)
    ]
    if rows:
        await conn.execute(insert(SCOPE_CHANGE), rows)
        await announce(conn, app_id)


async def changed_since(conn: AsyncConnection, app_id: str, since: datetime | None) -> list[Key]:
    """The objects logged for the app at or after ``since`` (all when None), each once."""
    query = select(SCOPE_CHANGE.c.object_type, SCOPE_CHANGE.c.object_id).where(
        SCOPE_CHANGE.c.app_id == app_id
    )
    if since is not None:
        query = query.where(SCOPE_CHANGE.c.changed_at >= since)
    rows = await conn.execute(query.order_by(SCOPE_CHANGE.c.id))
    return list(dict.fromkeys((str(kind), str(object_id)) for kind, object_id in rows))


async def prune(conn: AsyncConnection, app_id: str, before: datetime) -> None:
    """Drop the app's rows older than ``before`` (no later cycle reads them)."""
    await conn.execute(
        delete(SCOPE_CHANGE).where(
            SCOPE_CHANGE.c.app_id == app_id, SCOPE_CHANGE.c.changed_at < before
        )
    )


async def drop_assignments(
    conn: AsyncConnection,
    principal_type: str,
    principal_id: str,
    member_ids: Iterable[str],
    now: datetime,
) -> None:
    """Remove a hard-deleted principal's assignments from every app, and log the change.

    Each app a group was assigned to logs ``member_ids`` (its direct user members, read before
    the membership rows went), so the next cycle takes away what the assignment gave them. The
    principal itself is not logged: the directory's change feed brings its hard delete, and
    taking it up twice in one cycle would count its deletion twice against the threshold.

    Args:
        conn: The hard delete's transaction.
        principal_type: ``user`` or ``group`` (the assignment's principal type).
        principal_id: The objectId.
        member_ids: A group's direct user members; empty for a user.
        now: The time of the delete.
    """
    owner = (ASSIGNMENT.c.principal_type == principal_type) & (
        ASSIGNMENT.c.principal_id == principal_id
    )
    apps = [str(row[0]) for row in await conn.execute(select(ASSIGNMENT.c.app_id).where(owner))]
    if not apps:
        return
    await conn.execute(delete(ASSIGNMENT).where(owner))
    keys = [(USER, member) for member in member_ids]
    for app_id in dict.fromkeys(apps):
        await record(conn, app_id, keys, now)
