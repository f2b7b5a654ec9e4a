"""The groups of a cycle: each page's groups created or updated, then their members (docs/entra.md
§1.7).

An initial cycle reads every group in pages bounded by their members as well as by their
number, so a page of small teams and a page holding one group of 100,000 members cost the
engine about the same memory. Several pages are in flight at once, their member PATCHes side
by side at the app: the one long chain of Bulk requests a huge group needs overlaps with the
pages after it. A page's links commit as soon as its requests are answered, but the cursor a
killed cycle resumes from moves past a page only once it and every page before it are done;
the pages redone after a kill find their groups linked and send only the members still
missing (adding a member twice changes nothing, RFC 7644 §3.5.2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from scimitar.clock import utcnow
from scimitar.directory.model import Group, ObjectType
from scimitar.directory.nesting import flatten_groups
from scimitar.directory.source import ChangeKind, SourceDirectory
from scimitar.engine.core.actions import Create, Match
from scimitar.engine.run.guard import CyclePausedError
from scimitar.engine.run.memberships import export_members
from scimitar.engine.run.objects import Outcome, Prepared, prepare_group
from scimitar.engine.run.runstate import Run
from scimitar.engine.state.linkstore import all_target_ids, load_links, target_ids
from scimitar.store import Database
from scimitar.store.fastsql import SQLConnection

__all__ = ["GroupPhase"]

Export = Callable[[Run, list[Prepared]], Awaitable[list[Outcome]]]
Persist = Callable[[Run, Sequence[Outcome], str], Awaitable[None]]

#: A page in flight: its sending, the cursor after it, how many members it holds.
_Page = tuple[asyncio.Future[None], str | None, int]
#: Memberships a page of groups holds at most, per object of the cycle's page size.
MEMBERS_PER_PAGE_OBJECT = 50
#: Memberships of the pages in flight at most, in pages' worth (a page of one larger group
#: counts as one page's worth).
PAGES_IN_FLIGHT = 4


class GroupPhase:
    """Pages of groups through the engine: plan, export, then bring their members in line.

    Args:
        database: The store.
        directory: The source directory.
        export: Sends a page's prepared objects (the runner's ``_export``).
        persist: Commits a page's outcomes and resume point (the runner's ``_persist``).
        page_size: The cycle's objects per page; a page of groups holds a tenth of it.
    """

    def __init__(
        self,
        database: Database,
        directory: SourceDirectory,
        export: Export,
        persist: Persist,
        page_size: int,
    ) -> None:
        self._db = database
        self._directory = directory
        self._export = export
        self._persist = persist
        # A page of groups holds their members: few groups a page, and a bound on members.
        self._page_size = max(1, page_size // 10)
        self._page_members = max(1, page_size * MEMBERS_PER_PAGE_OBJECT)

    async def all_groups(self, run: Run) -> None:
        """Every group of the directory (an initial cycle), from the resume cursor on."""
        run.progress.phase = "groups"
        cursor = run.resume.cursor
        # The users phase is over: their target ids stay as they are for the whole phase.
        async with self._db.fast_read() as conn:
            users = await all_target_ids(conn, run.ctx.app_id, "User")
        pages: list[_Page] = []
        try:
            while True:
                page = await self._directory.read_groups(
                    cursor, self._page_size, max_members=self._page_members
                )
                groups = {g.object_id: g for g in page.items}
                if run.ctx.is_flattening:
                    async with self._db.read() as conn:
                        groups = await flatten_groups(conn, groups)
                size = sum(len(g.members) for g in groups.values())
                cursor = page.cursor
                pages.append(
                    (asyncio.ensure_future(self.page(run, groups, {}, users)), cursor, size)
                )
                await self._settle(run, pages, is_last=cursor is None)
                if cursor is None:
                    return
        finally:
            for sending, _after, _size in pages:
                sending.cancel()

    async def _settle(self, run: Run, pages: list[_Page], *, is_last: bool) -> None:
        """Move the cursor past the pages done in order; wait while too much is in flight.

        Raises:
            JobError: A page's, once the pages are cancelled (by the caller).
            CyclePausedError: A page's commit paused the cycle; the others were let finish.
        """
        bound = self._page_members * PAGES_IN_FLIGHT
        while True:
            errors = [s.exception() for s, _a, _n in pages if s.done() and not s.cancelled()]
            failures = [e for e in errors if e is not None]
            if failures:
                if all(isinstance(e, CyclePausedError) for e in failures):
                    await self._drain(run, pages)
                raise next(e for e in failures if not isinstance(e, CyclePausedError))
            while pages and pages[0][0].done():
                _sending, after, _size = pages.pop(0)
                run.resume = run.resume.moved(cursor=after)
                try:
                    await self._persist(run, [], "groups")
                except CyclePausedError as exc:
                    await self._drain(run, pages, exc)
            busy = [(sending, size) for sending, _after, size in pages if not sending.done()]
            # A page of one huge group counts as a full page: the pages after it go on while
            # its long chain of requests does (its own memory is what it is either way).
            load = sum(min(size, self._page_members) for _s, size in busy)
            if not busy or (not is_last and load <= bound):
                return
            await asyncio.wait([s for s, _size in busy], return_when=asyncio.FIRST_COMPLETED)

    async def _drain(
        self, run: Run, pages: list[_Page], paused: CyclePausedError | None = None
    ) -> None:
        """On a pause, let the pages in flight finish (saved, without pausing again), then raise.

        The cursor moves past the pages done in order, up to the first that failed.
        """
        run.is_draining = True
        results = await asyncio.gather(*(s for s, _a, _n in pages), return_exceptions=True)
        if paused is None:
            paused = next(r for r in results if isinstance(r, CyclePausedError))
        while pages and pages[0][0].exception() is None:
            _sending, after, _size = pages.pop(0)
            run.resume = run.resume.moved(cursor=after)
            await self._persist(run, [], "groups")
        raise paused

    async def page(
        self,
        run: Run,
        groups: Mapping[str, Group],
        kinds: Mapping[str, ChangeKind],
        user_targets: Mapping[str, str] | None = None,
    ) -> None:
        """Plan and send one page of groups (gone ones in ``kinds``), then their members."""
        ids = [g for g in dict.fromkeys([*groups, *kinds]) if not run.is_held_here("Group", g)]
        async with self._db.fast_read() as conn:
            links = await load_links(conn, run.ctx.app_id, "Group", ids)
            if user_targets is None:
                user_targets = await _member_targets(conn, run, groups.values())
        prepared = [
            prepare_group(
                run.ctx,
                gid,
                groups.get(gid),
                links.get(gid),
                kinds.get(gid),
                f"{run.cycle.id}:{gid}",
            )
            for gid in ids
            if gid in groups or gid in links
        ]
        if run.ctx.options.is_group_created_with_members:
            for item in prepared:
                group = groups.get(item.source_id)
                if group is not None and isinstance(item.action, Match | Create):
                    item.members = _first_members(run, group, user_targets)
        outcomes = await self._export(run, prepared)
        await self._persist(run, outcomes, run.progress.phase)
        run.touch_groups(groups)
        await self._members(run, list(groups.values()), user_targets)

    async def _members(self, run: Run, groups: Sequence[Group], users: Mapping[str, str]) -> None:
        """The groups' members, resolved through ``users`` (source id → target id).

        A group just created with its first members (``Prepared.members``) has them in its
        link already: only the rest are sent.
        """
        if not groups:
            return
        async with self._db.fast_read() as conn:
            links = await load_links(conn, run.ctx.app_id, "Group", [g.object_id for g in groups])
        linked = [
            (g, links[g.object_id])
            for g in groups
            if g.object_id in links and links[g.object_id].disabled is None
        ]
        outcomes = await export_members(run.ctx, run.port, run.cycle.id, utcnow(), linked, users)
        await self._persist(run, outcomes, run.progress.phase)


async def _member_targets(conn: SQLConnection, run: Run, groups: Iterable[Group]) -> dict[str, str]:
    """Target ids of the groups' user members that are linked and in scope."""
    member_ids = {m.object_id for g in groups for m in g.members}
    return await target_ids(conn, run.ctx.app_id, "User", member_ids)


def _first_members(run: Run, group: Group, users: Mapping[str, str]) -> tuple[str, ...]:
    """The member target ids a new group's ``POST`` carries: at most one request's worth.

    Taken in id order, as :func:`~scimitar.engine.run.memberships.export_members` sends adds.
    """
    wanted = {
        users[m.object_id]
        for m in group.members
        if m.object_type is ObjectType.USER and m.object_id in users
    }
    most = run.ctx.options.group_members_max_per_request or len(wanted)
    return tuple(sorted(wanted)[:most])
