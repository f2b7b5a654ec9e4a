"""Writing many rows at once (import, generate): upsert by objectId or userPrincipalName.

Rows are checked against the store first, every problem is collected with its line and field,
and nothing is written unless all rows are valid (or the caller asked for a partial write).
Writes go out as ``executemany`` batches through SQLAlchemy Core, never row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.errors import ImportProblem, ImportRejectedError
from scimitar.directory.generator import DirectoryItem
from scimitar.directory.importer import GroupRow, ImportBatch, MembershipRow, UserRow
from scimitar.directory.keys import AMBIGUOUS, KeyIndex
from scimitar.directory.lifecycle import Lifecycle
from scimitar.directory.members import membership_change
from scimitar.directory.model import Group, Member, ObjectType, User, group_defaults, user_defaults
from scimitar.directory.rows import (
    group_row_values,
    merge_attributes,
    new_object_id,
    user_row_values,
)
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import GROUP_COLUMNS, USER_COLUMNS, group_from_row, user_from_row
from scimitar.sources.links import owners_by_object
from scimitar.store import Database
from scimitar.store.queries import is_among
from scimitar.store.tables.directory import GROUP, MEMBER, USER

__all__ = ["BulkWriter", "ImportReport", "batches_from_items"]

_CHUNK = 5000


@dataclass(slots=True)
class ImportReport:
    """What a bulk write did, and the problems of the rows it left out."""

    users_created: int = 0
    users_updated: int = 0
    users_unchanged: int = 0
    groups_created: int = 0
    groups_updated: int = 0
    groups_unchanged: int = 0
    members_added: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as printed by the CLI."""
        counts = {name: getattr(self, name) for name in self.__slots__ if name != "problems"}
        return {**counts, "problems": [problem.to_dict() for problem in self.problems]}


@dataclass(slots=True)
class _Planned:
    """Rows to insert and update, and the changes they make."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    pending: list[PendingChange] = field(default_factory=list)


def _upn(row: UserRow) -> str:
    return str(row.attributes.get("userPrincipalName") or "").lower()


async def _groups_by_name(conn: AsyncConnection, names: Sequence[str]) -> dict[str, list[Any]]:
    """Stored groups by lower-cased name; several groups may share one."""
    found: dict[str, list[Any]] = {}
    unique = sorted(set(names))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        query = select(*GROUP_COLUMNS, GROUP.c.name_key).where(
            is_among(conn, GROUP.c.name_key, chunk)
        )
        for row in await conn.execute(query):
            found.setdefault(row.name_key, []).append(row)
    return found


async def _existing(
    conn: AsyncConnection, table: Table, column: Any, keys: Sequence[str]
) -> dict[str, Any]:
    """Rows whose ``column`` is among ``keys``, by that key."""
    columns = USER_COLUMNS if table is USER else GROUP_COLUMNS
    found: dict[str, Any] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), _CHUNK):
        query = select(*columns, column.label("key")).where(
            is_among(conn, column, unique[start : start + _CHUNK])
        )
        found.update((row.key, row) for row in await conn.execute(query))
    return found


class _Plan:
    """One bulk write in progress, inside its transaction."""

    def __init__(self, conn: AsyncConnection, now: datetime, report: ImportReport) -> None:
        self.conn, self.now, self.report = conn, now, report
        self.keys = KeyIndex()
        self.users, self.groups = _Planned(), _Planned()
        self.members: list[tuple[int, str, Member]] = []
        self.group_rows: list[tuple[GroupRow, str]] = []
        #: Users a source feeds, by objectId: an import does not change them.
        self.owned: dict[str, str] = {}

    def problem(self, line: int, name: str | None, message: str) -> None:
        self.report.problems.append(ImportProblem(line, name, message))

    async def plan_users(self, rows: Sequence[UserRow]) -> None:
        """Match each row to a stored user or a new one, then resolve managers."""
        ids = [row.object_id.lower() for row in rows if row.object_id]
        upns = [_upn(row) for row in rows if _upn(row)]
        by_id = await _existing(self.conn, USER, USER.c.object_id, ids)
        by_upn = await _existing(self.conn, USER, USER.c.upn_key, upns)
        accepted: list[tuple[UserRow, User | None, str]] = []
        for row in rows:
            current = self._match_user(row, by_id, by_upn)
            if current is not False:
                stored = current if isinstance(current, User) else None
                object_id = stored.object_id if stored else new_object_id(row.object_id)
                upn = _upn(row) or (stored.user_principal_name if stored else "")
                self.keys.add_user(object_id, upn)
                accepted.append((row, stored, object_id))
        managers = [
            str(row.attributes["manager"])
            for row, _, _ in accepted
            if row.attributes.get("manager")
        ]
        await self.keys.load(self.conn, managers)
        self.owned = await owners_by_object(
            self.conn, [current.object_id for _, current, _ in accepted if current is not None]
        )
        for row, current, object_id in accepted:
            self._plan_user(row, current, object_id)

    def _match_user(
        self, row: UserRow, by_id: dict[str, Any], by_upn: dict[str, Any]
    ) -> User | bool | None:
        """The stored user a row updates (``None``: a new one), or ``False`` if it cannot apply."""
        upn = _upn(row)
        row_id = row.object_id.lower() if row.object_id else None
        found = by_id.get(row_id) if row_id else by_upn.get(upn)
        current = user_from_row(found) if found is not None else None
        holder = by_upn.get(upn)
        if holder is not None and (current is None or holder.object_id != current.object_id):
            self.problem(
                row.line, "userPrincipalName", f"{upn!r} is taken by user {holder.object_id}"
            )
        elif current is None and not upn:
            self.problem(row.line, "objectId", "no such user; a new user needs a userPrincipalName")
        elif current is not None and current.is_deleted:
            self.problem(
                row.line, "objectId", f"user {current.object_id} is deleted; restore it first"
            )
        else:
            return current
        return False

    def _plan_user(self, row: UserRow, current: User | None, object_id: str) -> None:
        attributes = dict(row.attributes)
        manager_key = attributes.get("manager")
        if manager_key:
            attributes["manager"] = self.keys.user(str(manager_key))
            if attributes["manager"] is None or attributes["manager"] == object_id:
                self.problem(
                    row.line, "manager", f"no other user {manager_key!r} in the file or directory"
                )
                return
        if current is None:
            user = User(object_id, user_defaults(attributes))
            self.users.inserts.append(user_row_values(user, self.now))
            self.users.pending.append(PendingChange(ChangeKind.CREATED, ObjectType.USER, object_id))
            self.report.users_created += 1
            return
        merged, changed = merge_attributes(current.attributes, attributes)
        if not changed:
            self.report.users_unchanged += 1
            return
        owners = self.owned.get(object_id)
        if owners is not None:
            self.problem(
                row.line,
                changed[0],
                f"user {current.user_principal_name} is fed by source {owners}: change it "
                "there, or by hand with scimitar directory user set --override-source",
            )
            return
        self.users.updates.append(user_row_values(User(object_id, merged), self.now))
        change = PendingChange(ChangeKind.UPDATED, ObjectType.USER, object_id, tuple(changed))
        self.users.pending.append(change)
        self.report.users_updated += 1

    async def plan_groups(self, rows: Sequence[GroupRow]) -> None:
        """Match each row to a stored group (by objectId, else by a unique name) or a new one."""
        ids = [row.object_id.lower() for row in rows if row.object_id]
        names = [
            str(row.attributes.get("displayName", "")).lower() for row in rows if not row.object_id
        ]
        by_id = await _existing(self.conn, GROUP, GROUP.c.object_id, ids)
        by_name = await _groups_by_name(self.conn, names)
        for row in rows:
            current = self._match_group(row, by_id, by_name)
            if current is not False:
                stored = current if isinstance(current, Group) else None
                object_id = stored.object_id if stored else new_object_id(row.object_id)
                name = row.attributes.get("displayName") or (stored.display_name if stored else "")
                self.keys.add_group(object_id, str(name))
                self._plan_group(row, stored, object_id)

    def _match_group(
        self, row: GroupRow, by_id: dict[str, Any], by_name: dict[str, list[Any]]
    ) -> Group | bool | None:
        name = str(row.attributes.get("displayName", "")).lower()
        found = (
            [by_id[row.object_id.lower()]]
            if row.object_id and row.object_id.lower() in by_id
            else []
        )
        if not row.object_id:
            found = by_name.get(name, [])
        if len(found) > 1:
            self.problem(
                row.line, "displayName", f"several groups are named {name!r}; give the objectId"
            )
        elif not found and not name:
            self.problem(row.line, "displayName", "a new group needs a displayName")
        elif found and found[0].deleted_at is not None:
            self.problem(
                row.line, "objectId", f"group {found[0].object_id} is deleted; restore it first"
            )
        else:
            return group_from_row(found[0]) if found else None
        return False

    def _plan_group(self, row: GroupRow, current: Group | None, object_id: str) -> None:
        self.group_rows.append((row, object_id))
        if current is None:
            group = Group(object_id, group_defaults(row.attributes))
            self.groups.inserts.append(group_row_values(group, self.now))
            self.groups.pending.append(
                PendingChange(ChangeKind.CREATED, ObjectType.GROUP, object_id)
            )
            self.report.groups_created += 1
            return
        merged, changed = merge_attributes(current.attributes, row.attributes)
        if not changed:
            self.report.groups_unchanged += 1
            return
        self.groups.updates.append(group_row_values(Group(object_id, merged), self.now))
        change = PendingChange(ChangeKind.UPDATED, ObjectType.GROUP, object_id, tuple(changed))
        self.groups.pending.append(change)
        self.report.groups_updated += 1

    async def plan_members(self, memberships: Sequence[MembershipRow]) -> None:
        """Resolve group members named in group rows and in membership rows."""
        wanted = [
            (row.line, group_id, key) for row, group_id in self.group_rows for key in row.members
        ]
        wanted += [(row.line, row.group, row.member) for row in memberships]
        await self.keys.load(
            self.conn, [key for _, group, member in wanted for key in (group, member)]
        )
        for line, group_key, member_key in wanted:
            group_id, member = self.keys.group(group_key), self.keys.member(member_key)
            if group_id is None or group_id == AMBIGUOUS:
                self.problem(
                    line,
                    "group",
                    f"{group_key!r} names {'several groups' if group_id else 'no group'}",
                )
            elif not isinstance(member, Member):
                self.problem(
                    line,
                    "member",
                    f"{member_key!r} names {'several groups' if member else 'no user or group'}",
                )
            elif member.object_id == group_id:
                self.problem(line, "member", "a group cannot be a member of itself")
            else:
                self.members.append((line, group_id, member))

    async def write(self) -> None:
        """Write every planned row in batches, then number and record the changes."""
        await _insert(self.conn, USER, self.users.inserts)
        await _update(self.conn, USER, self.users.updates)
        await _insert(self.conn, GROUP, self.groups.inserts)
        await _update(self.conn, GROUP, self.groups.updates)
        added = await self._new_members()
        rows = [
            {"group_id": g, "member_id": m.object_id, "member_type": m.object_type.value}
            for g, m in added
        ]
        await _insert(self.conn, MEMBER, rows)
        self.report.members_added = len(added)
        pending = self.users.pending + self.groups.pending
        pending += [membership_change(ChangeKind.MEMBER_ADDED, g, m) for g, m in added]
        await record_changes(self.conn, pending, self.now)

    async def _new_members(self) -> list[tuple[str, Member]]:
        groups = sorted({group_id for _, group_id, _ in self.members})
        present: set[tuple[str, str]] = set()
        for start in range(0, len(groups), _CHUNK):
            query = select(MEMBER.c.group_id, MEMBER.c.member_id).where(
                MEMBER.c.group_id.in_(groups[start : start + _CHUNK])
            )
            present.update((row.group_id, row.member_id) for row in await self.conn.execute(query))
        added: list[tuple[str, Member]] = []
        for _, group_id, member in self.members:
            if (group_id, member.object_id) not in present:
                present.add((group_id, member.object_id))
                added.append((group_id, member))
        return added


async def _insert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        await conn.execute(insert(table), rows[start : start + _CHUNK])


async def _update(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update rows by objectId with one ``executemany`` per batch."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "object_id"]
    statement = (
        update(table)
        .where(table.c.object_id == bindparam("b_object_id"))
        .values({name: bindparam(f"b_{name}") for name in names})
    )
    params = [{f"b_{name}": value for name, value in row.items()} for row in rows]
    for start in range(0, len(params), _CHUNK):
        await conn.execute(statement, params[start : start + _CHUNK])


class BulkWriter:
    """Applies an :class:`ImportBatch` to the store in one transaction."""

    def __init__(self, database: Database, lifecycle: Lifecycle) -> None:
        self._database = database
        self._lifecycle = lifecycle

    async def apply(self, batch: ImportBatch, *, partial: bool = False) -> ImportReport:
        """Check every row against the store, then write them all, or none.

        Args:
            batch: Rows read from a file (or made by the generator).
            partial: Write the valid rows even when others have problems.

        Returns:
            What was written, and the problems of the rows left out (with ``partial``).

        Raises:
            ImportRejectedError: Some row is invalid (and not ``partial``), or the file as a
                whole is; nothing was written.
        """
        if batch.file_problems:
            raise ImportRejectedError(tuple(batch.file_problems))
        report = ImportReport(problems=list(batch.problems))
        async with self._database.write() as conn:
            plan = _Plan(conn, self._lifecycle.now(), report)
            await plan.plan_users(batch.users)
            await plan.plan_groups(batch.groups)
            await plan.plan_members(batch.memberships)
            report.problems.sort(key=lambda problem: problem.line)
            if report.problems and not partial:
                raise ImportRejectedError(tuple(report.problems))
            await plan.write()
        return report


def batches_from_items(items: Iterable[DirectoryItem], size: int = 20_000) -> Iterator[ImportBatch]:
    """Group generated users, groups and memberships into batches of at most ``size`` items.

    Items keep their order, so a batch only refers to objects of itself or earlier batches.
    """
    batch, count = ImportBatch(), 0
    for line, item in enumerate(items, start=1):
        if isinstance(item, User):
            batch.users.append(UserRow(line, item.object_id, dict(item.attributes)))
        elif isinstance(item, Group):
            batch.groups.append(GroupRow(line, item.object_id, dict(item.attributes)))
        else:
            batch.memberships.append(MembershipRow(line, item.group_id, item.member.object_id))
        count += 1
        if count == size:
            yield batch
            batch, count = ImportBatch(), 0
    if count:
        yield batch
