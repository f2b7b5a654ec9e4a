"""One object through the pipeline: import → scope → plan (pure), then match and export (I/O).

:func:`prepare_user` and :func:`prepare_group` decide without touching the network, so a page
can be counted for accidental deletions before anything is sent; :func:`execute` then sends
what was decided and returns the link to save and the log record to write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from scimitar.connector.dialects import (
    create_group_body,
    create_user_body,
    disable_body,
    patch_body,
    put_body,
)
from scimitar.directory.model import Group, User
from scimitar.directory.source import ChangeKind
from scimitar.engine.actions import (
    Action,
    Adopt,
    Create,
    Delete,
    Disable,
    Enable,
    Failure,
    Match,
    Skip,
    StagedDelete,
    Update,
)
from scimitar.engine.context import CycleContext
from scimitar.engine.linkstore import LinkChange
from scimitar.engine.matching import MatchAttempt, resolve_match
from scimitar.engine.outcomes import failed, succeeded
from scimitar.engine.planning import Link, PlanInput, link_after, plan
from scimitar.engine.records import (
    ErrorCode,
)
from scimitar.engine.scope import (
    ScopeResult,
    evaluate_group_scope,
    evaluate_user_scope,
    hard_deleted_scope,
)
from scimitar.engine.steps import (
    decision_step,
    import_step,
    matching_step,
    scoping_step,
)
from scimitar.engine.work import INDEXED, Outcome, Prepared, TargetPort
from scimitar.errors import JobError, ObjectError, SyncError
from scimitar.mapping.flow import AttributeChange, CompiledMappingSet, MappingResult

__all__ = [
    "INDEXED",
    "Outcome",
    "Prepared",
    "TargetPort",
    "create_body",
    "created_link",
    "execute",
    "failed",
    "prepare_group",
    "prepare_user",
    "resolve_match_of",
    "succeeded",
]


def _mapped(
    mapping: CompiledMappingSet,
    scope: ScopeResult,
    attributes: Mapping[str, Any],
    link: Link | None,
) -> tuple[MappingResult, tuple[AttributeChange, ...]]:
    result = mapping.apply(scope.mapping_input(attributes), is_create=link is None)
    if link is None:
        return result, ()
    changes = tuple(
        c for c in mapping.diff(result, link.last_exported) if c.path not in result.references
    )
    return result, changes


def _has_matching_value(mapping: CompiledMappingSet, result: MappingResult | None) -> bool:
    if result is None:
        return True
    return any(m.target in result.values for m in mapping.mapping_set.matching_mappings)


def _prepare(
    ctx: CycleContext,
    object_type: str,
    source_id: str,
    display: str,
    scope: ScopeResult,
    attributes: Mapping[str, Any] | None,
    link: Link | None,
    change: ChangeKind | None,
    change_id: str,
) -> Prepared:
    mapping = ctx.mappings[object_type]
    steps = [import_step(object_type, display, change), scoping_step(object_type, scope)]
    result: MappingResult | None = None
    changes: tuple[AttributeChange, ...] = ()
    action: Action
    try:
        if attributes is not None and scope.is_in_scope:
            result, changes = _mapped(mapping, scope, attributes, link)
        subject = PlanInput(scope, link, changes, change, _has_matching_value(mapping, result))
        action = plan(subject, ctx.plan_settings[object_type])
    except ObjectError as exc:
        action = Failure(ErrorCode.BAD_REQUEST.value, str(exc))
    return Prepared(
        object_type,
        source_id,
        display,
        change,
        change_id,
        scope,
        link,
        action,
        result,
        changes,
        steps,
    )


def _gone_display(ctx: CycleContext, object_type: str, source_id: str, link: Link | None) -> str:
    """A hard-deleted object's name in the log, so ``scimitar logs --user NAME`` finds it.

    The source no longer has the object: its matching value as last sent, else its id.
    """
    if link is not None:
        for matching in ctx.mappings[object_type].mapping_set.matching_mappings:
            value = link.last_exported.get(matching.target)
            if value:
                return str(value)
    return source_id


def prepare_user(
    ctx: CycleContext,
    source_id: str,
    user: User | None,
    link: Link | None,
    change: ChangeKind | None,
    change_id: str,
) -> Prepared:
    """Scope, map and plan one user (spec §2.1, §2.4); no I/O."""
    if user is None:
        return _prepare(
            ctx,
            "User",
            source_id,
            _gone_display(ctx, "User", source_id, link),
            hard_deleted_scope(),
            None,
            link,
            ChangeKind.HARD_DELETED,
            change_id,
        )
    attributes = user.to_attributes()
    display = str(attributes.get("userPrincipalName") or source_id)
    scope = evaluate_user_scope(
        attributes,
        setting=ctx.setting,
        assignments=ctx.assignments_of(source_id),
        scoping_filters=ctx.mappings["User"].mapping_set.scoping_filters,
        is_default_access_excluded=ctx.is_default_access_excluded,
    )
    return _prepare(ctx, "User", source_id, display, scope, attributes, link, change, change_id)


def prepare_group(
    ctx: CycleContext,
    source_id: str,
    group: Group | None,
    link: Link | None,
    change: ChangeKind | None,
    change_id: str,
) -> Prepared:
    """Scope, map and plan one group; no I/O."""
    if group is None:
        return _prepare(
            ctx,
            "Group",
            source_id,
            _gone_display(ctx, "Group", source_id, link),
            hard_deleted_scope(),
            None,
            link,
            ChangeKind.HARD_DELETED,
            change_id,
        )
    attributes = {
        **group.attributes,
        "objectId": group.object_id,
        "isSoftDeleted": group.deleted_at is not None,
    }
    display = str(attributes.get("displayName") or source_id)
    scope = evaluate_group_scope(
        attributes,
        setting=ctx.setting,
        is_assigned=source_id in ctx.assigned_groups,
        scoping_filters=ctx.mappings["Group"].mapping_set.scoping_filters,
    )
    return _prepare(ctx, "Group", source_id, display, scope, attributes, link, change, change_id)


async def execute(
    ctx: CycleContext,
    port: TargetPort,
    prepared: Prepared,
    cycle_id: str,
    now: datetime,
    *,
    decided: bool = False,
) -> Outcome:
    """Send what was decided for one object; failures of the object become failure records.

    Raises:
        JobError: The app refuses the job as a whole (credentials, TLS, incompatible): the
            cycle stops.
    """
    if not decided:
        prepared.steps.append(decision_step(prepared.object_type, prepared.action))
    try:
        action, link_change, target_id = await _send(ctx, port, prepared)
    except JobError:
        raise
    except SyncError as exc:
        return failed(prepared, ctx.app_id, cycle_id, now, exc)
    return succeeded(prepared, ctx.app_id, cycle_id, now, action, link_change, target_id)


async def _send(
    ctx: CycleContext, port: TargetPort, prepared: Prepared
) -> tuple[Action, LinkChange | None, str | None]:
    action, link = prepared.action, prepared.link
    key = (prepared.object_type, prepared.source_id)
    match action:
        case Skip() | StagedDelete() | Failure():
            return action, None, link.target_id if link else None
        case Match():
            return await _match_and_export(ctx, port, prepared)
        case Create() | Adopt():
            return await _export_resolved(ctx, port, prepared)
        case Delete(target_id=target_id):
            await _delete(port, prepared.object_type, target_id)
            return action, (*key, None), target_id
        case Disable(target_id=target_id):
            await port.patch(prepared.object_type, target_id, disable_body(ctx.dialect))
        case Enable(target_id=target_id):
            await _update(ctx, port, prepared.object_type, target_id, action.body_changes, prepared)
        case Update():
            assert link is not None  # noqa: S101 - plan() only updates linked objects
            await _update(ctx, port, prepared.object_type, link.target_id, action.changes, prepared)
    new_link = link_after(action, link)
    return action, (*key, new_link), new_link.target_id if new_link else None


async def _delete(port: TargetPort, object_type: str, target_id: str) -> None:
    try:
        await port.delete(object_type, target_id)
    except SyncError as exc:
        if getattr(exc, "status", None) != 404:
            raise


async def _update(
    ctx: CycleContext,
    port: TargetPort,
    object_type: str,
    target_id: str,
    changes: Sequence[AttributeChange],
    prepared: Prepared,
) -> None:
    if not changes:
        return
    if ctx.options.update_method.value.upper() == "PUT":
        current = await port.get(object_type, target_id) or {}
        await port.put(object_type, target_id, put_body(current, changes))
        return
    assertive = prepared.result.assertive if prepared.result else frozenset()
    await port.patch(object_type, target_id, patch_body(changes, ctx.dialect, assertive=assertive))


async def resolve_match_of(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> None:
    """Turn a planned ``Match`` into ``Create``, ``Adopt`` or ``Failure`` (spec §2.2)."""
    result = prepared.result
    assert result is not None  # noqa: S101 - Match is only planned for mapped objects
    mapping = ctx.mappings[prepared.object_type]
    attempts, prepared.found = await _find(port, prepared.object_type, mapping, result)
    outcome = resolve_match(attempts)
    prepared.steps.append(matching_step(prepared.object_type, outcome, attempts))
    prepared.action = outcome
    if isinstance(outcome, Create):
        prepared.changes = tuple(
            AttributeChange(p, None, v)
            for p, v in result.values.items()
            if p not in result.references
        )


async def _match_and_export(
    ctx: CycleContext, port: TargetPort, prepared: Prepared
) -> tuple[Action, LinkChange | None, str | None]:
    await resolve_match_of(ctx, port, prepared)
    return await _export_resolved(ctx, port, prepared)


async def _export_resolved(
    ctx: CycleContext, port: TargetPort, prepared: Prepared
) -> tuple[Action, LinkChange | None, str | None]:
    """Send a resolved match: adopt the found object, or create a new one."""
    result, outcome = prepared.result, prepared.action
    assert result is not None  # noqa: S101 - only mapped objects are matched
    mapping = ctx.mappings[prepared.object_type]
    key = (prepared.object_type, prepared.source_id)
    match outcome:
        case Adopt(target_id=target_id):
            current = prepared.found.get(target_id) or {}
            if not current or current.get(INDEXED):
                current = await port.get(prepared.object_type, target_id) or {}
            changes = tuple(
                c for c in mapping.diff(result, current) if c.path not in result.references
            )
            prepared.changes = changes
            await _update(ctx, port, prepared.object_type, target_id, changes, prepared)
            exported = put_body(current, changes)
            return outcome, (*key, Link(target_id, exported)), target_id
        case Create():
            body = create_body(ctx, prepared)
            created = await port.create(prepared.object_type, body)
            return created_link(prepared, body, str(created["id"]))
    return outcome, None, None


def created_link(
    prepared: Prepared, body: dict[str, Any], target_id: str
) -> tuple[Action, LinkChange | None, str | None]:
    """The link of an object the app just created from ``body``."""
    exported = {k: v for k, v in body.items() if k != "meta"}
    return (
        Create(),
        (prepared.object_type, prepared.source_id, Link(target_id, exported)),
        target_id,
    )


def create_body(ctx: CycleContext, prepared: Prepared) -> dict[str, Any]:
    """The POST body of a resolved ``Create``."""
    assert prepared.result is not None  # noqa: S101 - only mapped objects are created
    return _create_body(ctx, prepared.object_type, prepared.result)


def _create_body(ctx: CycleContext, object_type: str, result: MappingResult) -> dict[str, Any]:
    if object_type == "Group":
        resource = {k: v for k, v in result.resource.items() if k != "members"}
        return create_group_body(resource, ctx.dialect)
    return create_user_body(result.resource, ctx.dialect, references=tuple(result.references))


async def _find(
    port: TargetPort, object_type: str, mapping: CompiledMappingSet, result: MappingResult
) -> tuple[list[MatchAttempt], dict[str, dict[str, Any]]]:
    """Query the app with each matching attribute in precedence order (spec §2.2)."""
    attempts: list[MatchAttempt] = []
    found: dict[str, dict[str, Any]] = {}
    for matching in mapping.mapping_set.matching_mappings:
        value = result.values.get(matching.target)
        if value is None or value == "":
            continue
        hits = await port.find(object_type, matching.target, str(value))
        ids = tuple(str(hit["id"]) for hit in hits if "id" in hit)
        found.update((str(hit["id"]), hit) for hit in hits if "id" in hit)
        attempts.append(MatchAttempt(matching.target, str(value), ids))
        if ids:
            break
    return attempts, found
