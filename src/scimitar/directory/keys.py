"""Resolving the names rows use for other objects (objectId, userPrincipalName, group name).

A bulk write resolves thousands of references; :class:`KeyIndex` answers from the rows of the
same batch first and asks the store only for the rest, thousands of keys per query.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.model import Member, ObjectType
from scimitar.directory.store import is_object_id
from scimitar.store.tables.directory import GROUP, USER

__all__ = ["AMBIGUOUS", "KeyIndex"]

AMBIGUOUS = "ambiguous"
_CHUNK = 5000


class KeyIndex:
    """objectIds by key, for users and groups, from a batch and from the store."""

    def __init__(self) -> None:
        self.user_ids: set[str] = set()
        self.users_by_upn: dict[str, str] = {}
        self.group_ids: set[str] = set()
        self.groups_by_name: dict[str, set[str]] = {}

    def add_user(self, object_id: str, upn: str) -> None:
        """Know a user of the batch (or of the store)."""
        self.user_ids.add(object_id)
        self.users_by_upn[upn.lower()] = object_id

    def add_group(self, object_id: str, name: str) -> None:
        """Know a group of the batch (or of the store)."""
        self.group_ids.add(object_id)
        self.groups_by_name.setdefault(name.lower(), set()).add(object_id)

    async def load(self, conn: AsyncConnection, keys: Iterable[str]) -> None:
        """Look up in the store every key the index cannot answer yet."""
        ids, upns, names = set(), set(), set()
        for key in keys:
            lowered = key.lower()
            if is_object_id(key):
                if lowered not in self.user_ids and lowered not in self.group_ids:
                    ids.add(lowered)
            elif "@" in key:
                if lowered not in self.users_by_upn:
                    upns.add(lowered)
            elif lowered not in self.groups_by_name:
                names.add(lowered)
        await self._fetch(conn, USER.c.object_id, ids, is_user=True)
        await self._fetch(conn, GROUP.c.object_id, ids, is_user=False)
        await self._fetch(conn, USER.c.upn_key, upns, is_user=True)
        await self._fetch(conn, GROUP.c.name_key, names, is_user=False)

    async def _fetch(
        self, conn: AsyncConnection, column: Column[str], keys: set[str], *, is_user: bool
    ) -> None:
        table = USER if is_user else GROUP
        name = table.c.upn_key if is_user else table.c.name_key
        ordered = sorted(keys)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            query = select(table.c.object_id, name).where(column.in_(chunk))
            for object_id, key in (await conn.execute(query)).all():
                if is_user:
                    self.add_user(object_id, key)
                else:
                    self.add_group(object_id, key)

    def user(self, key: str) -> str | None:
        """The objectId of the user named by objectId or userPrincipalName."""
        lowered = key.lower()
        if is_object_id(key):
            return lowered if lowered in self.user_ids else None
        return self.users_by_upn.get(lowered)

    def group(self, key: str) -> str | None:
        """The objectId of the group named by objectId or displayName; :data:`AMBIGUOUS` when
        several groups carry the name."""
        lowered = key.lower()
        if is_object_id(key):
            return lowered if lowered in self.group_ids else None
        found = self.groups_by_name.get(lowered, set())
        if len(found) > 1:
            return AMBIGUOUS
        return next(iter(found), None)

    def member(self, key: str) -> Member | str | None:
        """The member a key names: a user (objectId, userPrincipalName) or a group (objectId,
        displayName); :data:`AMBIGUOUS` or ``None`` when it names none or several."""
        user = self.user(key) if is_object_id(key) or "@" in key else None
        if user is not None:
            return Member(user, ObjectType.USER)
        group = self.group(key) if is_object_id(key) or "@" not in key else None
        if group is None or group == AMBIGUOUS:
            return group
        return Member(group, ObjectType.GROUP)
