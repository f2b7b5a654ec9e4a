"""SQL for the target's resources and group memberships (SQLAlchemy Core, no ORM).

Every function takes an open connection, so the service decides where transactions begin and
end. Documents are stored as JSON text; the indexed columns hold the values clients filter on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from scimitar.store.database import SQLConnection
from scimitar.store.tables.target import MEMBER, RESOURCE

__all__ = [
    "IndexKeys",
    "Member",
    "StoredResource",
    "add_members",
    "count_members",
    "count_resources",
    "delete_resource",
    "find_by_index",
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
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _stored(row: Any) -> StoredResource:
    return StoredResource(row.seq, row.id, row.version, json.loads(row.data))


def _one(tenant_id: str, resource_type: str) -> Any:
    return and_(RESOURCE.c.tenant_id == tenant_id, RESOURCE.c.resource_type == resource_type)


async def insert_resource(
    conn: SQLConnection,
    tenant_id: str,
    resource_type: str,
    resource_id: str,
    keys: IndexKeys,
    data: dict[str, Any],
) -> None:
    """Insert a new resource at version 1 (IntegrityError on a duplicate userName)."""
    await conn.execute(
        insert(RESOURCE).values(
            tenant_id=tenant_id,
            resource_type=resource_type,
            id=resource_id,
            version=1,
            user_name_key=keys.user_name_key,
            external_id=keys.external_id,
            display_name_key=keys.display_name_key,
            data=_dump(data),
        )
    )


async def load_resource(
    conn: SQLConnection, tenant_id: str, resource_type: str, resource_id: str
) -> StoredResource | None:
    """The resource with this id, or None."""
    query = select(RESOURCE.c.seq, RESOURCE.c.id, RESOURCE.c.version, RESOURCE.c.data).where(
        _one(tenant_id, resource_type), RESOURCE.c.id == resource_id
    )
    row = (await conn.execute(query)).first()
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
    await conn.execute(
        update(RESOURCE)
        .where(_one(tenant_id, resource_type), RESOURCE.c.id == resource_id)
        .values(
            version=version,
            user_name_key=keys.user_name_key,
            external_id=keys.external_id,
            display_name_key=keys.display_name_key,
            data=_dump(data),
        )
    )


async def delete_resource(
    conn: SQLConnection, tenant_id: str, resource_type: str, resource_id: str
) -> bool:
    """Delete a resource; True when it existed."""
    result = await conn.execute(
        delete(RESOURCE).where(_one(tenant_id, resource_type), RESOURCE.c.id == resource_id)
    )
    return bool(result.rowcount)


async def find_by_index(
    conn: SQLConnection, tenant_id: str, resource_type: str, column: str, value: str
) -> list[StoredResource]:
    """Resources whose indexed ``column`` equals ``value`` (already normalised)."""
    query = (
        select(RESOURCE.c.seq, RESOURCE.c.id, RESOURCE.c.version, RESOURCE.c.data)
        .where(_one(tenant_id, resource_type), RESOURCE.c[column] == value)
        .order_by(RESOURCE.c.seq)
    )
    return [_stored(row) for row in await conn.execute(query)]


async def count_resources(conn: SQLConnection, tenant_id: str, resource_type: str) -> int:
    """How many resources of a type the tenant holds."""
    query = select(func.count()).select_from(RESOURCE).where(_one(tenant_id, resource_type))
    return int((await conn.execute(query)).scalar_one())


async def page_resources(
    conn: SQLConnection, tenant_id: str, resource_type: str, offset: int, limit: int
) -> list[StoredResource]:
    """One page of resources in insertion order."""
    query = (
        select(RESOURCE.c.seq, RESOURCE.c.id, RESOURCE.c.version, RESOURCE.c.data)
        .where(_one(tenant_id, resource_type))
        .order_by(RESOURCE.c.seq)
        .offset(offset)
        .limit(limit)
    )
    return [_stored(row) for row in await conn.execute(query)]


async def iterate_resources(
    conn: SQLConnection, tenant_id: str, resource_type: str
) -> AsyncIterator[list[StoredResource]]:
    """Every resource of a type in insertion order, a chunk at a time (keyset paging)."""
    after = 0
    while True:
        query = (
            select(RESOURCE.c.seq, RESOURCE.c.id, RESOURCE.c.version, RESOURCE.c.data)
            .where(_one(tenant_id, resource_type), RESOURCE.c.seq > after)
            .order_by(RESOURCE.c.seq)
            .limit(SCAN_CHUNK)
        )
        chunk = [_stored(row) for row in await conn.execute(query)]
        if not chunk:
            return
        yield chunk
        after = chunk[-1].seq


async def find_types(
    conn: SQLConnection, tenant_id: str, ids: Iterable[str]
) -> dict[str, tuple[str, str | None]]:
    """For each existing id among ``ids``: its resource type and display name."""
    wanted = list(set(ids))
    found: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(wanted), SCAN_CHUNK):
        query = select(RESOURCE.c.id, RESOURCE.c.resource_type, RESOURCE.c.data).where(
            RESOURCE.c.tenant_id == tenant_id, RESOURCE.c.id.in_(wanted[start : start + SCAN_CHUNK])
        )
        for row in await conn.execute(query):
            found[row.id] = (row.resource_type, json.loads(row.data).get("displayName"))
    return found


def _member_rows(
    conn_tenant: str, group_id: str, members: Sequence[tuple[str, str]], first_seq: int
) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": conn_tenant,
            "group_id": group_id,
            "member_id": value,
            "member_type": kind,
            "seq": first_seq + offset,
        }
        for offset, (value, kind) in enumerate(members)
    ]


async def add_members(
    conn: SQLConnection, tenant_id: str, group_id: str, members: Sequence[tuple[str, str]]
) -> None:
    """Add ``(member id, type)`` pairs that are not members yet, keeping insertion order."""
    if not members:
        return
    top = select(func.coalesce(func.max(MEMBER.c.seq), 0)).where(
        MEMBER.c.tenant_id == tenant_id, MEMBER.c.group_id == group_id
    )
    first = int((await conn.execute(top)).scalar_one()) + 1
    await conn.execute(insert(MEMBER), _member_rows(tenant_id, group_id, members, first))


async def remove_members(
    conn: SQLConnection, tenant_id: str, group_id: str, member_ids: Sequence[str]
) -> None:
    """Remove these members from one group."""
    for start in range(0, len(member_ids), SCAN_CHUNK):
        await conn.execute(
            delete(MEMBER).where(
                MEMBER.c.tenant_id == tenant_id,
                MEMBER.c.group_id == group_id,
                MEMBER.c.member_id.in_(member_ids[start : start + SCAN_CHUNK]),
            )
        )


async def remove_member_everywhere(conn: SQLConnection, tenant_id: str, member_id: str) -> None:
    """Drop a deleted resource from every group it belonged to, and a deleted group's members."""
    await conn.execute(
        delete(MEMBER).where(
            MEMBER.c.tenant_id == tenant_id,
            (MEMBER.c.member_id == member_id) | (MEMBER.c.group_id == member_id),
        )
    )


async def count_members(
    conn: SQLConnection, tenant_id: str, group_id: str, member_type: str | None = None
) -> int:
    """How many members a group has (of one type, if given)."""
    query = (
        select(func.count())
        .select_from(MEMBER)
        .where(MEMBER.c.tenant_id == tenant_id, MEMBER.c.group_id == group_id)
    )
    if member_type:
        query = query.where(func.lower(MEMBER.c.member_type) == member_type.lower())
    return int((await conn.execute(query)).scalar_one())


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
    joined = MEMBER.outerjoin(
        RESOURCE,
        and_(RESOURCE.c.tenant_id == MEMBER.c.tenant_id, RESOURCE.c.id == MEMBER.c.member_id),
    )
    query = (
        select(MEMBER.c.member_id, MEMBER.c.member_type, RESOURCE.c.data)
        .select_from(joined)
        .where(MEMBER.c.tenant_id == tenant_id, MEMBER.c.group_id == group_id)
        .order_by(MEMBER.c.seq)
        .offset(offset)
    )
    if member_type:
        query = query.where(func.lower(MEMBER.c.member_type) == member_type.lower())
    if limit is not None:
        query = query.limit(limit)
    members = []
    for row in await conn.execute(query):
        display = json.loads(row.data).get("displayName") if row.data else None
        members.append(Member(row.member_id, row.member_type, display))
    return members


async def groups_of(
    conn: SQLConnection, tenant_id: str, member_ids: Sequence[str]
) -> dict[str, list[tuple[str, str | None]]]:
    """For each member id: the ``(group id, group displayName)`` pairs it directly belongs to."""
    result: dict[str, list[tuple[str, str | None]]] = {}
    if not member_ids:
        return result
    joined = MEMBER.join(
        RESOURCE,
        and_(RESOURCE.c.tenant_id == MEMBER.c.tenant_id, RESOURCE.c.id == MEMBER.c.group_id),
    )
    query = (
        select(MEMBER.c.member_id, MEMBER.c.group_id, RESOURCE.c.display_name_key, RESOURCE.c.data)
        .select_from(joined)
        .where(MEMBER.c.tenant_id == tenant_id, MEMBER.c.member_id.in_(list(member_ids)))
        .order_by(MEMBER.c.group_id)
    )
    for row in await conn.execute(query):
        display = json.loads(row.data).get("displayName")
        result.setdefault(row.member_id, []).append((row.group_id, display))
    return result
