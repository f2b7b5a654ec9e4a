"""Scimitar's own directory, read from the store: the default :class:`SourceDirectory`.

Reads are keyset-paginated on the tables' integer ``seq`` (``WHERE seq > :after ORDER BY seq
LIMIT :n``), so every page costs the same however deep into the directory it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar import jsontext
from scimitar.directory.changes import current_sequence, parse_watermark, read_changes
from scimitar.directory.errors import AttributeValueError
from scimitar.directory.model import Group, Member, ObjectType, User
from scimitar.directory.source import ChangePage, Page
from scimitar.store import Database
from scimitar.store.fastsql import Row, SQLConnection, in_list
from scimitar.store.tables.directory import GROUP, MEMBER, USER

__all__ = [
    "SQLDirectory",
    "group_from_row",
    "is_object_id",
    "load_attributes",
    "load_members",
    "select_groups_by_key",
    "select_users_by_key",
    "user_from_row",
]

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_LOOKUP_CHUNK = 500
USER_COLUMNS = (USER.c.seq, USER.c.object_id, USER.c.data, USER.c.deleted_at)
GROUP_COLUMNS = (GROUP.c.seq, GROUP.c.object_id, GROUP.c.data, GROUP.c.deleted_at)


def is_object_id(key: str) -> bool:
    """Whether ``key`` has the shape of an objectId (a GUID)."""
    return bool(_GUID.match(key))


def load_attributes(data: str) -> dict[str, Any]:
    """The attribute bag stored as JSON text in ``data`` (orjson reads it: a sync cycle reads
    every user, and the standard library took a third of a full directory read)."""
    attributes: dict[str, Any] = jsontext.loads(data)
    return attributes


def user_from_row(row: Any) -> User:
    """A :class:`User` from a row of :data:`USER_COLUMNS` (seq, object_id, data, deleted_at)."""
    _seq, object_id, data, deleted_at = row[:4]
    return User(object_id, load_attributes(data), deleted_at)


def group_from_row(row: Any, members: Sequence[Member] = ()) -> Group:
    """A :class:`Group` from a row of :data:`GROUP_COLUMNS` and its members."""
    _seq, object_id, data, deleted_at = row[:4]
    return Group(object_id, load_attributes(data), tuple(members), deleted_at)


def select_users_by_key(key: str) -> Select[Any]:
    """Users matching an objectId or (case-insensitively) a userPrincipalName."""
    if is_object_id(key):
        return select(*USER_COLUMNS).where(USER.c.object_id == key.lower())
    return select(*USER_COLUMNS).where(USER.c.upn_key == key.lower())


def select_groups_by_key(key: str) -> Select[Any]:
    """Groups matching an objectId or (case-insensitively) a displayName."""
    if is_object_id(key):
        return select(*GROUP_COLUMNS).where(GROUP.c.object_id == key.lower())
    return select(*GROUP_COLUMNS).where(GROUP.c.name_key == key.lower()).order_by(GROUP.c.seq)


async def load_members(conn: AsyncConnection, group_ids: Iterable[str]) -> dict[str, list[Member]]:
    """Direct members of each group, in a stable order, with one query per 500 groups."""
    members: dict[str, list[Member]] = {}
    ids = list(group_ids)
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        query = (
            select(MEMBER.c.group_id, MEMBER.c.member_id, MEMBER.c.member_type)
            .where(MEMBER.c.group_id.in_(ids[start : start + _LOOKUP_CHUNK]))
            .order_by(MEMBER.c.group_id, MEMBER.c.member_id)
        )
        for row in await conn.execute(query):
            member = Member(row.member_id, ObjectType(row.member_type))
            members.setdefault(row.group_id, []).append(member)
    return members


_READ_USERS = (
    "SELECT seq, object_id, data, deleted_at FROM directory_user WHERE seq > :after "
    "ORDER BY seq LIMIT :limit"
)
_READ_USERS_LIVE = (
    "SELECT seq, object_id, data, deleted_at FROM directory_user WHERE seq > :after "
    "AND deleted_at IS NULL ORDER BY seq LIMIT :limit"
)
_READ_USERS_BY_ID = (
    "SELECT seq, object_id, data, deleted_at FROM directory_user WHERE object_id > :after "
    "ORDER BY object_id LIMIT :limit"
)
_READ_MANAGERS = "SELECT object_id, manager_id FROM directory_user ORDER BY object_id"
_READ_USERS_BY_ID_LIVE = (
    "SELECT seq, object_id, data, deleted_at FROM directory_user WHERE object_id > :after "
    "AND deleted_at IS NULL ORDER BY object_id LIMIT :limit"
)


_READ_GROUPS = (
    "SELECT seq, object_id, data, deleted_at FROM directory_group WHERE seq > :after "
    "ORDER BY seq LIMIT :limit"
)
_READ_GROUPS_LIVE = (
    "SELECT seq, object_id, data, deleted_at FROM directory_group WHERE seq > :after "
    "AND deleted_at IS NULL ORDER BY seq LIMIT :limit"
)
# The IN lists appended to these are placeholders made by in_list(); values are parameters.
_COUNT_MEMBERS = "SELECT group_id, count(*) FROM directory_member WHERE group_id IN "
_READ_MEMBERS = "SELECT group_id, member_id, member_type FROM directory_member WHERE group_id IN "
_MEMBER_TYPES = {kind.value: kind for kind in ObjectType}


async def _within(conn: SQLConnection, rows: Sequence[Row], max_members: int) -> Sequence[Row]:
    """The first of ``rows`` (groups) whose members add up to at most ``max_members``."""
    clause, params = in_list("g", [row[1] for row in rows])
    counted = await conn.fetch_all(
        _COUNT_MEMBERS + clause + " GROUP BY group_id",
        params,
    )
    sizes = {group_id: int(count) for group_id, count in counted}
    total = 0
    for taken, row in enumerate(rows):
        total += sizes.get(row[1], 0)
        if taken and total > max_members:
            return rows[:taken]
    return rows


async def _members_of(conn: SQLConnection, group_ids: Sequence[str]) -> dict[str, list[Member]]:
    """Direct members of each group (as :func:`load_members`), on a plain-SQL connection."""
    members: dict[str, list[Member]] = {}
    kinds = _MEMBER_TYPES
    for start in range(0, len(group_ids), _LOOKUP_CHUNK):
        clause, params = in_list("g", group_ids[start : start + _LOOKUP_CHUNK])
        rows = await conn.fetch_all(
            _READ_MEMBERS + clause + " ORDER BY group_id, member_id",
            params,
        )
        for group_id, member_id, member_type in rows:
            members.setdefault(group_id, []).append(Member(member_id, kinds[member_type]))
    return members


def _moment(value: Any) -> datetime | None:
    """A stored time as ``UTCDateTime`` reads it (SQLite keeps text without the zone)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise TypeError(f"a stored time must be text or a datetime, not {type(value).__name__}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _after_id(cursor: str | None) -> str:
    if cursor is None:
        return ""
    if not is_object_id(cursor):
        raise AttributeValueError(
            "cursor", f"{cursor!r} is not a cursor of this directory in objectId order"
        )
    return cursor


def _after(cursor: str | None) -> int:
    try:
        return parse_watermark(cursor)
    except AttributeValueError as exc:
        raise AttributeValueError(
            "cursor", f"{cursor!r} is not a cursor of this directory"
        ) from exc


class SQLDirectory:
    """The directory kept in Scimitar's store (SQLite or PostgreSQL).

    Implements :class:`scimitar.directory.source.SourceDirectory`.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def current_watermark(self) -> str:
        """The number of the latest committed change, as text."""
        async with self._database.read() as conn:
            return str(await current_sequence(conn))

    async def read_users(
        self,
        cursor: str | None = None,
        limit: int = 1000,
        *,
        include_deleted: bool = True,
        by_id: bool = False,
    ) -> Page[User]:
        """One page of users in ``seq`` order, or objectId order (see :class:`SourceDirectory`)."""
        # A sync cycle reads every user through here: plain SQL on the hot-path connection.
        after: int | str
        if by_id:
            sql = _READ_USERS_BY_ID if include_deleted else _READ_USERS_BY_ID_LIVE
            after = _after_id(cursor)
        else:
            sql = _READ_USERS if include_deleted else _READ_USERS_LIVE
            after = _after(cursor)
        async with self._database.fast_read() as conn:
            rows = await conn.fetch_all(sql, {"after": after, "limit": limit + 1})
        users = tuple(
            User(object_id, load_attributes(data), _moment(deleted_at))
            for _seq, object_id, data, deleted_at in rows[:limit]
        )
        if len(rows) <= limit:
            return Page(users, None)
        return Page(users, users[-1].object_id if by_id else str(rows[limit - 1][0]))

    async def read_managers(self) -> list[tuple[str, str | None]]:
        """Every user's objectId and manager's objectId, in objectId (see SourceDirectory)."""
        async with self._database.fast_read() as conn:
            rows = await conn.fetch_all(_READ_MANAGERS, {})
        return [(str(object_id), manager_id) for object_id, manager_id in rows]

    async def read_groups(
        self,
        cursor: str | None = None,
        limit: int = 1000,
        *,
        include_deleted: bool = True,
        max_members: int | None = None,
    ) -> Page[Group]:
        """One page of groups with their direct members (see :class:`SourceDirectory`).

        With ``max_members``, the page ends before the group that would take its members past
        that many (it always holds at least one group, however large).
        """
        # A sync cycle reads every group and membership through here: plain SQL on the
        # hot-path connection.
        sql = _READ_GROUPS if include_deleted else _READ_GROUPS_LIVE
        async with self._database.fast_read() as conn:
            rows = await conn.fetch_all(sql, {"after": _after(cursor), "limit": limit + 1})
            kept: Sequence[Row] = rows[:limit]
            if max_members is not None and kept:
                kept = await _within(conn, kept, max_members)
            members = await _members_of(conn, [row[1] for row in kept])
        groups = tuple(
            Group(object_id, load_attributes(data), tuple(members.get(object_id, ())), _moment(at))
            for _seq, object_id, data, at in kept
        )
        has_more = len(rows) > len(kept)
        return Page(groups, str(kept[-1][0]) if has_more else None)

    async def read_changes(self, watermark: str | None = None, limit: int = 1000) -> ChangePage:
        """Committed changes after ``watermark`` (see :class:`SourceDirectory`)."""
        async with self._database.read() as conn:
            return await read_changes(conn, parse_watermark(watermark), limit)

    async def get_user(self, object_id: str) -> User | None:
        """The user with this objectId, or ``None``."""
        return (await self.get_users([object_id])).get(object_id)

    async def get_users(self, object_ids: Sequence[str]) -> Mapping[str, User]:
        """The existing users among ``object_ids``, by objectId."""
        found: dict[str, User] = {}
        async with self._database.read() as conn:
            for start in range(0, len(object_ids), _LOOKUP_CHUNK):
                chunk = object_ids[start : start + _LOOKUP_CHUNK]
                query = select(*USER_COLUMNS).where(USER.c.object_id.in_(chunk))
                found.update(
                    (row.object_id, user_from_row(row)) for row in await conn.execute(query)
                )
        return found

    async def existing(self, object_type: ObjectType, object_ids: Sequence[str]) -> set[str]:
        """The objectIds among ``object_ids`` of existing objects of this type."""
        table = USER if object_type is ObjectType.USER else GROUP
        found: set[str] = set()
        async with self._database.read() as conn:
            for start in range(0, len(object_ids), _LOOKUP_CHUNK):
                chunk = object_ids[start : start + _LOOKUP_CHUNK]
                query = select(table.c.object_id).where(table.c.object_id.in_(chunk))
                found.update(str(row[0]) for row in await conn.execute(query))
        return found

    async def get_group(self, object_id: str) -> Group | None:
        """The group with this objectId and its direct members, or ``None``."""
        async with self._database.read() as conn:
            query = select(*GROUP_COLUMNS).where(GROUP.c.object_id == object_id)
            row = (await conn.execute(query)).first()
            if row is None:
                return None
            members = await load_members(conn, [object_id])
        return group_from_row(row, members.get(object_id, ()))

    async def count_objects(self) -> tuple[int, int]:
        """How many users and groups a full read returns (see :class:`SourceDirectory`)."""
        async with self._database.read() as conn:
            users = (await conn.execute(select(func.count()).select_from(USER))).scalar_one()
            groups = (await conn.execute(select(func.count()).select_from(GROUP))).scalar_one()
        return int(users), int(groups)

    async def count(self) -> dict[str, int]:
        """How many users, groups and memberships the directory holds (deleted ones included)."""
        async with self._database.read() as conn:
            counts = {}
            for name, table in (("users", USER), ("groups", GROUP), ("memberships", MEMBER)):
                counts[name] = int(
                    (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                )
        return counts
