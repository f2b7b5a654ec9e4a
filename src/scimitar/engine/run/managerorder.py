"""Managers before their reports: an initial cycle's creates carry the manager.

Entra creates every user, then sets each manager in a PATCH of its own: a second
request for nearly every user. Where the app takes one request per object (no Bulk) and the
user mapping maps the manager, an initial cycle instead reads its users by *level*: the users
without a manager first, then their reports, then theirs (objectId order within a level, ids
from one read of the directory, :meth:`SourceDirectory.read_managers`). A user whose manager
is already created (an earlier page, saved; or a page still in flight, whose create it waits
for) is created with ``manager`` in its POST, and its link records it, so the reference phase
sends nothing for it. Only what cannot be known in time still costs a PATCH: a manager in a
cycle of the graph, a manager the app failed or that is out of scope, a manager adopted or
created in a later page than its report.

The resume point is the last saved user's ``level:objectId``: a cycle killed at any page goes
on after it. The order is computed again on resume; a user whose level changed meanwhile (a
directory change after the cycle's watermark) is brought in line by the next incremental
cycle, as every change after the watermark is.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)

from scimitar.clock import utcnow
from scimitar.directory.model import User
from scimitar.directory.source import SourceDirectory
from scimitar.engine.core.actions import Create, Match
from scimitar.engine.core.resume import ResumeState, UserOrder
from scimitar.engine.run.context import CycleContext
from scimitar.engine.run.memberships import manager_path
from scimitar.engine.run.objects import execute
from scimitar.engine.run.runstate import Run, first
from scimitar.engine.state.linkstore import target_ids
from scimitar.engine.state.work import Outcome, Prepared
from scimitar.scim.dialects import is_manager_path
from scimitar.store import Database

__all__ = [
    "MANAGER_ORDER",
    "ManagersAhead",
    "carried_manager",
    "export_with_managers",
    "manager_ordered",
    "managers_ahead",
    "orders_by_manager",
    "pages_after",
    "user_pages",
]

#: The ``order`` of a resume point that reads users by manager level.
MANAGER_ORDER = UserOrder.MANAGERS.value

Lookup = Callable[[Sequence[str]], Awaitable[Mapping[str, str]]]
Send = Callable[[Prepared], Awaitable[Outcome]]


def _levels(managers: Mapping[str, str | None]) -> dict[str, int]:
    """Each user's depth below a user without a manager; a cycle of the graph starts at 0."""
    levels: dict[str, int] = {}
    for start in managers:
        chain: list[str] = []
        on_chain: set[str] = set()
        user: str | None = start
        while user is not None and user not in levels and user not in on_chain:
            chain.append(user)
            on_chain.add(user)
            manager = managers.get(user)
            user = manager if manager in managers else None
        level = levels[user] + 1 if user is not None and user in levels else 0
        for member in reversed(chain):
            levels[member] = level
            level += 1
    return levels


def manager_ordered(pairs: Iterable[tuple[str, str | None]]) -> list[tuple[int, str]]:
    """``(level, objectId)`` of every user, managers' levels first, objectId within a level."""
    managers = dict(pairs)
    levels = _levels(managers)
    return sorted((level, user) for user, level in levels.items())


def _cursor(entry: tuple[int, str]) -> str:
    return f"{entry[0]}:{entry[1]}"


def _after(cursor: str | None) -> tuple[int, str]:
    if not cursor:
        return (-1, "")
    level, _, user = cursor.partition(":")
    return (int(level), user)


def pages_after(
    ordered: Sequence[tuple[int, str]], cursor: str | None, size: int
) -> Iterator[tuple[list[str], str | None]]:
    """The objectIds after ``cursor`` in pages of ``size``, each with the cursor after it."""
    after = _after(cursor)
    start = next((i for i, entry in enumerate(ordered) if entry > after), len(ordered))
    for at in range(start, len(ordered), size):
        chunk = ordered[at : at + size]
        is_last = at + size >= len(ordered)
        yield [user for _level, user in chunk], None if is_last else _cursor(chunk[-1])


class ManagersAhead:
    """The manager target ids of creates, known before each create is sent.

    Each page's users are registered when the page is read (:meth:`register`), in the
    cycle's order, before any of its requests: a user waits only for a manager registered
    before it, so no cycle of the graph can make two creates wait for each other.

    Args:
        lookup: Target ids of linked users (saved links), by source id.
    """

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        #: Users of pages read and not yet saved → their target id once exported, and their
        #: place in the cycle's order.
        self._pending: dict[str, tuple[int, asyncio.Future[str | None]]] = {}
        self._registered = 0
        self._pages: deque[list[str]] = deque()

    def register(self, source_ids: Iterable[str]) -> None:
        """A page was read: its users' target ids will be known once it is sent."""
        loop = asyncio.get_running_loop()
        page = list(source_ids)
        for source_id in page:
            self._pending[source_id] = (self._registered, loop.create_future())
            self._registered += 1
        self._pages.append(page)

    async def export(
        self, prepared: Sequence[Prepared], managers: Mapping[str, str | None], send: Send
    ) -> list[Outcome]:
        """Send a registered page, each create after its manager's (when in flight) and
        carrying it.

        Args:
            prepared: The page, in order.
            managers: Each user's manager source id (from its mapping result).
            send: Sends one object.
        """
        waits: dict[int, asyncio.Future[str | None]] = {}
        unknown: set[str] = set()
        for item in prepared:
            manager = managers.get(item.source_id)
            if manager is None or not isinstance(item.action, Match | Create):
                continue
            mine, theirs = self._pending.get(item.source_id), self._pending.get(manager)
            if mine is not None and theirs is not None and theirs[0] < mine[0]:
                waits[id(item)] = theirs[1]  # earlier in this cycle's order, not yet saved
            elif theirs is None:
                unknown.add(manager)
        linked = await self._lookup(sorted(unknown)) if unknown else {}

        async def one(item: Prepared) -> Outcome:
            target: str | None = None
            try:
                waited = waits.get(id(item))
                manager = managers.get(item.source_id) or ""
                item.manager_target = await waited if waited is not None else linked.get(manager)
                outcome = await send(item)
                target = _target_of(outcome)
                return outcome
            finally:
                self._resolve(item.source_id, target)

        try:
            return list(await asyncio.gather(*(one(item) for item in prepared)))
        finally:
            for item in prepared:  # any not sent (a cancelled page) frees its waiters
                self._resolve(item.source_id, None)

    def _resolve(self, source_id: str, target: str | None) -> None:
        entry = self._pending.get(source_id)
        if entry is not None and not entry[1].done():
            entry[1].set_result(target)

    def saved_page(self) -> None:
        """The oldest registered page is saved: its users' target ids are in the links now."""
        for source_id in self._pages.popleft():
            self._resolve(source_id, None)
            self._pending.pop(source_id, None)


def carried_manager(outcome: Outcome) -> bool:
    """Whether ``outcome`` is a create that carried its manager (its link records it)."""
    if outcome.count != "create" or outcome.link_change is None:
        return False
    link = outcome.link_change[2]
    return link is not None and link.last_exported.get("manager") is not None


def _target_of(outcome: Outcome) -> str | None:
    if outcome.count == "failure" or outcome.link_change is None:
        return None
    link = outcome.link_change[2]
    return link.target_id if link is not None and link.disabled is None else None


def orders_by_manager(ctx: CycleContext) -> bool:
    """Whether a new initial cycle reads users managers first, so creates carry the manager.

    Only without Bulk (a Bulk request's creates go at once) and for the enterprise
    ``manager``, which a create carries as RFC 7643 §4.3 defines it.
    """
    path = manager_path(ctx)
    return path is not None and is_manager_path(path) and not ctx.options.use_bulk


async def user_pages(
    directory: SourceDirectory, resume: ResumeState, page_size: int
) -> AsyncIterator[tuple[dict[str, User], str | None]]:
    """An initial cycle's pages of users in its resume point's order, each with the cursor
    after it: manager levels (:data:`MANAGER_ORDER`), objectId (``id``), or, for a cycle an
    earlier version began, the order users were added."""
    cursor, order = resume.cursor, resume.order
    if order is UserOrder.MANAGERS:
        ordered = manager_ordered(await directory.read_managers())
        for ids, after in pages_after(ordered, cursor, page_size):
            found = await directory.get_users(ids)
            yield {i: found[i] for i in ids if i in found}, after
        return
    while True:
        page = await directory.read_users(cursor, page_size, by_id=order is UserOrder.ID)
        yield {u.object_id: u for u in page.items}, page.cursor
        if (cursor := page.cursor) is None:
            return


def managers_ahead(database: Database, run: Run) -> ManagersAhead | None:
    """The creates' manager ids for a cycle reading in manager order (else None)."""
    if run.resume.order is not UserOrder.MANAGERS:
        return None
    app_id = run.ctx.app_id

    async def lookup(source_ids: Sequence[str]) -> Mapping[str, str]:
        async with database.fast_read() as conn:
            return await target_ids(conn, app_id, "User", source_ids)

    return ManagersAhead(lookup)


async def export_with_managers(
    run: Run, ahead: ManagersAhead, prepared: Sequence[Prepared], path: str
) -> list[Outcome]:
    """Send one page of users, each create carrying its manager when known in time."""
    managers = {
        p.source_id: first(p.result.references.get(path)) if p.result else None for p in prepared
    }
    now = utcnow()
    return await ahead.export(
        prepared, managers, lambda item: execute(run.ctx, run.port, item, run.cycle.id, now)
    )
