"""SQL for the target's resources and group memberships, as portable SQL text.

Every function takes an open :class:`~scimitar.store.fastsql.SQLConnection`, so the service
decides where transactions begin and end. Documents are stored as JSON text; the indexed
columns hold the values clients filter on. The statements are the hot path of the target
(see :mod:`scimitar.store.fastsql` for why they are text rather than SQLAlchemy Core).
"""

# Every interpolated piece of SQL below is a module constant or placeholders made by in_list(),
# never a value: values always travel as bound parameters.
# ruff: noqa: S608

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scimitar import jsontext
from scimitar.store.fastsql import Row, SQLConnection, in_list, json_text

__all__ = [
    "IndexKeys",
    "Member",
    "StoredResource",
    "add_members",
    "count_members",
    "count_resources",
    "delete_resource",
    "find_by_index",
    "find_by_index_values",
    "find_types",
    "groups_of",
    "insert_resource",
    "iterate_resources",
    "list_members",
    "load_resource",
    "page_resources",
    "remove_member_everywhere",
    "remove_members",
    "update_resource",
]

SCAN_CHUNK = 500
#: Values per ``IN`` list (SQLite's default limit is 32,766 parameters; keep plans small).
_IN_CHUNK = 500
NO_LIMIT = 2**62
INDEXED_COLUMNS = frozenset({"id", "user_name_key", "external_id", "display_name_key"})
_COLUMNS = "seq, id, version, data"
_ONE = "tenant_id = :tenant AND resource_type = :type"
# Naming the type lets lookups by id use the (tenant_id, resource_type, id) unique index.
_TYPES = "('User', 'Group')"


@dataclass(frozen=True, slots=True)
class IndexKeys:
    """The indexed columns derived from a document."""

    user_name_key: str | None
    external_id: str | None
    display_name_key: str | None


@dataclass(slots=True)
class StoredResource:
    """A resource as stored: its document, version and insertion order."""

    seq: int
    id: str
    version: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Member:
    """One group member, with the member's display name when it still exists."""

    value: str
    type: str
    display: str | None


def _dump(data: dict[str, Any]) -> str:
    return jsontext.dumps(data)


def _stored(row: Row) -> StoredResource:
    return StoredResource(row[0], row[1], row[2], json.loads(row[3]))


def _keys(keys: IndexKeys) -> dict[str, Any]:
    return {
        "user_name_key": keys.user_name_key,
        "external_id": keys.external_id,
        "display_name_key": keys.display_name_key,
    }


async def insert_resource(
    conn: SQLConnection,
    tenant_id: str,
    resource_type: str,
    resource_id: str,
    keys: IndexKeys,
    data: dict[str, Any],
) -> None:
    """Insert a new resource at version 1 (an integrity error on a duplicate userName)."""
    await conn.run(
        "INSERT INTO target_resource (tenant_id, resource_type, id, version, user_name_key, "
        "external_id, display_name_key, data) VALUES (:tenant, :type, :id, 1, :user_name_key, "
        ":external_id, :display_name_key, :data)",
        {
            "tenant": tenant_id,
            "type": resource_type,
            "id": resource_id,
            "data": _dump(data),
            **_keys(keys),
        },
    )


async def load_resource(
    conn: SQLConnection, tenant_id: str, resource_type: str, resource_id: str
) -> StoredResource | None:
    """The resource with this id, or None."""
    row = await conn.fetch_one(
        f"SELECT {_COLUMNS} FROM target_resource WHERE {_ONE} AND id = :id",
        {"tenant": tenant_id, "type": resource_type, "id": resource_id},
    )
    return None if row is None else _stored(row)


async def update_resource(
    conn: SQLConnection,
    tenant_id: str,
    resource_type: str,
    resource_id: str,
    keys: IndexKeys,
    version: int,
    data: dict[str, Any],
) -> None:
    """Overwrite a resource's document and keys, setting its version."""
    await conn.run(
        "UPDATE target_resource SET version = :version, user_name_key = :user_name_key, "
        "external_id = :external_id, display_name_key = :display_name_key, data = :data "
        f"WHERE {_ONE} AND id = :id",
        {
            "tenant": tenant_id,
            "type": resource_type,
            "id": resource_id,
            "version": version,
            "data": _dump(data),
            **_keys(keys),
        },
    )


async def delete_resource(
    conn: SQLConnection, tenant_id: str, resource_type: str, resource_id: str
) -> bool:
    """Delete a resource; True when it existed."""
    changed = await conn.run(
        f"DELETE FROM target_resource WHERE {_ONE} AND id = :id",
        {"tenant": tenant_id, "type": resource_type, "id": resource_id},
    )
    return changed > 0


async def find_by_index(
    conn: SQLConnection, tenant_id: str, resource_type: str, column: str, value: str
) -> list[StoredResource]:
    """Resources whose indexed ``column`` equals ``value`` (already normalised)."""
    if column not in INDEXED_COLUMNS:
        raise ValueError(f"{column!r} is not an indexed column of target_resource")
    rows = await conn.fetch_all(
        f"SELECT {_COLUMNS} FROM target_resource WHERE {_ONE} AND {column} = :value ORDER BY seq",
        {"tenant": tenant_id, "type": resource_type, "value": value},
    )
    return [_stored(row) for row in rows]


async def find_by_index_values(
    conn: SQLConnection, tenant_id: str, resource_type: str, column: str, values: Sequence[str]
) -> list[StoredResource]:
    """Resources whose indexed ``column`` is one of ``values`` (already normalised)."""
    if column not in INDEXED_COLUMNS:
        raise ValueError(f"{column!r} is not an indexed column of target_resource")
    if len(values) == 1:
        return await find_by_index(conn, tenant_id, resource_type, column, values[0])
    found: list[StoredResource] = []
    for start in range(0, len(values), _IN_CHUNK):
        placeholders, params = in_list("value", values[start : start + _IN_CHUNK])
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM target_resource WHERE {_ONE} AND {column} IN "
            f"{placeholders} ORDER BY seq",
            {"tenant": tenant_id, "type": resource_type, **params},
        )
        found += [_stored(row) for row in rows]
    return found


async def count_resources(conn: SQLConnection, tenant_id: str, resource_type: str) -> int:
    """How many resources of a type the tenant holds."""
    row = await conn.fetch_one(
        f"SELECT count(*) FROM target_resource WHERE {_ONE}",
        {"tenant": tenant_id, "type": resource_type},
    )
    return int(row[0]) if row else 0


async def page_resources(
    conn: SQLConnection, tenant_id: str, resource_type: str, offset: int, limit: int
) -> list[StoredResource]:
    """One page of resources in insertion order."""
    rows = await conn.fetch_all(
        f"SELECT {_COLUMNS} FROM target_resource WHERE {_ONE} ORDER BY seq "
        "LIMIT :limit OFFSET :offset",
        {"tenant": tenant_id, "type": resource_type, "limit": limit, "offset": offset},
    )
    return [_stored(row) for row in rows]


async def iterate_resources(
    conn: SQLConnection, tenant_id: str, resource_type: str
) -> AsyncIterator[list[StoredResource]]:
    """Every resource of a type in insertion order, a chunk at a time (keyset paging)."""
    after = 0
    while True:
        rows = await conn.fetch_all(
            f"SELECT {_COLUMNS} FROM target_resource WHERE {_ONE} AND seq > :after "
            "ORDER BY seq LIMIT :limit",
            {"tenant": tenant_id, "type": resource_type, "after": after, "limit": SCAN_CHUNK},
        )
        if not rows:
            return
        chunk = [_stored(row) for row in rows]
        yield chunk
        after = chunk[-1].seq


async def find_types(
    conn: SQLConnection, tenant_id: str, ids: Iterable[str], *, with_names: bool = True
) -> dict[str, tuple[str, str | None]]:
    """For each existing id among ``ids``: its resource type and (if asked) display name.

    Checking hundreds of new group members needs only their types; reading their names
    would parse every member's document.
    """
    wanted = list(dict.fromkeys(ids))
    found: dict[str, tuple[str, str | None]] = {}
    column = "data" if with_names else "NULL"
    for start in range(0, len(wanted), SCAN_CHUNK):
        clause, params = in_list("id", wanted[start : start + SCAN_CHUNK])
        rows = await conn.fetch_all(
            f"SELECT id, resource_type, {column} FROM target_resource WHERE tenant_id = :tenant "
            f"AND resource_type IN {_TYPES} AND id IN {clause}",
            {"tenant": tenant_id, **params},
        )
        for row in rows:
            name = json.loads(row[2]).get("displayName") if row[2] else None
            found[row[0]] = (row[1], name)
    return found


async def add_members(
    conn: SQLConnection, tenant_id: str, group_id: str, members: Sequence[tuple[str, str]]
) -> None:
    """Add ``(member id, type)`` pairs in order; pairs already members stay as they were.

    One statement per pair, all sent at once; a pair already a member is skipped by the
    table's key (``ON CONFLICT DO NOTHING``, SQLite and PostgreSQL alike), so no read of the
    present members is needed first (RFC 7644 §3.5.2.1: adding a member twice changes nothing).
    """
    if not members:
        return
    row = await conn.fetch_one(
        "SELECT coalesce(max(seq), 0) FROM target_member WHERE tenant_id = :tenant "
        "AND group_id = :group",
        {"tenant": tenant_id, "group": group_id},
    )
    first = (int(row[0]) if row else 0) + 1
    await conn.run_many(
        "INSERT INTO target_member (tenant_id, group_id, member_id, member_type, seq) "
        "VALUES (:tenant, :group, :member, :type, :seq) "
        "ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING",
        [
            {
                "tenant": tenant_id,
                "group": group_id,
                "member": value,
                "type": kind,
                "seq": first + offset,
            }
            for offset, (value, kind) in enumerate(members)
        ],
    )


async def remove_members(
    conn: SQLConnection, tenant_id: str, group_id: str, member_ids: Sequence[str]
) -> None:
    """Remove these members from one group."""
    for start in range(0, len(member_ids), SCAN_CHUNK):
        clause, params = in_list("m", member_ids[start : start + SCAN_CHUNK])
        await conn.run(
            f"DELETE FROM target_member WHERE tenant_id = :tenant AND group_id = :group "
            f"AND member_id IN {clause}",
            {"tenant": tenant_id, "group": group_id, **params},
        )


async def remove_member_everywhere(conn: SQLConnection, tenant_id: str, member_id: str) -> None:
    """Drop a deleted resource from every group it belonged to, and a deleted group's members."""
    await conn.run(
        "DELETE FROM target_member WHERE tenant_id = :tenant "
        "AND (member_id = :id OR group_id = :id)",
        {"tenant": tenant_id, "id": member_id},
    )


async def count_members(
    conn: SQLConnection, tenant_id: str, group_id: str, member_type: str | None = None
) -> int:
    """How many members a group has (of one type, if given)."""
    sql = "SELECT count(*) FROM target_member WHERE tenant_id = :tenant AND group_id = :group"
    params: dict[str, Any] = {"tenant": tenant_id, "group": group_id}
    if member_type:
        sql += " AND lower(member_type) = :type"
        params["type"] = member_type.lower()
    row = await conn.fetch_one(sql, params)
    return int(row[0]) if row else 0


async def list_members(
    conn: SQLConnection,
    tenant_id: str,
    group_id: str,
    *,
    offset: int = 0,
    limit: int | None = None,
    member_type: str | None = None,
) -> list[Member]:
    """A group's members in the order they were added, with their display names."""
    sql = (
        f"SELECT m.member_id, m.member_type, {json_text(conn, 'r.data', 'displayName')} "
        "FROM target_member m "
        f"LEFT JOIN target_resource r ON r.tenant_id = m.tenant_id AND r.resource_type IN {_TYPES} "
        "AND r.id = m.member_id "
        "WHERE m.tenant_id = :tenant AND m.group_id = :group"
    )
    # SQLite needs a LIMIT before OFFSET and PostgreSQL has no LIMIT -1: "no limit" is huge.
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "group": group_id,
        "offset": offset,
        "limit": NO_LIMIT if limit is None else limit,
    }
    if member_type:
        sql += " AND lower(m.member_type) = :type"
        params["type"] = member_type.lower()
    sql += " ORDER BY m.seq LIMIT :limit OFFSET :offset"
    rows = await conn.fetch_all(sql, params)
    return [Member(row[0], row[1], row[2]) for row in rows]


async def groups_of(
    conn: SQLConnection, tenant_id: str, member_ids: Sequence[str]
) -> dict[str, list[tuple[str, str | None]]]:
    """For each member id: the ``(group id, group displayName)`` pairs it directly belongs to."""
    result: dict[str, list[tuple[str, str | None]]] = {}
    if not member_ids:
        return result
    clause, params = in_list("m", member_ids)
    # No ORDER BY: to save the sort SQLite would scan the tenant's whole primary key
    # (tenant, group, member) instead of searching the member index; sorted here instead.
    rows = await conn.fetch_all(
        "SELECT m.member_id, m.group_id, r.data FROM target_member m "
        "JOIN target_resource r ON r.tenant_id = m.tenant_id AND r.resource_type = 'Group' "
        "AND r.id = m.group_id "
        f"WHERE m.tenant_id = :tenant AND m.member_id IN {clause}",
        {"tenant": tenant_id, **params},
    )
    for row in sorted(rows, key=lambda row: str(row[1])):
        result.setdefault(row[0], []).append((row[1], json.loads(row[2]).get("displayName")))
    return result
