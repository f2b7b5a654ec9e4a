"""What an incremental cycle takes beyond the directory's change feed.

- Scope changes: the change feed knows nothing of app assignments, so a cycle also takes the
  users and groups the scope change log names since the previous successful cycle started
  (assign, unassign, a role added or removed, a hard-deleted principal's assignments; a
  group's direct user members with it), linked users and groups no longer assigned, and users
  disabled for leaving scope who are entitled again (:func:`scope_candidates`).
- Memberships: a user whose link changed must join or leave the app's groups it is a direct
  member of, unless the group was brought in line whole after the user changed
  (:func:`touched_memberships`, then :func:`export_touched_memberships` a chunk at a time).
  Only a link that appeared, went, or changed target id or enabled state counts
  (:func:`changes_membership`): an update of a user's own attributes leaves its groups as they
  are, so a cycle of renamed users reads no group's member list.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.clock import utcnow
from scimitar.directory.model import ObjectType
from scimitar.directory.nesting import GroupNesting, transitive_users
from scimitar.directory.source import SourceDirectory
from scimitar.engine.core.actions import DisableCause
from scimitar.engine.core.planning import Link, is_silent_out_of_scope
from scimitar.engine.run.memberships import export_member_subsets
from scimitar.engine.run.objects import Outcome
from scimitar.engine.run.runstate import Run
from scimitar.engine.state.linkstore import linked_ids, load_links
from scimitar.store import Database, scopelog
from scimitar.store.queries import is_among
from scimitar.store.tables.directory import MEMBER

__all__ = [
    "changes_membership",
    "export_touched_memberships",
    "scope_candidates",
    "touched_memberships",
]

_LEFT = DisableCause.OUT_OF_SCOPE


async def scope_candidates(
    db: Database, directory: SourceDirectory, run: Run
) -> tuple[list[str], list[str]]:
    """The users and the groups whose scope changed without a directory change.

    Returns:
        The users' and the groups' objectIds (groups only when the app provisions groups).
    """
    app_id, entitled = run.ctx.app_id, run.ctx.user_roles
    is_assigned_only = run.ctx.setting.value == "assigned"
    async with db.read() as conn:
        logged = await scopelog.changed_since(conn, app_id, run.resume.since)
        users = {i for kind, i in logged if kind == scopelog.USER}
        groups = {i for kind, i in logged if kind == scopelog.GROUP}
        if run.ctx.is_flattening:
            nesting = await GroupNesting.load(conn)
            reached = await transitive_users(conn, nesting, sorted(groups))
            users |= set().union(*reached.values()) if reached else set()
        else:
            users |= await _direct_user_members(conn, sorted(groups))
    async with db.fast_read() as sql:
        if is_assigned_only:  # every link: who is linked but no longer assigned
            linked = await linked_ids(sql, app_id, "User")
        else:
            linked = await linked_ids(sql, app_id, "User", cause=_LEFT)
    users |= {u for u, off in linked.items() if off is _LEFT and u in entitled}
    if is_assigned_only and not is_silent_out_of_scope(run.ctx.plan_settings["User"]):
        # Still unassigned after a rejected disable: it comes back. A hard-deleted user's
        # delete comes from the change feed only, so a rejected one stays rejected. When
        # leaving scope sends nothing (SkipOutOfScopeDeletions...), the scope change log's
        # unassign brought it once and its skip is logged: it is not taken again every cycle.
        unassigned = [u for u, off in linked.items() if off is None and u not in entitled]
        users |= await directory.existing(ObjectType.USER, unassigned)
    groups_back = run.ctx.handles("Group") and not is_silent_out_of_scope(
        run.ctx.plan_settings["Group"]
    )
    if is_assigned_only and groups_back:  # likewise a group still linked after a rejected delete
        async with db.fast_read() as sql:
            linked_groups = await linked_ids(sql, app_id, "Group")
        left = [g for g in linked_groups if g not in run.ctx.assigned_groups]
        groups |= await directory.existing(ObjectType.GROUP, left)
    return sorted(users), sorted(groups) if run.ctx.handles("Group") else []


async def _direct_user_members(conn: AsyncConnection, group_ids: list[str]) -> set[str]:
    if not group_ids:
        return set()
    query = select(MEMBER.c.member_id).where(
        is_among(conn, MEMBER.c.group_id, group_ids),
        MEMBER.c.member_type == ObjectType.USER.value,
    )
    return {str(row[0]) for row in await conn.execute(query)}


async def touched_memberships(db: Database, run: Run) -> dict[str, list[str]]:
    """Group → the changed users, direct members of it, whose membership may be stale."""
    if not run.ctx.handles("Group") or not run.touched_users:
        return {}
    async with db.read() as conn:
        query = select(MEMBER.c.group_id, MEMBER.c.member_id).where(
            is_among(conn, MEMBER.c.member_id, sorted(run.touched_users))
        )
        pairs = [(row[0], row[1]) for row in await conn.execute(query)]
        if run.ctx.is_flattening:  # a user in a nested group is a member of its ancestors
            nesting = await GroupNesting.load(conn)
            pairs += [(a, u) for g, u in pairs for a in nesting.ancestors(g) if a != g]
    by_group: dict[str, list[str]] = {}
    for group_id, member_id in pairs:
        if not run.is_member_current(group_id, member_id):
            by_group.setdefault(group_id, []).append(member_id)
    return by_group


async def export_touched_memberships(
    db: Database, run: Run, groups: Mapping[str, list[str]]
) -> list[Outcome]:
    """Bring those users' membership of these (linked, enabled) groups in line."""
    users = {u for members in groups.values() for u in members}
    async with db.fast_read() as conn:
        group_links = await load_links(conn, run.ctx.app_id, "Group", list(groups))
        user_links = await load_links(conn, run.ctx.app_id, "User", users)
    linked = [
        (group_id, link, members)
        for group_id, members in groups.items()
        if (link := group_links.get(group_id)) is not None and link.disabled is None
    ]
    return await export_member_subsets(
        run.ctx, run.port, run.cycle.id, utcnow(), linked, user_links
    )


def changes_membership(outcome: Outcome, links_before: Mapping[str, Link]) -> bool:
    """Whether a user's groups in the app must follow ``outcome``: the user's link appeared,
    went, or changed target id or enabled state (``links_before``: the links it was planned
    from). An update of the user's own attributes changes none of them."""
    if outcome.count == "skip":
        return False
    before = links_before.get(outcome.source_id)
    if before is None or outcome.link_change is None:
        return True
    after = outcome.link_change[2]
    return after is None or (after.target_id, after.disabled) != (before.target_id, before.disabled)
