"""One object through the pipeline: import → scope → plan (pure), then match and export (I/O).

:func:`prepare_user` and :func:`prepare_group` decide without touching the network, so a page
can be counted for accidental deletions before anything is sent; :func:`execute` then sends
what was decided and returns the link to save and the log record to write.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from datetime import datetime
from typing import Any

from scimitar.directory.model import Group, User
from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import (
    Action,
    Adopt,
    Create,
    Delete,
    Disable,
    Enable,
    Failure,
    Match,
    Skip,
    SkipReason,
    StagedDelete,
    Update,
)
from scimitar.engine.core.planning import Link, PlanInput, link_after, plan
from scimitar.engine.core.records import (
    ErrorCode,
)
from scimitar.engine.core.scope import (
    ScopeResult,
    evaluate_group_scope,
    evaluate_user_scope,
    hard_deleted_scope,
)
from scimitar.engine.core.steps import (
    decision_step,
    import_step,
    scoping_step,
)
from scimitar.engine.run.context import CycleContext
from scimitar.engine.run.outcomes import failed, succeeded
from scimitar.engine.run.recovery import (
    Exported,
    adopt,
    create,
    create_body,
    created_link,
    is_ambiguous,
    is_recoverable,
    recover,
    resolve_match_of,
    update_object,
)
from scimitar.engine.run.writes import kept_changes
from scimitar.engine.state.work import INDEXED, Outcome, Prepared, TargetPort
from scimitar.errors import JobError, ObjectError, RetryableError, SyncError
from scimitar.mapping.flow import AttributeChange, CompiledMappingSet, MappingResult

__all__ = [
    "INDEXED",
    "Outcome",
    "Prepared",
    "TargetPort",
    "create_body",
    "created_link",
    "execute",
    "execute_again",
    "failed",
    "is_settled_revisit",
    "prepare_group",
    "prepare_user",
    "resolve_match_of",
    "succeeded",
]


#: A soft delete: ``active`` true → false (what ``disable_body`` sends).
_DISABLE = (AttributeChange("active", True, False),)


def _mapped(
    ctx: CycleContext,
    object_type: str,
    mapping: CompiledMappingSet,
    scope: ScopeResult,
    attributes: Mapping[str, Any],
    link: Link | None,
) -> tuple[MappingResult, tuple[AttributeChange, ...]]:
    result = mapping.apply(scope.mapping_input(attributes), is_create=link is None)
    if link is None:
        return result, ()
    changes = kept_changes(
        ctx,
        object_type,
        [c for c in mapping.diff(result, link.last_exported) if c.path not in result.references],
    )
    return result, changes


def _has_matching_value(mapping: CompiledMappingSet, result: MappingResult | None) -> bool:
    if result is None:
        return True
    return any(m.target in result.values for m in mapping.matching_mappings)


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
    steps = [
        import_step(object_type, display, change),
        scoping_step(object_type, scope, ctx.caches.scoping_steps),
    ]
    result: MappingResult | None = None
    changes: tuple[AttributeChange, ...] = ()
    action: Action
    try:
        if attributes is not None and scope.is_in_scope:
            result, changes = _mapped(ctx, object_type, mapping, scope, attributes, link)
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
        attributes=attributes if scope.is_in_scope else None,
    )


def _gone_display(ctx: CycleContext, object_type: str, source_id: str, link: Link | None) -> str:
    """A hard-deleted object's name in the log, so ``scimitar logs --user NAME`` finds it.

    The source no longer has the object: its matching value as last sent, else its id.
    """
    if link is not None:
        for matching in ctx.mappings[object_type].matching_mappings:
            value = link.last_exported.get(matching.target)
            if value:
                return str(value)
    return source_id


def is_settled_revisit(prepared: Prepared) -> bool:
    """An object taken up again with no directory change, already disabled and still out of
    scope: there is nothing to send and nothing new to log.

    Incremental cycles take up users whose entitlement may have changed (assignments, escrow
    retries); one disabled for leaving scope that still fails a scoping filter would
    otherwise log the same skip every cycle.
    """
    action, link = prepared.action, prepared.link
    return (
        prepared.change is None
        and isinstance(action, Skip)
        and action.reason is SkipReason.REDUNDANT_EXPORT
        and link is not None
        and link.disabled is not None
        and not prepared.scope.is_in_scope
    )


def prepare_user(
    ctx: CycleContext,
    source_id: str,
    user: User | None,
    link: Link | None,
    change: ChangeKind | None,
    change_id: str,
) -> Prepared:
    """Scope, map and plan one user (docs/entra.md §2.1, §2.4); no I/O."""
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
    name = attributes.get("displayName")
    scope = evaluate_user_scope(
        attributes,
        setting=ctx.setting,
        assignments=ctx.assignments_of(source_id),
        scoping_filters=ctx.mappings["User"].mapping_set.scoping_filters,
        is_default_access_excluded=ctx.is_default_access_excluded,
        shared=ctx.caches.scopes,
    )
    prepared = _prepare(ctx, "User", source_id, display, scope, attributes, link, change, change_id)
    prepared.display_name = str(name) if name else None
    return prepared


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
    return await _outcome(ctx, prepared, cycle_id, now, _send(ctx, port, prepared))


async def execute_again(
    ctx: CycleContext,
    port: TargetPort,
    prepared: Prepared,
    error: SyncError,
    cycle_id: str,
    now: datetime,
) -> Outcome:
    """One object whose operation in a Bulk request failed with ``error``, handled on its own.

    What the export can fix is recovered (:func:`~scimitar.engine.run.recovery.recover`); an
    update, disable or delete that was not run or hit a transient failure is sent again on
    its own (the connector retries it); anything else fails the object.

    Raises:
        JobError: The app refuses the job as a whole: the cycle stops.
    """
    if isinstance(error, JobError):
        raise error
    is_create = isinstance(prepared.action, Create)
    if isinstance(error, RetryableError) and not (is_create and is_ambiguous(error)):
        return await _outcome(ctx, prepared, cycle_id, now, _send(ctx, port, prepared))
    if is_recoverable(error, prepared.action):
        return await _outcome(ctx, prepared, cycle_id, now, recover(ctx, port, prepared, error))
    return failed(prepared, ctx.app_id, cycle_id, now, error)


async def _outcome(
    ctx: CycleContext,
    prepared: Prepared,
    cycle_id: str,
    now: datetime,
    sending: Coroutine[Any, Any, Exported],
) -> Outcome:
    try:
        action, link_change, target_id = await sending
    except JobError:
        raise
    except SyncError as exc:
        return failed(prepared, ctx.app_id, cycle_id, now, exc)
    return succeeded(prepared, ctx.app_id, cycle_id, now, action, link_change, target_id)


async def _send(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> Exported:
    try:
        return await _dispatch(ctx, port, prepared)
    except SyncError as exc:
        if is_recoverable(exc, prepared.action):
            return await recover(ctx, port, prepared, exc)
        raise


async def _dispatch(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> Exported:
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
            # ``active`` false, as disable_body phrases it; through update_object so an app
            # refusing the PATCH gets a PUT (docs/provisioning.md).
            await update_object(ctx, port, prepared.object_type, target_id, _DISABLE, prepared)
        case Enable(target_id=target_id):
            await update_object(
                ctx, port, prepared.object_type, target_id, action.body_changes, prepared
            )
        case Update():
            assert link is not None  # noqa: S101 - plan() only updates linked objects
            await update_object(
                ctx, port, prepared.object_type, link.target_id, action.changes, prepared
            )
    new_link = link_after(action, link)
    return action, (*key, new_link), new_link.target_id if new_link else None


async def _delete(port: TargetPort, object_type: str, target_id: str) -> None:
    try:
        await port.delete(object_type, target_id)
    except SyncError as exc:
        if getattr(exc, "status", None) != 404:
            raise


async def _match_and_export(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> Exported:
    await resolve_match_of(ctx, port, prepared)
    return await _export_resolved(ctx, port, prepared)


async def _export_resolved(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> Exported:
    """Send a resolved match: adopt the found object, or create a new one."""
    match prepared.action:
        case Adopt(target_id=target_id):
            return await adopt(ctx, port, prepared, target_id)
        case Create():
            return await create(ctx, port, prepared)
    return prepared.action, None, None
