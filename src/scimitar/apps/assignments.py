"""Assignments: which users and groups an app is for, with which app role (docs/entra.md §2.1).

A group assignment stays a group assignment; :meth:`AssignmentService.effective_roles` resolves
it to the group's *direct* user members when the engine reads it (nested groups are not
expanded, as in Entra).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.apps.model import App, Assignment, NestedGroups, PrincipalType
from scimitar.apps.service import AppService
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.directory.model import Group, ObjectType, User
from scimitar.directory.nesting import GroupNesting, transitive_users
from scimitar.directory.service import DirectoryService
from scimitar.directory.store import load_attributes
from scimitar.errors import ConfigError, NotFoundError
from scimitar.store import Database, scopelog
from scimitar.store.tables.apps import ASSIGNMENT
from scimitar.store.tables.directory import GROUP, MEMBER, USER

__all__ = ["AssignmentService"]


class AssignmentService:
    """Assign users and groups to apps.

    Args:
        database: The store.
        apps: The apps (and their templates, for roles).
        directory: Where users and groups are looked up by UPN or name.
    """

    def __init__(self, database: Database, apps: AppService, directory: DirectoryService) -> None:
        self._database = database
        self._apps = apps
        self._directory = directory

    async def assign(
        self,
        app_key: str,
        *,
        user: str | None = None,
        group: str | None = None,
        role: str | None,
        actor: Actor,
    ) -> Assignment:
        """Assign a user (UPN or objectId) or a group (name or objectId) with a role.

        Without a role the assignment gets Default Access. Assigning the same principal the
        same role twice changes nothing (and records nothing); a new assignment is recorded
        in the audit log as made by ``actor``.

        Raises:
            NotFoundError: No such app, user or group.
            ConfigError: Neither or both of user and group, an unknown role, or a deleted user.
        """
        app = await self._apps.get(app_key)
        template = self._apps.template_of(app)
        role_name = template.role_named(role) if role else template.roles[0]
        principal_type, principal = await self._principal(user, group)
        assignment = Assignment(principal_type, principal.object_id, role_name, _display(principal))
        async with self._database.write() as conn:
            if await _insert_ignoring_duplicate(conn, app, assignment):
                await scopelog.record(
                    conn, app.id, [_scope_key(assignment.principal_type, principal)], utcnow()
                )
                after = assignment.to_dict()
                await record(conn, _entry(actor, "assignment.add", app, assignment, after=after))
        return assignment

    async def unassign(
        self,
        app_key: str,
        *,
        user: str | None = None,
        group: str | None = None,
        role: str | None,
        actor: Actor,
    ) -> int:
        """Remove a principal's assignments (only the one with ``role`` if given).

        Each removed assignment is recorded in the audit log as removed by ``actor``.

        Returns:
            How many assignments were removed.

        Raises:
            NotFoundError: No such app, user or group, or no such assignment.
        """
        app = await self._apps.get(app_key)
        principal_type, principal = await self._principal(user, group)
        where = [
            ASSIGNMENT.c.app_id == app.id,
            ASSIGNMENT.c.principal_type == principal_type.value,
            ASSIGNMENT.c.principal_id == principal.object_id,
        ]
        if role:
            where.append(ASSIGNMENT.c.role == self._apps.template_of(app).role_named(role))
        async with self._database.write() as conn:
            roles = [
                row.role for row in await conn.execute(select(ASSIGNMENT.c.role).where(*where))
            ]
            await conn.execute(delete(ASSIGNMENT).where(*where))
            if roles:
                await scopelog.record(
                    conn, app.id, [_scope_key(principal_type, principal)], utcnow()
                )
            for removed in roles:
                gone = Assignment(principal_type, principal.object_id, removed, _display(principal))
                before = gone.to_dict()
                await record(conn, _entry(actor, "assignment.remove", app, gone, before=before))
        if not roles:
            raise NotFoundError(f"{_display(principal)} is not assigned to {app.name}")
        return len(roles)

    async def list(self, app_key: str) -> list[Assignment]:
        """The app's assignments, users first, with each principal's UPN or group name."""
        app = await self._apps.get(app_key)
        async with self._database.read() as conn:
            users = await conn.execute(_listing(app, USER, USER.c.upn_key, PrincipalType.USER))
            groups = await conn.execute(_listing(app, GROUP, GROUP.c.name_key, PrincipalType.GROUP))
            rows = [*users, *groups]
        return [
            Assignment(PrincipalType(kind), object_id, role, _name_from(data))
            for kind, object_id, role, data in rows
        ]

    async def group_ids(self, app: App) -> frozenset[str]:
        """The objectIds of the groups assigned to the app (no names read: a cycle's need)."""
        query = select(ASSIGNMENT.c.principal_id).where(
            ASSIGNMENT.c.app_id == app.id,
            ASSIGNMENT.c.principal_type == PrincipalType.GROUP.value,
        )
        async with self._database.read() as conn:
            return frozenset(str(row[0]) for row in await conn.execute(query))

    async def effective_roles(
        self, app: App, *, nested: NestedGroups = NestedGroups.DIRECT
    ) -> dict[str, frozenset[str]]:
        """Each assigned user's roles: direct assignments plus those of their groups.

        A group gives its role to its direct user members, or with ``nested`` ``flatten`` to
        the users of the groups nested in it too. Soft-deleted users and groups still appear;
        the engine decides what leaving scope means.
        """
        roles: dict[str, set[str]] = {}
        async with self._database.read() as conn:
            direct = select(ASSIGNMENT.c.principal_id, ASSIGNMENT.c.role).where(
                ASSIGNMENT.c.app_id == app.id,
                ASSIGNMENT.c.principal_type == PrincipalType.USER.value,
            )
            if nested is NestedGroups.FLATTEN:
                via_groups = await _flattened_member_roles(conn, app)
            else:
                via_groups = list(await conn.execute(_group_member_roles(app)))
            for object_id, role in [*await conn.execute(direct), *via_groups]:
                roles.setdefault(object_id, set()).add(role)
        return {object_id: frozenset(values) for object_id, values in roles.items()}

    async def _principal(
        self, user: str | None, group: str | None
    ) -> tuple[PrincipalType, User | Group]:
        if (user is None) == (group is None):
            raise ConfigError("name exactly one of --user UPN and --group NAME")
        if user is not None:
            found_user = await self._directory.users.get(user)
            if found_user.deleted_at is not None:
                raise ConfigError(f"user {user} is deleted; restore it before assigning it")
            return PrincipalType.USER, found_user
        return PrincipalType.GROUP, await self._directory.groups.get(str(group))


def _entry(
    actor: Actor,
    action: str,
    app: App,
    assignment: Assignment,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    what = f"{assignment.principal_type.value} {assignment.display or assignment.principal_id}"
    return AuditEntry(actor, action, what, app.id, app.name, before, after)


def _display(principal: User | Group) -> str:
    key = "userPrincipalName" if isinstance(principal, User) else "displayName"
    return str(principal.attributes.get(key) or principal.object_id)


def _name_from(data: str | None) -> str:
    if not data:
        return ""
    attributes = load_attributes(data)
    return str(attributes.get("userPrincipalName") or attributes.get("displayName") or "")


def _listing(
    app: App, table: Table, order: ColumnElement[str], kind: PrincipalType
) -> Select[tuple[str, str, str, str | None]]:
    """Assignments of one principal type, with the principal's stored attributes."""
    joined = ASSIGNMENT.outerjoin(table, table.c.object_id == ASSIGNMENT.c.principal_id)
    return (
        select(
            ASSIGNMENT.c.principal_type,
            ASSIGNMENT.c.principal_id,
            ASSIGNMENT.c.role,
            table.c.data,
        )
        .select_from(joined)
        .where(ASSIGNMENT.c.app_id == app.id, ASSIGNMENT.c.principal_type == kind.value)
        .order_by(order, ASSIGNMENT.c.principal_id, ASSIGNMENT.c.role)
    )


def _scope_key(principal_type: PrincipalType, principal: User | Group) -> scopelog.Key:
    kind = scopelog.USER if principal_type is PrincipalType.USER else scopelog.GROUP
    return kind, principal.object_id


async def _insert_ignoring_duplicate(
    conn: AsyncConnection, app: App, assignment: Assignment
) -> bool:
    """Insert the assignment; returns whether it is new."""
    values = {
        "app_id": app.id,
        "principal_type": assignment.principal_type.value,
        "principal_id": assignment.principal_id,
        "role": assignment.role,
        "created_at": utcnow(),
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = await conn.execute(
        dialect.insert(ASSIGNMENT).values(values).on_conflict_do_nothing()
    )
    return bool(inserted.rowcount)


async def _flattened_member_roles(conn: AsyncConnection, app: App) -> list[tuple[str, str]]:
    """The transitive user members of assigned groups, with the group assignment's role."""
    query = select(ASSIGNMENT.c.principal_id, ASSIGNMENT.c.role).where(
        ASSIGNMENT.c.app_id == app.id,
        ASSIGNMENT.c.principal_type == PrincipalType.GROUP.value,
    )
    assigned = [(str(group), str(role)) for group, role in await conn.execute(query)]
    if not assigned:
        return []
    nesting = await GroupNesting.load(conn)
    users = await transitive_users(conn, nesting, {group for group, _ in assigned})
    return [(user, role) for group, role in assigned for user in sorted(users[group])]


def _group_member_roles(app: App) -> Select[tuple[str, str]]:
    """The direct user members of assigned groups, with the group assignment's role."""
    joined = ASSIGNMENT.join(MEMBER, MEMBER.c.group_id == ASSIGNMENT.c.principal_id)
    return (
        select(MEMBER.c.member_id, ASSIGNMENT.c.role)
        .select_from(joined)
        .where(
            ASSIGNMENT.c.app_id == app.id,
            ASSIGNMENT.c.principal_type == PrincipalType.GROUP.value,
            MEMBER.c.member_type == ObjectType.USER.value,
        )
    )
