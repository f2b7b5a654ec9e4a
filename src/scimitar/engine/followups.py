"""What an incremental cycle takes beyond the directory's change feed.

- Assignments: the change feed knows nothing of app assignments, so a cycle also takes the users
  under an assignment made since the previous cycle started, linked users no longer entitled,
  and users disabled for leaving scope who are entitled again (:func:`assignment_candidates`).
- Memberships: a user whose link changed must join or leave the app's groups it is a direct
  member of, unless the group was brought in line whole after the user changed
  (:func:`touched_memberships`, then :func:`export_touched_memberships` a chunk at a time).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from scimitar.engine.actions import DisableCause
from scimitar.engine.linkstore import linked_ids, load_links
from scimitar.engine.memberships import export_member_subsets
from scimitar.engine.objects import Outcome
from scimitar.engine.runstate import Run, recently_assigned
from scimitar.store import Database
from scimitar.store.queries import is_among
from scimitar.store.tables.base import utcnow
from scimitar.store.tables.directory import MEMBER

__all__ = ["assignment_candidates", "export_touched_memberships", "touched_memberships"]

_LEFT = DisableCause.OUT_OF_SCOPE


async def assignment_candidates(db: Database, run: Run) -> list[str]:
    """The users whose entitlement changed without a directory change (assign, unassign)."""
    app_id, entitled = run.ctx.app_id, run.ctx.user_roles
    is_assigned_only = run.ctx.setting.value == "assigned"
    async with db.read() as conn:
        recent = await recently_assigned(conn, app_id, run.resume.get("since"))
    async with db.fast_read() as sql:
        if is_assigned_only:  # every link: who is linked but no longer entitled
            linked = await linked_ids(sql, app_id, "User")
        else:  # only what the rules below read, not every link
            linked = await linked_ids(sql, app_id, "User", cause=_LEFT)
            linked |= await linked_ids(sql, app_id, "User", among=sorted(recent))
    candidates = {u for u in recent if u in entitled and u not in linked}
    if is_assigned_only:
        candidates |= {u for u, off in linked.items() if off is None and u not in entitled}
    candidates |= {u for u, off in linked.items() if off is _LEFT and u in entitled}
    return sorted(candidates)


async def touched_memberships(db: Database, run: Run) -> dict[str, list[str]]:
    """Group → the changed users, direct members of it, whose membership may be stale."""
    if not run.ctx.handles("Group") or not run.touched_users:
        return {}
    async with db.read() as conn:
        query = select(MEMBER.c.group_id, MEMBER.c.member_id).where(
            is_among(conn, MEMBER.c.member_id, sorted(run.touched_users))
        )
        pairs = [(row[0], row[1]) for row in await conn.execute(query)]
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
