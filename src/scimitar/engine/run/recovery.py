"""Matching, creating and adopting, and what the engine does when the app answers with an error.

The connector sorts every failure into a class; the export acts on it
here, per object, and says what it did in the object's log record:

- **409 on create** (:class:`TargetConflictError`): the object exists already (another tool
  made it, or an earlier create landed though its answer was lost). The engine looks it up by
  the matching attributes, in precedence order (docs/entra.md §2.2), and adopts the one it finds:
  the
  link is written and the mapped values are sent as an update. When the lookup finds nothing
  (the app's uniqueness rule is on an attribute Scimitar does not match on) the conflict is
  unresolved: the object fails with ``SystemForCrossDomainIdentityManagementEntryConflict``.
- **A create that may have landed** (5xx other than 503, a timeout or a dropped connection,
  after the connector's retries): the engine matches again before creating again, so a lost
  answer never makes a duplicate (docs/entra.md §1.6).
- **404 on a linked object** (:class:`TargetNotFoundError`), decided by the link's history,
  kept in the link as :data:`ORIGIN_KEY`:

  * a disable of a gone object has nothing left to do: the link is removed and the record
    says so;
  * an update or enable of an object **Scimitar created** recreates it: the link is dropped,
    the object is matched again (someone may have recreated it) and created or adopted — the
    directory says it should exist, and it was Scimitar's to begin with;
  * an update or enable of an object Scimitar **adopted** (it existed in the app before) is
    reported, not recreated: the object fails with ``InvalidAnchor`` and the link is kept, so
    the admin decides — restore it in the app, or ``scimitar app restart APP --reset links``
    to match and create afresh. Links written before the history was kept count as adopted.

Other object failures (400, an unresolved 409, a mapping error) fail the object (escrowed by
the cycle); job failures (401, 403, an incompatible target) stop the cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scimitar.connector.errors import HTTPFailure, NetworkFailure, TargetUnreachableError
from scimitar.connector.retries import CREATE_RETRY_STATUSES
from scimitar.engine.core.actions import Action, Adopt, Create, Disable, Enable, Failure, Update
from scimitar.engine.core.matching import MatchAttempt, resolve_match
from scimitar.engine.core.planning import Link
from scimitar.engine.core.records import ProvisioningStep, RecordStatus, StepType
from scimitar.engine.core.steps import matching_step
from scimitar.engine.run.context import CycleContext
from scimitar.engine.run.writes import check_kept, kept_changes, note_quirk, send_update
from scimitar.engine.state.linkstore import LinkChange
from scimitar.engine.state.work import INDEXED, MEMBERS_KEY, Prepared, TargetPort
from scimitar.errors import ObjectError, RetryableError, TargetConflictError, TargetNotFoundError
from scimitar.mapping.flow import AttributeChange, CompiledMappingSet, MappingResult
from scimitar.scim.bodies import create_group_body, create_user_body, put_body

__all__ = [
    "ADOPTED",
    "CREATED",
    "ORIGIN_KEY",
    "Exported",
    "LinkedObjectGoneError",
    "UnresolvedConflictError",
    "adopt",
    "create",
    "create_body",
    "created_link",
    "is_ambiguous",
    "is_recoverable",
    "recover",
    "resolve_match_of",
    "update_object",
]

#: Where a link remembers how it began: :data:`CREATED` by Scimitar, or :data:`ADOPTED`.
ORIGIN_KEY = "__origin"
CREATED = "created"
ADOPTED = "adopted"

#: What sending one object produced: the action done, the link to write, the target id.
Exported = tuple[Action, LinkChange | None, str | None]


class UnresolvedConflictError(ObjectError):
    """The app answered 409 to a create, and matching finds no object to adopt."""

    status = 409


class LinkedObjectGoneError(TargetNotFoundError):
    """A linked object Scimitar did not create is gone from the app (``InvalidAnchor``)."""

    status = 404


def is_recoverable(error: Exception, action: Action) -> bool:
    """Whether :func:`recover` can act on ``error`` for ``action`` (else it is the object's)."""
    match action:
        case Create():
            return isinstance(error, TargetConflictError | RetryableError)
        case Update() | Enable() | Disable():
            return isinstance(error, TargetNotFoundError)
    return False


async def recover(
    ctx: CycleContext, port: TargetPort, prepared: Prepared, error: Exception
) -> Exported:
    """Act on an error the export can fix (see the module docstring); re-raise the rest.

    Raises:
        SyncError: ``error`` itself when nothing can be done, or what the recovery met.
    """
    action = prepared.action
    if not is_recoverable(error, action):
        raise error
    if isinstance(action, Create):
        if isinstance(error, TargetConflictError):
            return await _after_conflict(ctx, port, prepared, error)
        return await _after_lost_create(ctx, port, prepared, error)
    return await _after_gone(ctx, port, prepared, error)


def _note(prepared: Prepared, name: str, text: str, error: Exception) -> None:
    status = getattr(error, "status", None)
    details = {"Error": str(error)}
    if status:
        details["StatusCode"] = str(status)
    prepared.steps.append(
        ProvisioningStep(name, StepType.EXPORT, RecordStatus.WARNING, text, details)
    )


async def _after_conflict(
    ctx: CycleContext, port: TargetPort, prepared: Prepared, error: TargetConflictError
) -> Exported:
    kind = prepared.object_type
    _note(
        prepared,
        "EntryExportAdd",
        f"The app answered 409: the {kind} exists already; looking it up to adopt it",
        error,
    )
    await _match_in_app(ctx, port, prepared)
    match prepared.action:
        case Adopt(target_id=target_id):
            return await adopt(ctx, port, prepared, target_id)
        case Failure():
            return prepared.action, None, None
    values = ", ".join(a.attribute for a in _matching_values(ctx, prepared)) or "none mapped"
    raise UnresolvedConflictError(
        f"{kind} {prepared.display!r}: the app answered 409 (already exists) to its create, "
        f"but no {kind} in the app matches it on its matching attributes ({values}); find the "
        f"object holding the conflicting value in the app, then remove it or make this "
        f"{kind}'s matching attribute match it. App's answer: {error}"
    ) from error


def _matching_values(ctx: CycleContext, prepared: Prepared) -> list[MatchAttempt]:
    """The matching attributes this object has a value for (for messages)."""
    result = prepared.result
    mapping = ctx.mappings[prepared.object_type].mapping_set
    return [
        MatchAttempt(m.target, result.values[m.target])
        for m in mapping.matching_mappings
        if result is not None and result.values.get(m.target) not in (None, "")
    ]


def is_ambiguous(error: Exception) -> bool:
    """Whether the app may have acted on a create that failed this way."""
    if isinstance(error, TargetUnreachableError):
        return error.kind not in (NetworkFailure.REFUSED, NetworkFailure.DNS)
    if isinstance(error, HTTPFailure):
        return error.status not in CREATE_RETRY_STATUSES
    return False


async def _after_lost_create(
    ctx: CycleContext, port: TargetPort, prepared: Prepared, error: Exception
) -> Exported:
    if not is_ambiguous(error):
        raise error
    _note(
        prepared,
        "EntryExportAdd",
        f"The create's answer was lost ({error}); matching again before creating again",
        error,
    )
    await _match_in_app(ctx, port, prepared)
    match prepared.action:
        case Adopt(target_id=target_id):
            return await adopt(ctx, port, prepared, target_id)
        case Failure():
            return prepared.action, None, None
    body = create_body(ctx, prepared)
    created = await port.create(prepared.object_type, body)
    await _check_created(ctx, prepared, created)
    return created_link(prepared, body, str(created["id"]))


async def _after_gone(
    ctx: CycleContext, port: TargetPort, prepared: Prepared, error: Exception
) -> Exported:
    link, kind, action = prepared.link, prepared.object_type, prepared.action
    assert link is not None  # noqa: S101 - updates, enables and disables address a link
    key = (kind, prepared.source_id)
    if isinstance(action, Disable):
        _note(
            prepared,
            "EntryExportUpdateSoftDelete",
            f"The app no longer has {kind} '{link.target_id}'; nothing is left to disable, so "
            "the link is removed",
            error,
        )
        return action, (*key, None), None
    if link.last_exported.get(ORIGIN_KEY) != CREATED or prepared.attributes is None:
        raise LinkedObjectGoneError(
            f"{kind} {prepared.display!r}: the app no longer has '{link.target_id}', which "
            f"Scimitar linked to but did not create, so it is not recreated; restore it in the "
            f"app, or run `scimitar app restart APP --reset links` to match and create it afresh"
        ) from error
    _note(
        prepared,
        "EntryExportUpdate",
        f"The app no longer has {kind} '{link.target_id}', which Scimitar created; it is "
        "matched again and created anew",
        error,
    )
    mapping = ctx.mappings[kind]
    prepared.result = mapping.apply(
        prepared.scope.mapping_input(prepared.attributes), is_create=True
    )
    prepared.link = None
    await _match_in_app(ctx, port, prepared)
    match prepared.action:
        case Adopt(target_id=target_id):
            return await adopt(ctx, port, prepared, target_id)
        case Failure():
            return prepared.action, (*key, None), None
    return await create(ctx, port, prepared)


# -- matching, creating, adopting -----------------------------------------------------------


async def _match_in_app(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> None:
    """Match again, asking the app itself even where matching reads a listing index."""
    await resolve_match_of(ctx, getattr(port, "app_port", port), prepared)


async def resolve_match_of(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> None:
    """Turn a planned ``Match`` into ``Create``, ``Adopt`` or ``Failure`` (docs/entra.md §2.2)."""
    result = prepared.result
    assert result is not None  # noqa: S101 - Match is only planned for mapped objects
    mapping = ctx.mappings[prepared.object_type]
    attempts, prepared.found = await _find(ctx, port, prepared.object_type, mapping, result)
    for quirk in ctx.filters.take_news(prepared.object_type):
        note_quirk(prepared, quirk, StepType.MATCHING)
    outcome = resolve_match(attempts)
    prepared.steps.append(matching_step(prepared.object_type, outcome, attempts))
    prepared.action = outcome
    if isinstance(outcome, Create):
        prepared.changes = tuple(
            AttributeChange(p, None, v)
            for p, v in result.values.items()
            if p not in result.references
        )


async def create(ctx: CycleContext, port: TargetPort, prepared: Prepared) -> Exported:
    """Create a resolved ``Create``; a conflict or a lost answer is recovered (module doc).

    A group the app refuses to create with its members (a member it no longer holds, a
    limit of its own) is created again without them: the members then go in PATCHes, whose
    failures are the group's reference failures, as for a group created empty.
    """
    body = create_body(ctx, prepared)
    try:
        created = await port.create(prepared.object_type, body)
    except (TargetConflictError, RetryableError) as exc:
        return await recover(ctx, port, prepared, exc)
    except ObjectError as exc:
        if not prepared.members:
            raise
        _note(
            prepared,
            "EntryExportAdd",
            f"The app refused the group with {len(prepared.members)} members ({exc}); it is "
            "created without members, which follow in PATCHes",
            exc,
        )
        prepared.members = ()
        return await create(ctx, port, prepared)
    await _check_created(ctx, prepared, created)
    return created_link(prepared, body, str(created["id"]))


async def _check_created(ctx: CycleContext, prepared: Prepared, created: dict[str, Any]) -> None:
    """Learn the mapped attributes the app's answer to a create lacks (not kept)."""
    result = prepared.result
    if result is None:
        return
    sent = {p: v for p, v in result.values.items() if p not in result.references}
    await check_kept(ctx, prepared, prepared.object_type, sent, created)


async def adopt(
    ctx: CycleContext, port: TargetPort, prepared: Prepared, target_id: str
) -> Exported:
    """Link the app's object ``target_id`` and send it the mapped values that differ.

    The object exists already, so this is an update, not a create (Entra: "Default value if
    null" and "Apply this mapping: Only during object creation" apply only when the
    provisioning service creates the object): create-only targets are left as the app holds
    them and no default value fills a null.
    """
    mapping = ctx.mappings[prepared.object_type]
    if prepared.attributes is not None:
        prepared.result = mapping.apply(
            prepared.scope.mapping_input(prepared.attributes), is_create=False
        )
    result = prepared.result
    assert result is not None  # noqa: S101 - only mapped objects are matched
    current = prepared.found.get(target_id) or {}
    if not current or current.get(INDEXED):
        current = await port.get(prepared.object_type, target_id) or {}
    changes = kept_changes(
        ctx,
        prepared.object_type,
        [c for c in mapping.diff(result, current) if c.path not in result.references],
    )
    prepared.action = Adopt(target_id)
    prepared.changes = changes
    await update_object(ctx, port, prepared.object_type, target_id, changes, prepared)
    exported = {**put_body(current, changes), ORIGIN_KEY: ADOPTED}
    return (
        prepared.action,
        (prepared.object_type, prepared.source_id, Link(target_id, exported)),
        target_id,
    )


async def update_object(
    ctx: CycleContext,
    port: TargetPort,
    object_type: str,
    target_id: str,
    changes: Sequence[AttributeChange],
    prepared: Prepared,
) -> None:
    """Send ``changes`` to one object: a PATCH, or a GET then a PUT for apps without PATCH or
    refusing this one (:func:`scimitar.engine.run.writes.send_update`)."""
    await send_update(ctx, port, object_type, target_id, changes, prepared)


def created_link(prepared: Prepared, body: Mapping[str, Any], target_id: str) -> Exported:
    """The link of an object the app just created from ``body`` (its origin: created)."""
    exported = {k: v for k, v in body.items() if k != "meta"}
    exported[ORIGIN_KEY] = CREATED
    if prepared.object_type == "Group" and isinstance(body.get("members"), list):
        # The members it was created with, as the member PATCHes record them.
        exported[MEMBERS_KEY] = [str(m["value"]) for m in body["members"]]
    if prepared.manager_target is not None:
        exported["manager"] = prepared.manager_target  # as the reference phase records it
    return (
        Create(),
        (prepared.object_type, prepared.source_id, Link(target_id, exported)),
        target_id,
    )


def create_body(ctx: CycleContext, prepared: Prepared) -> dict[str, Any]:
    """The POST body of a resolved ``Create``."""
    result = prepared.result
    assert result is not None  # noqa: S101 - only mapped objects are created
    if prepared.object_type == "Group":
        resource = {k: v for k, v in result.resource.items() if k != "members"}
        return create_group_body(resource, ctx.dialect, prepared.members)
    return create_user_body(
        result.resource,
        ctx.dialect,
        references=tuple(result.references),
        manager_id=prepared.manager_target,
    )


async def _find(
    ctx: CycleContext,
    port: TargetPort,
    object_type: str,
    mapping: CompiledMappingSet,
    result: MappingResult,
) -> tuple[list[MatchAttempt], dict[str, dict[str, Any]]]:
    """Query the app with each matching attribute in precedence order (docs/entra.md §2.2).

    A filter the app is found to ignore (:mod:`scimitar.engine.run.filtercheck`) is not asked:
    the app's listing answers instead.
    """
    attempts: list[MatchAttempt] = []
    found: dict[str, dict[str, Any]] = {}
    is_indexed = getattr(port, "is_indexed", None)
    app_port: Any = port
    while getattr(app_port, "app_port", app_port) is not app_port:
        app_port = app_port.app_port  # through the listing and batching layers to the app
    for matching in mapping.matching_mappings:
        value = result.values.get(matching.target)
        if value is None or value == "":
            continue
        listing = None
        if not (is_indexed is not None and is_indexed(object_type)):
            listing = await ctx.filters.index_for(app_port, object_type, matching.target, mapping)
        if listing is not None:
            hits = listing.find(matching.target, str(value))
        else:
            hits = await port.find(object_type, matching.target, str(value))
        ids = tuple(str(hit["id"]) for hit in hits if "id" in hit)
        found.update((str(hit["id"]), hit) for hit in hits if "id" in hit)
        attempts.append(MatchAttempt(matching.target, str(value), ids))
        if ids:
            break
    return attempts, found
