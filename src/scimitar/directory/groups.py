"""Changing groups one at a time: create, set, delete (soft or hard), restore, members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.errors import AttributeValueError
from scimitar.directory.lifecycle import Lifecycle
from scimitar.directory.members import MembershipWriter
from scimitar.directory.model import Group, ObjectType, coerce_attributes, group_defaults
from scimitar.directory.rows import (
    check_id_free,
    fetch_group,
    group_row_values,
    merge_attributes,
    new_object_id,
    set_deleted,
)
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import load_members
from scimitar.errors import ConfigError
from scimitar.sources.ownership import check_editable
from scimitar.store import Database, scopelog
from scimitar.store.tables.directory import GROUP, MEMBER

__all__ = ["GroupService", "hard_delete_group"]


def _change(kind: ChangeKind, object_id: str, attributes: tuple[str, ...] = ()) -> PendingChange:
    return PendingChange(kind, ObjectType.GROUP, object_id, attributes)


async def hard_delete_group(
    conn: AsyncConnection, object_id: str, pending: list[PendingChange], now: datetime
) -> None:
    """Remove a group for good: it leaves its parent groups, and its own members go with it.

    Its app assignments go too; each app logs the group and its direct user members, so the
    next cycle takes away what the assignment gave them (``scimitar.store.scopelog``).
    """
    await MembershipWriter(conn).remove_everywhere(object_id, ObjectType.GROUP, pending)
    users = select(MEMBER.c.member_id).where(
        MEMBER.c.group_id == object_id, MEMBER.c.member_type == ObjectType.USER.value
    )
    members = [str(row[0]) for row in await conn.execute(users)]
    await scopelog.drop_assignments(conn, ObjectType.GROUP.value, object_id, members, now)
    await conn.execute(delete(MEMBER).where(MEMBER.c.group_id == object_id))
    await conn.execute(delete(GROUP).where(GROUP.c.object_id == object_id))
    pending.append(_change(ChangeKind.HARD_DELETED, object_id))


class GroupService:
    """Writes to groups and their memberships, each in one transaction with its changes."""

    def __init__(self, database: Database, lifecycle: Lifecycle) -> None:
        self._database = database
        self._lifecycle = lifecycle

    async def get(self, key: str) -> Group:
        """The group with this objectId or displayName, with its direct members.

        Raises:
            NotFoundError: No such group.
            ConfigError: Several groups carry that displayName.
        """
        async with self._database.read() as conn:
            group = await fetch_group(conn, key)
            members = (await load_members(conn, [group.object_id])).get(group.object_id, [])
        return Group(group.object_id, group.attributes, tuple(members), group.deleted_at)

    async def create(self, values: Mapping[str, Any], *, object_id: str | None = None) -> Group:
        """Create a group; ``displayName`` is required (and need not be unique).

        Raises:
            AttributeValueError: An attribute is unknown or its value invalid.
            DuplicateObjectError: The objectId is taken.
        """
        attributes = group_defaults(coerce_attributes(ObjectType.GROUP, values))
        if "displayName" not in attributes:
            raise AttributeValueError("displayName", "a value is required")
        new_id, now = new_object_id(object_id), self._lifecycle.now()
        group = Group(new_id, attributes)
        async with self._database.write() as conn:
            await check_id_free(conn, new_id)
            await conn.execute(insert(GROUP).values(group_row_values(group, now)))
            await record_changes(conn, [_change(ChangeKind.CREATED, new_id)], now)
        return group

    async def update(
        self, key: str, values: Mapping[str, Any], *, override_source: bool = False
    ) -> Group:
        """Set attributes of a live group (``None`` clears one); records the ones that changed."""
        requested = coerce_attributes(ObjectType.GROUP, values)
        now = self._lifecycle.now()
        async with self._database.write() as conn:
            group = await fetch_group(conn, key, lock=True)
            await check_editable(conn, f"group {key!r}", group.object_id, override=override_source)
            if group.is_deleted:
                raise ConfigError(f"group {key!r} is deleted; restore it before changing it")
            merged, changed = merge_attributes(group.attributes, requested)
            group = Group(group.object_id, merged)
            if changed:
                where = GROUP.c.object_id == group.object_id
                await conn.execute(update(GROUP).where(where).values(group_row_values(group, now)))
                change = _change(ChangeKind.UPDATED, group.object_id, tuple(changed))
                await record_changes(conn, [change], now)
        return await self.get(group.object_id)

    async def delete(self, key: str, *, hard: bool = False, override_source: bool = False) -> None:
        """Soft-delete a group (restorable within the window), or hard-delete it at once."""
        now = self._lifecycle.now()
        async with self._database.write() as conn:
            group = await fetch_group(conn, key, lock=True)
            await check_editable(conn, f"group {key!r}", group.object_id, override=override_source)
            pending: list[PendingChange] = []
            if hard:
                await hard_delete_group(conn, group.object_id, pending, now)
            elif group.is_deleted:
                raise ConfigError(f"group {key!r} is already deleted; use --hard to purge it")
            else:
                await set_deleted(conn, GROUP, group.object_id, now, now)
                pending.append(_change(ChangeKind.SOFT_DELETED, group.object_id))
            await record_changes(conn, pending, now)

    async def restore(self, key: str, *, override_source: bool = False) -> Group:
        """Bring a soft-deleted group back with its members."""
        now = self._lifecycle.now()
        async with self._database.write() as conn:
            group = await fetch_group(conn, key, lock=True)
            await check_editable(conn, f"group {key!r}", group.object_id, override=override_source)
            self._lifecycle.check_restorable(group.deleted_at, f"group {key!r}", now)
            await set_deleted(conn, GROUP, group.object_id, None, now)
            await record_changes(conn, [_change(ChangeKind.RESTORED, group.object_id)], now)
        return await self.get(group.object_id)

    async def add_members(
        self, key: str, member_keys: Sequence[str], *, override_source: bool = False
    ) -> tuple[Group, int]:
        """Add users or groups (by objectId, userPrincipalName or displayName) to a live group.

        Returns:
            The group with its members, and how many members were new.
        """
        return await self._change_members(
            key, member_keys, is_adding=True, override_source=override_source
        )

    async def remove_members(
        self, key: str, member_keys: Sequence[str], *, override_source: bool = False
    ) -> tuple[Group, int]:
        """Remove members from a group; names that are not members are ignored.

        Returns:
            The group with its members, and how many members were removed.
        """
        return await self._change_members(
            key, member_keys, is_adding=False, override_source=override_source
        )

    async def _change_members(
        self, key: str, member_keys: Sequence[str], *, is_adding: bool, override_source: bool
    ) -> tuple[Group, int]:
        now = self._lifecycle.now()
        async with self._database.write() as conn:
            group = await fetch_group(conn, key, lock=True)
            await check_editable(conn, f"group {key!r}", group.object_id, override=override_source)
            if group.is_deleted:
                raise ConfigError(f"group {key!r} is deleted; restore it before changing it")
            writer = MembershipWriter(conn)
            members = [await writer.resolve(member_key) for member_key in member_keys]
            pending: list[PendingChange] = []
            if is_adding:
                count = await writer.add(group.object_id, members, pending)
            else:
                count = await writer.remove(group.object_id, members, pending)
            await record_changes(conn, pending, now)
        return await self.get(group.object_id), count
