"""Group memberships: resolving member names, adding and removing them, recording each change.

Members are direct: a nested group is stored as one member and never expanded (docs/entra.md §2.1:
"Nested groups are not expanded").
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.changes import PendingChange
from scimitar.directory.model import Member, ObjectType
from scimitar.directory.rows import fetch_group, fetch_user
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import is_object_id
from scimitar.errors import ConfigError, NotFoundError
from scimitar.store.tables.directory import GROUP, MEMBER, USER

__all__ = ["MembershipWriter", "membership_change"]


def membership_change(kind: ChangeKind, group_id: str, member: Member) -> PendingChange:
    """The feed entry for a member added to or removed from a group."""
    return PendingChange(
        kind, ObjectType.GROUP, group_id, member_id=member.object_id, member_type=member.object_type
    )


class MembershipWriter:
    """Membership changes inside one write transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def resolve(self, key: str) -> Member:
        """A member named by objectId (user or group), userPrincipalName or group displayName.

        Raises:
            NotFoundError: Nothing in the directory has that name.
        """
        if is_object_id(key):
            for table, object_type in ((USER, ObjectType.USER), (GROUP, ObjectType.GROUP)):
                query = select(table.c.object_id).where(table.c.object_id == key.lower())
                if (await self._conn.execute(query)).first() is not None:
                    return Member(key.lower(), object_type)
            raise NotFoundError(f"no user or group {key!r} in the directory")
        if "@" in key:
            return Member((await fetch_user(self._conn, key)).object_id, ObjectType.USER)
        return Member((await fetch_group(self._conn, key)).object_id, ObjectType.GROUP)

    async def _current(self, group_id: str, members: Sequence[Member]) -> set[str]:
        ids = [member.object_id for member in members]
        query = select(MEMBER.c.member_id).where(
            MEMBER.c.group_id == group_id, MEMBER.c.member_id.in_(ids)
        )
        return set((await self._conn.execute(query)).scalars())

    async def add(
        self, group_id: str, members: Sequence[Member], pending: list[PendingChange]
    ) -> int:
        """Add the members not in the group yet; returns how many were added."""
        if any(member.object_id == group_id for member in members):
            raise ConfigError("a group cannot be a member of itself")
        present = await self._current(group_id, members)
        new = list({m.object_id: m for m in members if m.object_id not in present}.values())
        if new:
            rows = [
                {"group_id": group_id, "member_id": m.object_id, "member_type": m.object_type.value}
                for m in new
            ]
            await self._conn.execute(insert(MEMBER), rows)
        pending.extend(membership_change(ChangeKind.MEMBER_ADDED, group_id, m) for m in new)
        return len(new)

    async def remove(
        self, group_id: str, members: Sequence[Member], pending: list[PendingChange]
    ) -> int:
        """Remove the members that are in the group; returns how many were removed."""
        present = await self._current(group_id, members)
        gone = list({m.object_id: m for m in members if m.object_id in present}.values())
        if gone:
            await self._conn.execute(
                delete(MEMBER).where(
                    MEMBER.c.group_id == group_id,
                    MEMBER.c.member_id.in_([m.object_id for m in gone]),
                )
            )
        pending.extend(membership_change(ChangeKind.MEMBER_REMOVED, group_id, m) for m in gone)
        return len(gone)

    async def remove_everywhere(
        self, member_id: str, member_type: ObjectType, pending: list[PendingChange]
    ) -> None:
        """Take an object out of every group it is a direct member of (before it is purged)."""
        query = select(MEMBER.c.group_id).where(MEMBER.c.member_id == member_id)
        groups = sorted((await self._conn.execute(query)).scalars())
        await self._conn.execute(delete(MEMBER).where(MEMBER.c.member_id == member_id))
        member = Member(member_id, member_type)
        pending.extend(membership_change(ChangeKind.MEMBER_REMOVED, g, member) for g in groups)
