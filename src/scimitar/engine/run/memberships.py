"""References after objects exist: group members and the manager (docs/entra.md §1.7, §2.7).

Members and managers point at *target* ids, which exist only once the referenced object has
been provisioned; so they are sent after users and groups, resolved through the links.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from scimitar.directory.model import Group, ObjectType
from scimitar.directory.source import SourceDirectory
from scimitar.engine.core.planning import Link
from scimitar.engine.core.records import (
    ErrorInformation,
    ModifiedProperty,
    ProvisionedIdentity,
    ProvisioningAction,
    ProvisioningRecord,
    ProvisioningStep,
    RecordStatus,
    StepType,
    new_record_id,
)
from scimitar.engine.core.references import member_delta
from scimitar.engine.run.context import CycleContext
from scimitar.engine.run.memberpatches import MemberPatches, send_member_patches
from scimitar.engine.run.objects import Outcome, TargetPort, prepare_user
from scimitar.engine.run.outcomes import error_code_of
from scimitar.engine.run.runstate import first
from scimitar.engine.state.work import MEMBERS_KEY
from scimitar.errors import JobError, SyncError
from scimitar.scim.dialects import manager_body, member_patch_bodies

__all__ = [
    "MEMBERS_KEY",
    "export_manager",
    "export_member_subset",
    "export_member_subsets",
    "export_members",
    "manager_path",
    "managers_from_directory",
]


def manager_path(ctx: CycleContext) -> str | None:
    """The user mapping's reference target (the manager), if the job maps one."""
    mapping = ctx.mappings.get("User")
    if mapping is None:
        return None
    for item in mapping.mapping_set.mappings:
        if item.target_type.value.lower() == "reference":
            return item.target
    return None


def _record(
    ctx: CycleContext,
    cycle_id: str,
    now: datetime,
    object_type: str,
    source_id: str,
    display: str,
    target_id: str,
    change: ModifiedProperty,
    error: SyncError | None,
    started: float,
) -> ProvisioningRecord:
    status = RecordStatus.FAILURE if error else RecordStatus.SUCCESS
    step = ProvisioningStep(
        "EntryExportUpdate",
        StepType.REFERENCE_RESOLUTION,
        status,
        str(error) if error else f"{object_type} references were updated in the app",
    )
    info = None
    if error is not None:
        # A member PATCH answered 404 addresses the linked group: InvalidAnchor (docs/entra.md
        # §1.8).
        info = ErrorInformation.for_code(error_code_of(error, is_linked=True), str(error))
    return ProvisioningRecord(
        id=new_record_id(),
        activity_date_time=now,
        job_id=ctx.app_id,
        cycle_id=cycle_id,
        change_id=f"{cycle_id}:{source_id}:refs",
        action=ProvisioningAction.UPDATE,
        status=status,
        source_identity=ProvisionedIdentity(source_id, display, object_type),
        target_identity=ProvisionedIdentity(target_id, display, object_type),
        steps=(step,),
        modified_properties=(change,),
        error=info,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


async def export_members(
    ctx: CycleContext,
    port: TargetPort,
    cycle_id: str,
    now: datetime,
    groups: Sequence[tuple[Group, Link]],
    user_targets: Mapping[str, str],
) -> list[Outcome]:
    """Bring each linked, in-scope group's members in line with the source (users only).

    The groups' PATCHes go out together (:func:`send_member_patches`: in Bulk requests where
    the app takes them); the port bounds how many requests are in flight. A group's link
    records the members it was sent only when every one of its PATCHes succeeded.
    """
    started = time.monotonic()
    plans: list[tuple[str, str, Link, list[str], ModifiedProperty, MemberPatches]] = []
    cap = ctx.options.group_members_max_per_request
    for group, link in groups:
        members = [m.object_id for m in group.members if m.object_type is ObjectType.USER]
        exported = link.last_exported.get(MEMBERS_KEY) or ()
        delta = member_delta(members, user_targets, exported)
        if not delta.added and not delta.removed:
            continue
        desired = [user_targets[m] for m in members if m in user_targets]
        change = ModifiedProperty("members", f"-{len(delta.removed)}", f"+{len(delta.added)}")
        # Adds in id order: an app that indexes memberships by member id (the embedded
        # target does) then inserts them in key order, about twice as fast as at random.
        bodies = member_patch_bodies(sorted(delta.added), delta.removed, ctx.dialect, cap)
        name = str(group.attributes.get("displayName") or group.object_id)
        plans.append(
            (group.object_id, name, link, desired, change, MemberPatches(link.target_id, bodies))
        )
    errors = await send_member_patches(ctx.options, port, [plan[-1] for plan in plans])
    return [
        _member_outcome(ctx, cycle_id, now, group_id, name, link, desired, change, error, started)
        for (group_id, name, link, desired, change, _), error in zip(plans, errors, strict=True)
    ]


def _member_outcome(
    ctx: CycleContext,
    cycle_id: str,
    now: datetime,
    group_id: str,
    name: str,
    link: Link,
    desired: list[str],
    change: ModifiedProperty,
    error: SyncError | None,
    started: float,
) -> Outcome:
    """A group's outcome: its link records ``desired`` as sent, unless a PATCH failed."""
    new_link = (
        None
        if error
        else Link(link.target_id, {**link.last_exported, MEMBERS_KEY: desired}, link.disabled)
    )
    record = _record(
        ctx, cycle_id, now, "Group", group_id, name, link.target_id, change, error, started
    )
    return Outcome(
        "Group",
        group_id,
        "failure" if error else "update",
        ("Group", group_id, new_link) if new_link else None,
        record,
    )


async def export_member_subsets(
    ctx: CycleContext,
    port: TargetPort,
    cycle_id: str,
    now: datetime,
    groups: Sequence[tuple[str, Link, Sequence[str]]],
    user_links: Mapping[str, Link],
) -> list[Outcome]:
    """Fix groups' membership of a few changed users, without reading the whole groups.

    ``groups`` holds each group's id, link and the changed users who are (still) direct
    members of it in the directory; each belongs in the app's group when its own link is
    enabled (in scope), and must leave it when it is not. Members who left a group arrive
    through the change feed and are handled with the group itself.
    """
    started = time.monotonic()
    plans: list[tuple[str, str, Link, list[str], ModifiedProperty, MemberPatches]] = []
    cap = ctx.options.group_members_max_per_request
    for group_id, link, members in groups:
        exported = list(link.last_exported.get(MEMBERS_KEY) or [])
        added, removed = _subset_delta(exported, members, user_links)
        if not added and not removed:
            continue
        gone = set(removed)
        desired = [m for m in exported if m not in gone] + added
        name = str(link.last_exported.get("displayName") or group_id)
        change = ModifiedProperty("members", f"-{len(removed)}", f"+{len(added)}")
        bodies = member_patch_bodies(added, removed, ctx.dialect, cap)
        plans.append((group_id, name, link, desired, change, MemberPatches(link.target_id, bodies)))
    errors = await send_member_patches(ctx.options, port, [plan[-1] for plan in plans])
    return [
        _member_outcome(ctx, cycle_id, now, group_id, name, link, desired, change, error, started)
        for (group_id, name, link, desired, change, _), error in zip(plans, errors, strict=True)
    ]


async def export_member_subset(
    ctx: CycleContext,
    port: TargetPort,
    cycle_id: str,
    now: datetime,
    group_id: str,
    link: Link,
    members: Sequence[str],
    user_links: Mapping[str, Link],
) -> Outcome | None:
    """:func:`export_member_subsets` for one group; ``None`` when nothing needed sending."""
    outcomes = await export_member_subsets(
        ctx, port, cycle_id, now, [(group_id, link, members)], user_links
    )
    return outcomes[0] if outcomes else None


def _subset_delta(
    exported: Sequence[str], members: Sequence[str], user_links: Mapping[str, Link]
) -> tuple[list[str], list[str]]:
    present = set(exported)
    added: list[str] = []
    removed: list[str] = []
    for member in members:
        user = user_links.get(member)
        if user is None:
            continue
        if user.disabled is None and user.target_id not in present:
            added.append(user.target_id)
        elif user.disabled is not None and user.target_id in present:
            removed.append(user.target_id)
    return added, removed


async def managers_from_directory(
    ctx: CycleContext, directory: SourceDirectory, page_size: int
) -> list[tuple[str, str, str | None]]:
    """Every user's manager reference as the mapping gives it: (id, UPN, manager source id)."""
    path = manager_path(ctx)
    found: list[tuple[str, str, str | None]] = []
    cursor: str | None = None
    while path is not None:
        page = await directory.read_users(cursor, page_size)
        for user in page.items:
            prepared = prepare_user(ctx, user.object_id, user, None, None, "")
            if prepared.result is not None:
                upn = str(user.attributes.get("userPrincipalName") or user.object_id)
                found.append((user.object_id, upn, first(prepared.result.references.get(path))))
        cursor = page.cursor
        if cursor is None:
            break
    return found


def _current_manager(value: Any) -> str | None:
    if isinstance(value, Mapping):
        inner = value.get("value")
        return str(inner) if inner else None
    return str(value) if value else None


async def export_manager(
    ctx: CycleContext,
    port: TargetPort,
    cycle_id: str,
    now: datetime,
    users: Sequence[tuple[str, str, Link, str | None]],
    user_targets: Mapping[str, str],
) -> list[Outcome]:
    """Set, change or clear each user's manager (``users``: id, UPN, link, manager source id).

    A manager not provisioned yet is left for a later cycle (docs/entra.md §2.7).
    """
    path = manager_path(ctx)
    if path is None:
        return []
    done = await asyncio.gather(
        *(_manager(ctx, port, cycle_id, now, path, user, user_targets) for user in users)
    )
    return [outcome for outcome in done if outcome is not None]


async def _manager(
    ctx: CycleContext,
    port: TargetPort,
    cycle_id: str,
    now: datetime,
    path: str,
    user: tuple[str, str, Link, str | None],
    user_targets: Mapping[str, str],
) -> Outcome | None:
    source_id, display, link, manager_source = user
    started = time.monotonic()
    wanted = user_targets.get(manager_source) if manager_source else None
    if manager_source and wanted is None:
        return None
    current = _current_manager(link.last_exported.get("manager"))
    body = manager_body(wanted, ctx.dialect, current=current, path=path)
    if body is None:
        return None
    error: SyncError | None = None
    try:
        await port.patch("User", link.target_id, body)
    except JobError:
        raise
    except SyncError as exc:
        error = exc
    exported = {**link.last_exported, "manager": wanted}
    new_link = None if error else Link(link.target_id, exported, link.disabled)
    change = ModifiedProperty(path, current, wanted)
    record = _record(
        ctx, cycle_id, now, "User", source_id, display, link.target_id, change, error, started
    )
    return Outcome(
        "User",
        source_id,
        "failure" if error else "update",
        ("User", source_id, new_link) if new_link else None,
        record,
    )
