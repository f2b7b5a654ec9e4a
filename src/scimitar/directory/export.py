"""Writing the directory out in the JSON import format, so an export imports back unchanged."""

from __future__ import annotations

from typing import Any

from scimitar.directory.model import Group, User
from scimitar.directory.source import SourceDirectory

__all__ = ["export_directory"]


async def _live_users(source: SourceDirectory) -> list[User]:
    users: list[User] = []
    cursor: str | None = None
    while True:
        page = await source.read_users(cursor, 1000, include_deleted=False)
        users.extend(page.items)
        if (cursor := page.cursor) is None:
            return users


async def _live_groups(source: SourceDirectory) -> list[Group]:
    groups: list[Group] = []
    cursor: str | None = None
    while True:
        page = await source.read_groups(cursor, 200, include_deleted=False)
        groups.extend(page.items)
        if (cursor := page.cursor) is None:
            return groups


async def export_directory(source: SourceDirectory) -> dict[str, Any]:
    """Every live user and group, as ``{"users": [...], "groups": [...]}``.

    Soft-deleted objects are left out, and so are references to them (a manager, a member),
    so the document imports into an empty directory without dangling references.
    """
    users, groups = await _live_users(source), await _live_groups(source)
    live = {user.object_id for user in users} | {group.object_id for group in groups}
    user_documents = []
    for user in users:
        attributes = dict(user.attributes)
        if attributes.get("manager") not in live:
            attributes.pop("manager", None)
        user_documents.append({"objectId": user.object_id, **attributes})
    group_documents = [
        {
            "objectId": group.object_id,
            **group.attributes,
            "members": [m.object_id for m in group.members if m.object_id in live],
        }
        for group in groups
    ]
    return {"users": user_documents, "groups": group_documents}
