"""Rows of the directory tables: building them from values, and fetching objects to change.

Shared by the user and group services and the bulk writer, so one object has one row shape.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.errors import AttributeValueError, DuplicateObjectError
from scimitar.directory.model import Group, User
from scimitar.directory.store import (
    group_from_row,
    is_object_id,
    select_groups_by_key,
    select_users_by_key,
    user_from_row,
)
from scimitar.errors import ConfigError, NotFoundError
from scimitar.store.tables.directory import GROUP, USER

__all__ = [
    "check_id_free",
    "check_upn_free",
    "dump_attributes",
    "fetch_group",
    "fetch_user",
    "group_row_values",
    "merge_attributes",
    "new_object_id",
    "set_deleted",
    "user_row_values",
]


# One encoder for every row: json.dumps with options builds a new encoder on each call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dump_attributes(attributes: Mapping[str, Any]) -> str:
    """The compact JSON text an attribute bag is stored as."""
    return _ENCODER.encode(attributes)


def user_row_values(user: User, now: datetime) -> dict[str, Any]:
    """The ``directory_user`` columns that hold ``user``."""
    return {
        "object_id": user.object_id,
        "upn_key": user.user_principal_name.lower(),
        "manager_id": user.attributes.get("manager"),
        "employee_key": _employee_key(user.attributes.get("employeeId")),
        "data": dump_attributes(user.attributes),
        "deleted_at": user.deleted_at,
        "updated_at": now,
    }


def _employee_key(value: Any) -> str | None:
    return str(value).lower() if value is not None else None


def group_row_values(group: Group, now: datetime) -> dict[str, Any]:
    """The ``directory_group`` columns that hold ``group`` (members live elsewhere)."""
    return {
        "object_id": group.object_id,
        "name_key": group.display_name.lower(),
        "data": dump_attributes(group.attributes),
        "deleted_at": group.deleted_at,
        "updated_at": now,
    }


def merge_attributes(
    current: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Apply ``values`` to ``current`` (``None`` clears) and name the attributes that changed."""
    merged = dict(current)
    changed = [name for name, value in values.items() if current.get(name) != value]
    for name, value in values.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged, changed


def new_object_id(object_id: str | None) -> str:
    """A fresh objectId, or the given one checked and lower-cased."""
    if object_id is None:
        return str(uuid.uuid4())
    if not is_object_id(object_id):
        raise AttributeValueError("objectId", f"{object_id!r} is not a GUID")
    return object_id.lower()


async def fetch_user(conn: AsyncConnection, key: str, *, lock: bool = False) -> User:
    """The user with this objectId or userPrincipalName; ``lock`` holds its row until commit.

    Raises:
        NotFoundError: No such user.
    """
    query = select_users_by_key(key)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFoundError(f"no user {key!r} in the directory")
    return user_from_row(row)


async def fetch_group(conn: AsyncConnection, key: str, *, lock: bool = False) -> Group:
    """The group with this objectId or displayName, without its members.

    Raises:
        NotFoundError: No such group.
        ConfigError: Several groups carry that displayName.
    """
    query = select_groups_by_key(key)
    rows = (await conn.execute(query.with_for_update() if lock else query)).all()
    if not rows:
        raise NotFoundError(f"no group {key!r} in the directory")
    if len(rows) > 1:
        ids = ", ".join(row.object_id for row in rows)
        raise ConfigError(f"several groups are named {key!r}; name one by objectId: {ids}")
    return group_from_row(rows[0])


async def check_upn_free(conn: AsyncConnection, upn: str, own_id: str) -> None:
    """Raise :class:`DuplicateObjectError` if another user holds ``upn`` (case-insensitively)."""
    query = select(USER.c.object_id).where(USER.c.upn_key == upn.lower())
    holder = (await conn.execute(query)).scalar()
    if holder is not None and holder != own_id:
        raise DuplicateObjectError(f"userPrincipalName {upn!r} is taken by user {holder}")


async def check_id_free(conn: AsyncConnection, object_id: str) -> None:
    """Raise :class:`DuplicateObjectError` if a user or group has this objectId."""
    for table in (USER, GROUP):
        query = select(table.c.object_id).where(table.c.object_id == object_id)
        if (await conn.execute(query)).first() is not None:
            raise DuplicateObjectError(f"objectId {object_id} is taken")


async def set_deleted(
    conn: AsyncConnection, table: Table, object_id: str, at: datetime | None, now: datetime
) -> None:
    """Mark an object soft-deleted at ``at``, or live again when ``at`` is ``None``."""
    values = {"deleted_at": at, "updated_at": now}
    await conn.execute(update(table).where(table.c.object_id == object_id).values(values))
