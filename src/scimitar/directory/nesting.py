"""Nested groups flattened, for apps set to ``--nested-groups flatten``.

Entra provisions a group's *direct* members only, and only the direct user members of an
assigned group are in scope. With ``flatten`` an app gets, for every group, its transitive user
members: the users of the group and of every group nested in it, at any depth. Directories
can hold cycles (A in B, B in A: LDAP and AD allow them); the walk visits each group once, so a
cycle adds nothing and never loops.

The group-in-group edges are few next to the user memberships, so they are read whole, once
per use; user members are read for the groups a walk reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.model import Group, Member, ObjectType
from scimitar.directory.source import Change, ChangeKind
from scimitar.store import Database
from scimitar.store.queries import is_among
from scimitar.store.tables.directory import MEMBER

__all__ = ["GroupNesting", "flatten_groups", "transitive_users", "widen_for_nesting"]

_MEMBERSHIP = frozenset((ChangeKind.MEMBER_ADDED, ChangeKind.MEMBER_REMOVED))


@dataclass(frozen=True, slots=True)
class GroupNesting:
    """Which groups are direct members of which (``children``), and the reverse."""

    children: Mapping[str, tuple[str, ...]]
    parents: Mapping[str, tuple[str, ...]]

    @classmethod
    def of_edges(cls, edges: Iterable[tuple[str, str]]) -> GroupNesting:
        """From (group, member group) pairs."""
        children: dict[str, list[str]] = {}
        parents: dict[str, list[str]] = {}
        for group, member in edges:
            children.setdefault(group, []).append(member)
            parents.setdefault(member, []).append(group)
        return cls(
            {k: tuple(v) for k, v in children.items()}, {k: tuple(v) for k, v in parents.items()}
        )

    @classmethod
    async def load(cls, conn: AsyncConnection) -> GroupNesting:
        """Every group-in-group membership of the directory."""
        query = select(MEMBER.c.group_id, MEMBER.c.member_id).where(
            MEMBER.c.member_type == ObjectType.GROUP.value
        )
        return cls.of_edges((str(g), str(m)) for g, m in await conn.execute(query))

    def descendants(self, group_id: str) -> set[str]:
        """The group and every group nested in it, at any depth (cycles visited once)."""
        return _walk(group_id, self.children)

    def ancestors(self, group_id: str) -> set[str]:
        """Every group the group is nested in, at any depth, without the group itself
        (unless a cycle leads back to it)."""
        found = _walk(group_id, self.parents)
        if group_id not in _reachable_again(group_id, self.parents):
            found.discard(group_id)
        return found


def _walk(start: str, edges: Mapping[str, tuple[str, ...]]) -> set[str]:
    seen = {start}
    pending = [start]
    while pending:
        for following in edges.get(pending.pop(), ()):
            if following not in seen:
                seen.add(following)
                pending.append(following)
    return seen


def _reachable_again(start: str, edges: Mapping[str, tuple[str, ...]]) -> set[str]:
    seen: set[str] = set()
    pending = list(edges.get(start, ()))
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(edges.get(current, ()))
    return seen


async def transitive_users(
    conn: AsyncConnection, nesting: GroupNesting, group_ids: Iterable[str]
) -> dict[str, set[str]]:
    """Each group's transitive user members."""
    reach = {g: nesting.descendants(g) for g in group_ids}
    wanted = sorted(set().union(*reach.values())) if reach else []
    direct: dict[str, set[str]] = {}
    if wanted:
        query = select(MEMBER.c.group_id, MEMBER.c.member_id).where(
            is_among(conn, MEMBER.c.group_id, wanted),
            MEMBER.c.member_type == ObjectType.USER.value,
        )
        for group_id, member_id in await conn.execute(query):
            direct.setdefault(str(group_id), set()).add(str(member_id))
    return {g: set().union(*(direct.get(d, set()) for d in groups)) for g, groups in reach.items()}


async def flatten_groups(conn: AsyncConnection, groups: Mapping[str, Group]) -> dict[str, Group]:
    """The groups with their transitive user members in place of their direct members."""
    if not groups:
        return {}
    nesting = await GroupNesting.load(conn)
    users = await transitive_users(conn, nesting, groups)
    return {
        group_id: Group(
            group.object_id,
            group.attributes,
            tuple(Member(u, ObjectType.USER) for u in sorted(users[group_id])),
            group.deleted_at,
        )
        for group_id, group in groups.items()
    }


async def widen_for_nesting(
    db: Database,
    changes: Sequence[Change],
    users: dict[str, ChangeKind],
    groups: dict[str, ChangeKind],
) -> None:
    """Add what a membership change deep in the tree touches, for a flattening app.

    A member added to or removed from a group changes the flattened members of every group it
    is nested in (they are read again whole), and a group added or removed as a member changes
    the scope of every user in it (they are evaluated again).
    """
    touched = [c for c in changes if c.kind in _MEMBERSHIP and c.object_type is ObjectType.GROUP]
    if not touched:
        return
    async with db.read() as conn:
        nesting = await GroupNesting.load(conn)
        member_groups = [c.member_id for c in touched if c.member_type is ObjectType.GROUP]
        reached = await transitive_users(conn, nesting, [m for m in member_groups if m])
    for change in touched:
        for ancestor in sorted(nesting.ancestors(change.object_id)):
            groups.setdefault(ancestor, ChangeKind.UPDATED)
    for user_ids in reached.values():
        for user_id in sorted(user_ids):
            users.setdefault(user_id, ChangeKind.UPDATED)
