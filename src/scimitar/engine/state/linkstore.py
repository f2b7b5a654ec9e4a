"""Links in the store: source object ↔ target object and the values last exported.

A link is written in the same transaction as the log record of the request that made it, so a
cycle killed at any point resumes without creating anything twice (docs/architecture.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar import jsontext
from scimitar.clock import utcnow
from scimitar.engine.core.actions import DisableCause
from scimitar.engine.core.planning import Link
from scimitar.store.fastsql import Row, SQLConnection, as_sql, in_list, timestamp
from scimitar.store.tables.engine import LINK

__all__ = [
    "LinkChange",
    "all_target_ids",
    "count_links",
    "linked_ids",
    "load_links",
    "save_links",
    "target_ids",
]

_CHUNK = 2000

#: A link to write (``Link``) or to remove (``None``), keyed by (object type, source id).
LinkChange = tuple[str, str, Link | None]


async def load_links(
    conn: AsyncConnection | SQLConnection,
    app_id: str,
    object_type: str,
    source_ids: Iterable[str],
) -> dict[str, Link]:
    """The links of these source objects, by source id."""
    found: dict[str, Link] = {}
    rows = await _rows_among(as_sql(conn), _SELECT, app_id, object_type, source_ids)
    for source_id, target_id, last_exported, cause in rows:
        disabled = DisableCause(cause) if cause else None
        found[source_id] = Link(target_id, json.loads(last_exported), disabled)
    return found


async def _rows_among(
    sql: SQLConnection,
    select_in: str,
    app_id: str,
    object_type: str,
    source_ids: Iterable[str],
    extra: Mapping[str, Any] | None = None,
) -> list[Row]:
    """The rows of ``select_in`` (ending in ``source_id IN``) for these ids, a chunk at a time."""
    wanted = list(dict.fromkeys(source_ids))
    rows: list[Row] = []
    for start in range(0, len(wanted), _CHUNK):
        members, params = in_list("s", wanted[start : start + _CHUNK])
        query = {"app_id": app_id, "object_type": object_type, **(extra or {}), **params}
        rows += await sql.fetch_all(select_in + members, query)
    return rows


def _encode(link: Link) -> str:
    return jsontext.dumps(link.last_exported)


_SELECT = (
    "SELECT source_id, target_id, last_exported, disabled_cause FROM engine_link "
    "WHERE app_id = :app_id AND object_type = :object_type AND source_id IN "
)
_SELECT_LINKED = (
    "SELECT source_id, disabled_cause FROM engine_link WHERE app_id = :app_id "
    "AND object_type = :object_type"
)
_CAUSES = {cause.value: cause for cause in DisableCause}
_SELECT_TARGETS = (
    "SELECT source_id, target_id FROM engine_link WHERE app_id = :app_id "
    "AND object_type = :object_type AND disabled_cause IS NULL AND source_id IN "
)
_DELETE = (
    "DELETE FROM engine_link WHERE app_id = :app_id AND object_type = :object_type "
    "AND source_id IN "
)
_UPSERT = (
    "INSERT INTO engine_link (app_id, object_type, source_id, target_id, last_exported, "
    "is_disabled, disabled_cause, updated_at) VALUES (:app_id, :object_type, :source_id, "
    ":target_id, :last_exported, :is_disabled, :disabled_cause, :updated_at) "
    "ON CONFLICT (app_id, object_type, source_id) DO UPDATE SET "
    "target_id = excluded.target_id, last_exported = excluded.last_exported, "
    "is_disabled = excluded.is_disabled, disabled_cause = excluded.disabled_cause, "
    "updated_at = excluded.updated_at"
)


async def save_links(
    conn: AsyncConnection | SQLConnection, app_id: str, changes: Sequence[LinkChange]
) -> None:
    """Write links (insert or replace) and remove the ``None`` ones, in the caller's transaction."""
    if not changes:
        return
    sql = as_sql(conn)
    now = timestamp(sql, utcnow())
    for object_type in {c[0] for c in changes}:
        mine = {source_id: link for kind, source_id, link in changes if kind == object_type}
        removed = [source_id for source_id, link in mine.items() if link is None]
        for start in range(0, len(removed), _CHUNK):
            members, params = in_list("s", removed[start : start + _CHUNK])
            statement = _DELETE + members  # placeholders only, values are parameters
            await sql.run(statement, {"app_id": app_id, "object_type": object_type, **params})
        rows = [
            {
                "app_id": app_id,
                "object_type": object_type,
                "source_id": source_id,
                "target_id": link.target_id,
                "last_exported": _encode(link),
                "is_disabled": link.disabled is not None,
                "disabled_cause": None if link.disabled is None else link.disabled.value,
                "updated_at": now,
            }
            for source_id, link in mine.items()
            if link is not None
        ]
        if rows:
            await sql.run_many(_UPSERT, rows)


async def linked_ids(
    conn: AsyncConnection | SQLConnection,
    app_id: str,
    object_type: str,
    *,
    among: Iterable[str] | None = None,
    cause: DisableCause | None = None,
) -> dict[str, DisableCause | None]:
    """Linked source ids of a type, with why each one's target object is disabled (if it is).

    Args:
        conn: A read connection.
        app_id: The app.
        object_type: ``User`` or ``Group``.
        among: Only these source ids (read in chunks).
        cause: Only the links disabled for this cause.
    """
    sql = as_sql(conn)
    select_all = _SELECT_LINKED + (" AND disabled_cause = :cause" if cause else "")
    extra = {} if cause is None else {"cause": cause.value}
    if among is not None:
        select_in = select_all + " AND source_id IN "
        rows = await _rows_among(sql, select_in, app_id, object_type, among, extra)
    else:
        params = {"app_id": app_id, "object_type": object_type, **extra}
        rows = await sql.fetch_all(select_all, params)
    causes = _CAUSES
    return {source_id: causes[off] if off else None for source_id, off in rows}


async def target_ids(
    conn: AsyncConnection | SQLConnection, app_id: str, object_type: str, source_ids: Iterable[str]
) -> dict[str, str]:
    """Source id → target id for the linked ones among ``source_ids`` that are enabled.

    Reads only the ids, not the values last exported: a group phase asks this for every member
    of hundreds of groups.
    """
    rows = await _rows_among(as_sql(conn), _SELECT_TARGETS, app_id, object_type, source_ids)
    return {source_id: target_id for source_id, target_id in rows}


async def all_target_ids(conn: SQLConnection, app_id: str, object_type: str) -> dict[str, str]:
    """Source id → target id of every enabled linked object of a type, in one read.

    An initial cycle's groups phase resolves every member through this once, instead of
    asking for each page's members (most users are members of several pages' groups).
    """
    rows = await conn.fetch_all(
        "SELECT source_id, target_id FROM engine_link WHERE app_id = :app_id "
        "AND object_type = :object_type AND disabled_cause IS NULL",
        {"app_id": app_id, "object_type": object_type},
    )
    return {source_id: target_id for source_id, target_id in rows}


async def count_links(conn: AsyncConnection, app_id: str) -> Mapping[str, int]:
    """How many objects of each type are linked."""
    query = (
        select(LINK.c.object_type, func.count())
        .where(LINK.c.app_id == app_id)
        .group_by(LINK.c.object_type)
    )
    return {row[0]: int(row[1]) for row in await conn.execute(query)}
