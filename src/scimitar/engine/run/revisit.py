"""Objects a cycle takes up although the directory feed did not bring them: escrows, held
deletions, scope changes, linked objects an initial cycle finds gone.

Incremental cycles retry the escrows that are due and take up the scope changes
(``engine.followups.scope_candidates``); a cycle run with deletions allowed
(``scimitar app deletes APP allow``, Graph ``ForceDeletes``) re-plans the held ones first; an
initial cycle ends by deleting the linked objects the directory no longer holds
(:func:`sweep_gone`). All read the objects from the directory as they are now and send them
through the ordinary pages, so what goes out is what the directory says today.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from scimitar.directory.model import Group, ObjectType, User
from scimitar.directory.nesting import flatten_groups
from scimitar.directory.source import ChangeKind, SourceDirectory
from scimitar.engine.run.runstate import Run, chunks
from scimitar.engine.state import escrows, staged
from scimitar.engine.state.linkstore import linked_ids, load_links
from scimitar.store import Database

__all__ = [
    "GroupsPage",
    "Revisit",
    "UsersPage",
    "release_staged",
    "retry_escrows",
    "sweep_gone",
]

UsersPage = Callable[[Run, Mapping[str, User], Mapping[str, ChangeKind | None]], Awaitable[None]]
GroupsPage = Callable[[Run, Mapping[str, Group], Mapping[str, ChangeKind]], Awaitable[None]]
Key = tuple[str, str]


class Revisit:
    """Sends chosen objects through a runner's pages.

    Args:
        database: The store.
        directory: The source directory.
        page_size: Objects per page.
        users_page: The runner's user page.
        groups_page: The runner's group page.
    """

    def __init__(
        self,
        database: Database,
        directory: SourceDirectory,
        page_size: int,
        users_page: UsersPage,
        groups_page: GroupsPage,
    ) -> None:
        self._db = database
        self._directory = directory
        self._page_size = page_size
        self._users_page = users_page
        self._groups_page = groups_page

    async def objects(
        self, run: Run, keys: Sequence[Key], kinds: Mapping[Key, ChangeKind | None]
    ) -> list[Key]:
        """Process these objects; returns those with nothing to process (gone and unlinked)."""
        idle: list[Key] = []
        users = [s for t, s in keys if t == "User"]
        for chunk in chunks(users, self._page_size):
            found = await self._directory.get_users(list(chunk))
            wanted = {u: kinds.get(("User", u)) for u in chunk}
            await self._users_page(run, dict(found), wanted)
            idle += await self._gone(run, "User", [u for u in chunk if u not in found])
        groups = [s for t, s in keys if t == "Group"]
        if not run.ctx.handles("Group"):
            return idle
        for chunk in chunks(groups, self._page_size):
            found_groups = {g: await self._directory.get_group(g) for g in chunk}
            present = {g: v for g, v in found_groups.items() if v is not None}
            if run.ctx.is_flattening:
                async with self._db.read() as conn:
                    present = await flatten_groups(conn, present)
            gone = {g: ChangeKind.HARD_DELETED for g in chunk if g not in present}
            await self._groups_page(run, present, gone)
            idle += await self._gone(run, "Group", list(gone))
        return idle

    async def _gone(self, run: Run, object_type: str, ids: list[str]) -> list[Key]:
        if not ids:
            return []
        async with self._db.read() as conn:
            links = await load_links(conn, run.ctx.app_id, object_type, ids)
        return [(object_type, i) for i in ids if i not in links]


async def retry_escrows(run: Run, revisit: Revisit, database: Database, now: datetime) -> None:
    """Retry the app's escrows that are due at ``now`` and were not tried in this cycle."""
    async with database.read() as conn:
        keys = await escrows.due(conn, run.ctx.app_id, run.cycle.id, now)
    if not keys:
        return
    idle = await revisit.objects(run, keys, {})
    if idle:
        async with database.write() as conn:
            await escrows.drop(conn, run.ctx.app_id, idle)


async def release_staged(run: Run, revisit: Revisit, database: Database) -> None:
    """Re-plan and send the held deletions, with deletions allowed (``ForceDeletes``)."""
    async with database.read() as conn:
        rows = await staged.list_staged(conn, run.ctx.app_id)
    if not rows:
        return
    keys = [(r.object_type, r.source_id) for r in rows]
    kinds = {(r.object_type, r.source_id): r.change_kind for r in rows}
    await revisit.objects(run, keys, kinds)
    async with database.write() as conn:
        await staged.clear(conn, run.ctx.app_id)


async def sweep_gone(
    run: Run, revisit: Revisit, database: Database, directory: SourceDirectory, page_size: int
) -> None:
    """Delete the linked objects the directory no longer holds (an initial cycle's last step).

    An initial cycle reads every object the directory holds, and starts its watermark at the
    feed's end: a hard delete made since the previous cycle would otherwise never reach the app
    once a scope switch or a mapping edit made the next cycle an initial one.
    """
    types = [("User", ObjectType.USER)]
    if run.ctx.handles("Group"):
        types.append(("Group", ObjectType.GROUP))
    for object_type, kind in types:
        async with database.fast_read() as conn:
            linked = sorted(await linked_ids(conn, run.ctx.app_id, object_type))
        for chunk in chunks(linked, page_size):
            present = await directory.existing(kind, chunk)
            gone = [(object_type, i) for i in chunk if i not in present]
            if gone:
                await revisit.objects(run, gone, dict.fromkeys(gone, ChangeKind.HARD_DELETED))
