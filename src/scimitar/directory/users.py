"""Changing users one at a time: create, set, enable/disable, delete (soft or hard), restore."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.errors import AttributeValueError
from scimitar.directory.lifecycle import Lifecycle
from scimitar.directory.members import MembershipWriter
from scimitar.directory.model import ObjectType, User, coerce_attributes, user_defaults
from scimitar.directory.rows import (
    check_id_free,
    check_upn_free,
    fetch_user,
    merge_attributes,
    new_object_id,
    set_deleted,
    user_row_values,
)
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import user_from_row
from scimitar.errors import ConfigError, NotFoundError
from scimitar.sources.ownership import check_editable
from scimitar.store import Database, scopelog
from scimitar.store.tables.directory import USER

__all__ = ["UserService", "hard_delete_user", "resolve_manager"]


def _change(kind: ChangeKind, object_id: str, attributes: tuple[str, ...] = ()) -> PendingChange:
    return PendingChange(kind, ObjectType.USER, object_id, attributes)


async def resolve_manager(conn: AsyncConnection, values: dict[str, Any], own_id: str) -> None:
    """Replace a ``manager`` given by objectId or userPrincipalName with the manager's objectId.

    Raises:
        AttributeValueError: No such user, or the user would manage themselves.
    """
    key = values.get("manager")
    if key is None:
        return
    try:
        manager = await fetch_user(conn, key)
    except NotFoundError as exc:
        raise AttributeValueError("manager", f"no user {key!r} in the directory") from exc
    if manager.object_id == own_id:
        raise AttributeValueError("manager", "a user cannot be their own manager")
    values["manager"] = manager.object_id


async def hard_delete_user(
    conn: AsyncConnection, object_id: str, pending: list[PendingChange], now: datetime
) -> None:
    """Remove a user for good: its memberships and app assignments go, its reports lose their
    ``manager``."""
    await MembershipWriter(conn).remove_everywhere(object_id, ObjectType.USER, pending)
    await scopelog.drop_assignments(conn, ObjectType.USER.value, object_id, (), now)
    reports = select(USER.c.seq, USER.c.object_id, USER.c.data, USER.c.deleted_at).where(
        USER.c.manager_id == object_id
    )
    for row in (await conn.execute(reports)).all():
        report = user_from_row(row)
        attributes = {k: v for k, v in report.attributes.items() if k != "manager"}
        values = user_row_values(User(report.object_id, attributes, report.deleted_at), now)
        await conn.execute(update(USER).where(USER.c.object_id == report.object_id).values(values))
        pending.append(_change(ChangeKind.UPDATED, report.object_id, ("manager",)))
    await conn.execute(delete(USER).where(USER.c.object_id == object_id))
    pending.append(_change(ChangeKind.HARD_DELETED, object_id))


class UserService:
    """Writes to users, each in one transaction that also records its changes."""

    def __init__(self, database: Database, lifecycle: Lifecycle) -> None:
        self._database = database
        self._lifecycle = lifecycle

    async def get(self, key: str) -> User:
        """The user with this objectId or userPrincipalName (soft-deleted ones too).

        Raises:
            NotFoundError: No such user.
        """
        async with self._database.read() as conn:
            return await fetch_user(conn, key)

    async def create(self, values: Mapping[str, Any], *, object_id: str | None = None) -> User:
        """Create a user; ``userPrincipalName`` is required, Entra's defaults fill the rest.

        Raises:
            AttributeValueError: An attribute is unknown or its value invalid.
            DuplicateObjectError: The objectId or userPrincipalName is taken.
        """
        attributes = user_defaults(coerce_attributes(ObjectType.USER, values))
        if "userPrincipalName" not in attributes:
            raise AttributeValueError("userPrincipalName", "a value is required")
        new_id, now = new_object_id(object_id), self._lifecycle.now()
        async with self._database.write() as conn:
            await check_id_free(conn, new_id)
            await check_upn_free(conn, attributes["userPrincipalName"], new_id)
            await resolve_manager(conn, attributes, new_id)
            user = User(new_id, attributes)
            await conn.execute(insert(USER).values(user_row_values(user, now)))
            await record_changes(conn, [_change(ChangeKind.CREATED, new_id)], now)
        return user

    async def update(
        self, key: str, values: Mapping[str, Any], *, override_source: bool = False
    ) -> User:
        """Set attributes of a live user (``None`` clears one); records the ones that changed.

        Raises:
            NotFoundError: No such user.
            ConfigError: The user is soft-deleted (restore it first), or a value is invalid.
            SourceOwnedError: A source feeds the user and ``override_source`` is off.
        """
        requested = coerce_attributes(ObjectType.USER, values)
        now = self._lifecycle.now()
        async with self._database.write() as conn:
            user = await fetch_user(conn, key, lock=True)
            await check_editable(conn, f"user {key!r}", user.object_id, override=override_source)
            if user.is_deleted:
                raise ConfigError(f"user {key!r} is deleted; restore it before changing it")
            await resolve_manager(conn, requested, user.object_id)
            merged, changed = merge_attributes(user.attributes, requested)
            if "userPrincipalName" in changed:
                await check_upn_free(conn, merged["userPrincipalName"], user.object_id)
            user = User(user.object_id, merged)
            if changed:
                where = USER.c.object_id == user.object_id
                await conn.execute(update(USER).where(where).values(user_row_values(user, now)))
                change = _change(ChangeKind.UPDATED, user.object_id, tuple(changed))
                await record_changes(conn, [change], now)
        return user

    async def set_enabled(
        self, key: str, *, is_enabled: bool, override_source: bool = False
    ) -> User:
        """Enable a user, or disable it (Entra's "block sign-in": ``accountEnabled`` false)."""
        return await self.update(
            key, {"accountEnabled": is_enabled}, override_source=override_source
        )

    async def delete(self, key: str, *, hard: bool = False, override_source: bool = False) -> None:
        """Soft-delete a user (restorable within the window), or hard-delete it at once.

        Raises:
            NotFoundError: No such user.
            ConfigError: Soft-deleting a user that is already soft-deleted.
        """
        now = self._lifecycle.now()
        async with self._database.write() as conn:
            user = await fetch_user(conn, key, lock=True)
            await check_editable(conn, f"user {key!r}", user.object_id, override=override_source)
            pending: list[PendingChange] = []
            if hard:
                await hard_delete_user(conn, user.object_id, pending, now)
            elif user.is_deleted:
                raise ConfigError(f"user {key!r} is already deleted; use --hard to purge it")
            else:
                await set_deleted(conn, USER, user.object_id, now, now)
                pending.append(_change(ChangeKind.SOFT_DELETED, user.object_id))
            await record_changes(conn, pending, now)

    async def restore(self, key: str, *, override_source: bool = False) -> User:
        """Bring a soft-deleted user back with its attributes and group memberships.

        Raises:
            NotFoundError: No such user (hard-deleted users cannot come back).
            ConfigError: The user is not deleted, or the window has passed.
        """
        now = self._lifecycle.now()
        async with self._database.write() as conn:
            user = await fetch_user(conn, key, lock=True)
            await check_editable(conn, f"user {key!r}", user.object_id, override=override_source)
            self._lifecycle.check_restorable(user.deleted_at, f"user {key!r}", now)
            await set_deleted(conn, USER, user.object_id, None, now)
            await record_changes(conn, [_change(ChangeKind.RESTORED, user.object_id)], now)
        return User(user.object_id, user.attributes)
