"""Directory pages: users and groups, searchable, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.directory.model import Group, User
from scimitar.portal.context import portal_of, signed_in
from scimitar.portal.session import Session

__all__ = ["PAGE_SIZE", "matches_group", "matches_user", "router"]

router = APIRouter()
#: Rows per directory page.
PAGE_SIZE = 50
#: Directory rows read per store query while searching.
_SCAN = 1000
SignedIn = Annotated[Session, Depends(signed_in)]


def matches_user(user: User, needle: str) -> bool:
    """Whether a search matches the user's UPN, display name, mail or objectId."""
    get = user.attributes.get
    fields = (user.object_id, get("userPrincipalName"), get("displayName"), get("mail"))
    return any(needle in str(value).lower() for value in fields if value)


def matches_group(group: Group, needle: str) -> bool:
    """Whether a search matches the group's display name, mail nickname or objectId."""
    get = group.attributes.get
    fields = (group.object_id, get("displayName"), get("mailNickname"))
    return any(needle in str(value).lower() for value in fields if value)


@router.get("/directory/users")
async def users(
    request: Request, session: SignedIn, q: str = "", after: str | None = None
) -> Response:
    """Live users: a page of them, or those matching ``q``."""
    portal = portal_of(request)
    source = portal.directory.source
    needle = q.strip().lower()
    found: list[User] = []
    cursor = after
    while len(found) < PAGE_SIZE:
        page = await source.read_users(
            cursor, _SCAN if needle else PAGE_SIZE, include_deleted=False
        )
        found.extend(u for u in page.items if not needle or matches_user(u, needle))
        cursor = page.cursor
        if cursor is None:
            break
    counts = await source.count()
    return portal.render(
        request,
        "directory_users.html",
        session,
        nav="users",
        users=found[:PAGE_SIZE],
        q=q,
        next_cursor=cursor if len(found) >= PAGE_SIZE else None,
        counts=counts,
    )


@router.get("/directory/groups")
async def groups(
    request: Request, session: SignedIn, q: str = "", after: str | None = None
) -> Response:
    """Live groups with their member counts: a page of them, or those matching ``q``."""
    portal = portal_of(request)
    source = portal.directory.source
    needle = q.strip().lower()
    found: list[Group] = []
    cursor = after
    while len(found) < PAGE_SIZE:
        page = await source.read_groups(
            cursor, _SCAN if needle else PAGE_SIZE, include_deleted=False
        )
        found.extend(g for g in page.items if not needle or matches_group(g, needle))
        cursor = page.cursor
        if cursor is None:
            break
    return portal.render(
        request,
        "directory_groups.html",
        session,
        nav="groups",
        groups=found[:PAGE_SIZE],
        q=q,
        next_cursor=cursor if len(found) >= PAGE_SIZE else None,
    )
