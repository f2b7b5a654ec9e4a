"""``/directory``: users, groups, members, import, export, change feed, generate, purge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status

from scimitar.api.deps import ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.schemas.directory import (
    ChangePage,
    DeletedObject,
    DirectoryExport,
    GroupCreate,
    GroupDocument,
    GroupPage,
    GroupWrite,
    ImportReport,
    MemberList,
    PurgeResult,
    UserCreate,
    UserDocument,
    UserPage,
    UserWrite,
)
from scimitar.directory.export import export_directory
from scimitar.directory.model import Group, User
from scimitar.errors import ConfigError

__all__ = ["router"]

router = APIRouter(prefix="/directory", tags=["directory"])

UserKey = Annotated[str, Path(description="The user's objectId or userPrincipalName.")]
GroupKey = Annotated[str, Path(description="The group's objectId or displayName.")]
Hard = Annotated[bool, Query(description="Delete for good now, skipping the recycle bin.")]
Override = Annotated[
    bool,
    Query(
        alias="overrideSource",
        description="Edit an object a source feeds (its next sync writes the mapped values "
        "back); without it such an edit answers 409 naming the source.",
    ),
]
Deleted = Annotated[bool, Query(description="List soft-deleted objects instead of live ones.")]
After = Annotated[
    int | None, Query(ge=0, le=2**62, description="The nextAfter of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=1000, description="The most objects on a page.")]
_READ = problem_responses(404)
_WRITE = problem_responses(404, 409, 422)
_IMPORT_MEDIA = {"text/csv": {"schema": {"type": "string"}}, "application/json": {}}


def user_document(user: User) -> dict[str, Any]:
    """A user as the API shows it."""
    document = user.to_attributes()
    document["deletedDateTime"] = user.deleted_at.isoformat() if user.deleted_at else None
    return document


def group_document(group: Group, **extra: int) -> dict[str, Any]:
    """A group as the API shows it, with counts of members just changed."""
    document = group.to_attributes()
    document["deletedDateTime"] = group.deleted_at.isoformat() if group.deleted_at else None
    return {**document, **extra}


def _values(body: Any) -> tuple[dict[str, Any], str | None]:
    values = body.model_dump(exclude_unset=True)
    return values, values.pop("objectId", None)


@router.get("/users", response_model=UserPage, summary="List users")
async def list_users(
    services: ServicesDep, deleted: Deleted = False, after: After = None, limit: Limit = 100
) -> dict[str, Any]:
    """Users in creation order, a page at a time (live ones, or the recycle bin)."""
    page = await services.directory.source.read_users(
        None if after is None else str(after), limit, include_deleted=deleted
    )
    items = [user_document(u) for u in page.items if u.is_deleted == deleted]
    return {"items": items, "nextAfter": None if page.cursor is None else int(page.cursor)}


@router.post(
    "/users",
    response_model=UserDocument,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422),
    summary="Create a user",
)
async def create_user(
    services: ServicesDep,
    body: UserCreate,  # type: ignore[valid-type]
) -> dict[str, Any]:
    """Create a user; userPrincipalName is required, Entra's defaults fill the rest."""
    values, object_id = _values(body)
    return user_document(await services.directory.users.create(values, object_id=object_id))


@router.get("/users/{user}", response_model=UserDocument, responses=_READ, summary="Show a user")
async def get_user(services: ServicesDep, user: UserKey) -> dict[str, Any]:
    """One user with every attribute."""
    return user_document(await services.directory.users.get(user))


@router.patch(
    "/users/{user}", response_model=UserDocument, responses=_WRITE, summary="Change a user"
)
async def update_user(
    services: ServicesDep,
    user: UserKey,
    body: UserWrite,  # type: ignore[valid-type]
    override_source: Override = False,
) -> dict[str, Any]:
    """Change the attributes given; null clears one."""
    values, object_id = _values(body)
    if object_id is not None:
        raise ConfigError("objectId cannot change; leave it out of the body")
    changed = await services.directory.users.update(user, values, override_source=override_source)
    return user_document(changed)


@router.post(
    "/users/{user}/disable", response_model=UserDocument, responses=_READ, summary="Disable"
)
async def disable_user(
    services: ServicesDep, user: UserKey, override_source: Override = False
) -> dict[str, Any]:
    """Block sign-in (accountEnabled=false); provisioning then disables the app account."""
    return user_document(
        await services.directory.users.set_enabled(
            user, is_enabled=False, override_source=override_source
        )
    )


@router.post("/users/{user}/enable", response_model=UserDocument, responses=_READ, summary="Enable")
async def enable_user(
    services: ServicesDep, user: UserKey, override_source: Override = False
) -> dict[str, Any]:
    """Allow sign-in again (accountEnabled=true)."""
    return user_document(
        await services.directory.users.set_enabled(
            user, is_enabled=True, override_source=override_source
        )
    )


@router.delete("/users/{user}", response_model=DeletedObject, responses=_WRITE, summary="Delete")
async def delete_user(
    services: ServicesDep, user: UserKey, hard: Hard = False, override_source: Override = False
) -> dict[str, Any]:
    """Soft-delete a user (restorable within the window), or hard-delete it."""
    found = await services.directory.users.get(user)
    await services.directory.users.delete(
        found.object_id, hard=hard, override_source=override_source
    )
    return {
        "objectId": found.object_id,
        "userPrincipalName": found.user_principal_name,
        "deleted": "hard" if hard else "soft",
    }


@router.post(
    "/users/{user}/restore", response_model=UserDocument, responses=_WRITE, summary="Restore"
)
async def restore_user(
    services: ServicesDep, user: UserKey, override_source: Override = False
) -> dict[str, Any]:
    """Bring a soft-deleted user back with its attributes and memberships."""
    return user_document(
        await services.directory.users.restore(user, override_source=override_source)
    )


@router.get("/groups", response_model=GroupPage, summary="List groups")
async def list_groups(
    services: ServicesDep, deleted: Deleted = False, after: After = None, limit: Limit = 100
) -> dict[str, Any]:
    """Groups with their direct members, a page at a time."""
    page = await services.directory.source.read_groups(
        None if after is None else str(after), limit, include_deleted=deleted
    )
    items = [group_document(g) for g in page.items if g.is_deleted == deleted]
    return {"items": items, "nextAfter": None if page.cursor is None else int(page.cursor)}


@router.post(
    "/groups",
    response_model=GroupDocument,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422),
    summary="Create a group",
)
async def create_group(
    services: ServicesDep,
    body: GroupCreate,  # type: ignore[valid-type]
) -> dict[str, Any]:
    """Create a group; displayName is required."""
    values, object_id = _values(body)
    return group_document(await services.directory.groups.create(values, object_id=object_id))


@router.get("/groups/{group}", response_model=GroupDocument, responses=_READ, summary="Show")
async def get_group(services: ServicesDep, group: GroupKey) -> dict[str, Any]:
    """One group with its attributes and direct members."""
    return group_document(await services.directory.groups.get(group))


@router.patch("/groups/{group}", response_model=GroupDocument, responses=_WRITE, summary="Change")
async def update_group(
    services: ServicesDep,
    group: GroupKey,
    body: GroupWrite,  # type: ignore[valid-type]
    override_source: Override = False,
) -> dict[str, Any]:
    """Change the attributes given; null clears one."""
    values, object_id = _values(body)
    if object_id is not None:
        raise ConfigError("objectId cannot change; leave it out of the body")
    changed = await services.directory.groups.update(group, values, override_source=override_source)
    return group_document(changed)


@router.delete("/groups/{group}", response_model=DeletedObject, responses=_WRITE, summary="Delete")
async def delete_group(
    services: ServicesDep, group: GroupKey, hard: Hard = False, override_source: Override = False
) -> dict[str, Any]:
    """Soft-delete a group (restorable within the window), or hard-delete it."""
    found = await services.directory.groups.get(group)
    await services.directory.groups.delete(
        found.object_id, hard=hard, override_source=override_source
    )
    return {
        "objectId": found.object_id,
        "displayName": found.display_name,
        "deleted": "hard" if hard else "soft",
    }


@router.post(
    "/groups/{group}/restore", response_model=GroupDocument, responses=_WRITE, summary="Restore"
)
async def restore_group(
    services: ServicesDep, group: GroupKey, override_source: Override = False
) -> dict[str, Any]:
    """Bring a soft-deleted group back with its members."""
    return group_document(
        await services.directory.groups.restore(group, override_source=override_source)
    )


@router.post(
    "/groups/{group}/members", response_model=GroupDocument, responses=_WRITE, summary="Add members"
)
async def add_members(
    services: ServicesDep, group: GroupKey, body: MemberList, override_source: Override = False
) -> dict[str, Any]:
    """Add direct members; nested groups are stored as members, never expanded."""
    changed, count = await services.directory.groups.add_members(
        group, body.members, override_source=override_source
    )
    return group_document(changed, added=count)


@router.delete(
    "/groups/{group}/members/{member}",
    response_model=GroupDocument,
    responses=_WRITE,
    summary="Remove a member",
)
async def remove_member(
    services: ServicesDep,
    group: GroupKey,
    member: Annotated[str, Path(description="The member's objectId, UPN or group name.")],
    override_source: Override = False,
) -> dict[str, Any]:
    """Remove one direct member (a name that is not a member changes nothing)."""
    changed, count = await services.directory.groups.remove_members(
        group, [member], override_source=override_source
    )
    return group_document(changed, removed=count)


@router.post(
    "/import",
    response_model=ImportReport,
    responses=problem_responses(422),
    openapi_extra={"requestBody": {"required": True, "content": _IMPORT_MEDIA}},
    summary="Import users, groups and members",
)
async def import_directory(
    services: ServicesDep,
    request: Request,
    partial: Annotated[bool, Query(description="Write the valid rows; report the rest.")] = False,
) -> dict[str, Any]:
    """Create or update objects from a CSV (`text/csv`) or JSON (`application/json`) body.

    Every row is checked first; unless `partial`, nothing is written if any row is invalid.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    formats = {"text/csv": "csv", "application/json": "json"}
    if media not in formats:
        raise ConfigError(
            f"Content-Type {media or '(none)'!r}: send the file as text/csv or application/json"
        )
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError("the file is not UTF-8 text; save it as UTF-8 and send it again") from exc
    report = await services.directory.import_text(text, formats[media], partial=partial)
    return report.to_dict()


@router.get("/export", response_model=DirectoryExport, summary="Export the directory")
async def export(services: ServicesDep) -> dict[str, Any]:
    """The live users and groups as a JSON document that `POST /directory/import` reads back."""
    return await export_directory(services.directory.source)


@router.get("/changes", response_model=ChangePage, summary="Read the change feed")
async def changes(
    services: ServicesDep,
    since: Annotated[int, Query(ge=0, le=2**62, description="Show changes after this number.")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Most changes to show.")] = 1000,
) -> dict[str, Any]:
    """Changes after a number (a watermark), oldest first."""
    page = await services.directory.source.read_changes(str(since), limit)
    return {
        "changes": [change.to_dict() for change in page.changes],
        "watermark": int(page.watermark),
        "hasMore": page.has_more,
    }


@router.post("/generate", response_model=ImportReport, summary="Generate a sample directory")
async def generate(
    services: ServicesDep,
    users: Annotated[int, Query(ge=0, le=100_000, description="How many users.")] = 100,
    groups: Annotated[int, Query(ge=0, le=10_000, description="How many groups.")] = 10,
    seed: Annotated[int, Query(ge=0, le=2**31, description="Same seed, same directory.")] = 0,
) -> dict[str, Any]:
    """Add a realistic sample directory (names in many scripts, managers, groups of all sizes)."""
    return (await services.directory.generate(users, groups, seed)).to_dict()


@router.post("/purge", response_model=PurgeResult, summary="Purge expired deletions")
async def purge(services: ServicesDep) -> dict[str, Any]:
    """Hard-delete objects soft-deleted longer ago than the soft-delete window."""
    result = await services.directory.purge()
    return {"users": result.users, "groups": result.groups}
