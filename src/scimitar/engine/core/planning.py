"""The decision per object: which action, given source, scope, link and settings (docs/entra.md
§2.4).

:func:`plan` is total — every input yields exactly one :data:`~scimitar.engine.core.actions.Action`
— and idempotent: apply the action (:func:`link_after`), plan again, and the answer is a
:class:`~scimitar.engine.core.actions.Skip`. The deprovisioning table it follows (default ``scim``
job, ``active`` mapped from ``IsSoftDeleted``):

=============================================  ================================================
Source event                                   Target request
=============================================  ================================================
unassigned (directly or via group)             PATCH active=false; no longer managed after it
fails a scoping filter (was in scope)          PATCH active=false; no longer managed after it
accountEnabled=false (block sign-in)           PATCH active=false
soft-deleted (recycle bin)                     PATCH active=false
hard-deleted                                   DELETE, if Delete is enabled and still managed
restored / re-enabled / re-assigned            PATCH active=true
group leaves scope / deleted                   DELETE (``SoftDeleteMode.DELETE``)
=============================================  ================================================

Knobs: ``skip_out_of_scope_deletions`` (docs/entra.md §2.5) or no ``IsSoftDeleted`` mapping sends
nothing for the four soft events; a target that cannot soft-delete gets DELETE for them; without
the Update action disables stop too; without Delete hard deletes send nothing (docs/entra.md §2.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from scimitar.directory.source import ChangeKind
from scimitar.engine.core.actions import (
    ACTIVE_PATH,
    Action,
    Adopt,
    Create,
    Delete,
    Disable,
    DisableCause,
    Enable,
    Match,
    Skip,
    SkipReason,
    Update,
)
from scimitar.engine.core.scope import ScopeResult, ScopeRule
from scimitar.mapping.flow import AttributeChange
from scimitar.scim.bodies import put_body

__all__ = [
    "Link",
    "ObjectAction",
    "PlanInput",
    "PlanSettings",
    "SoftDeleteMode",
    "is_silent_out_of_scope",
    "link_after",
    "plan",
]


class ObjectAction(StrEnum):
    """Target object actions (docs/entra.md §2.3; Graph ``objectMapping.flowTypes``)."""

    ADD = "Add"
    UPDATE = "Update"
    DELETE = "Delete"


class SoftDeleteMode(StrEnum):
    """What the four soft events send (docs/entra.md §2.4 knobs).

    ``DISABLE``: PATCH ``active`` false (``IsSoftDeleted`` mapped; the default for users).
    ``DELETE``: DELETE (groups; targets whose ``IsSoftDeletionSupported`` is false).
    ``NONE``: nothing (no ``IsSoftDeleted`` mapping).
    """

    DISABLE = "disable"
    DELETE = "delete"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Link:
    """A source object's target object (Entra's connector data store entry, docs/entra.md §0).

    Attributes:
        target_id: The target's ``id``.
        last_exported: The resource as last sent (what the next diff compares against).
        disabled: Why Scimitar disabled the target object, or ``None`` while it is enabled.
    """

    target_id: str
    last_exported: Mapping[str, Any] = field(default_factory=dict)
    disabled: DisableCause | None = None

    @property
    def is_managed(self) -> bool:
        """False once the object left scope: a later source delete sends nothing (§2.4)."""
        return self.disabled is not DisableCause.OUT_OF_SCOPE


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """The job settings planning reads.

    Attributes:
        object_actions: Enabled target object actions (default all three).
        skip_out_of_scope_deletions: Entra's ``SkipOutOfScopeDeletions`` (docs/entra.md §2.5).
        soft_delete: What unassign, scoping, block sign-in and soft delete send.
    """

    object_actions: frozenset[ObjectAction] = frozenset(ObjectAction)
    skip_out_of_scope_deletions: bool = False
    soft_delete: SoftDeleteMode = SoftDeleteMode.DISABLE


@dataclass(frozen=True, slots=True)
class PlanInput:
    """What is known about one object when planning.

    Attributes:
        scope: The scope result (:func:`~scimitar.engine.core.scope.hard_deleted_scope` when the
            object is gone from the source).
        link: The object's link, or ``None`` when it was never provisioned (or unlinked).
        changes: The mapped values that differ from ``link.last_exported``.
        change: The change-feed kind that brought the object here (``None`` in a full read).
        has_matching_value: The object has a value for at least one matching attribute.
    """

    scope: ScopeResult
    link: Link | None = None
    changes: tuple[AttributeChange, ...] = ()
    change: ChangeKind | None = None
    has_matching_value: bool = True

    @property
    def is_hard_deleted(self) -> bool:
        """Whether the source object no longer exists."""
        return self.change is ChangeKind.HARD_DELETED or self.scope.rule is ScopeRule.HARD_DELETED


_DEFAULT_SETTINGS = PlanSettings()


def plan(subject: PlanInput, settings: PlanSettings = _DEFAULT_SETTINGS) -> Action:
    """Decide what to do with one object (docs/entra.md §2.2, §2.4, §2.5).

    Args:
        subject: The object's scope, link, pending changes and feed change kind.
        settings: The job's settings.

    Returns:
        Exactly one action: ``Match`` (then :func:`~scimitar.engine.core.matching.resolve_match`),
        ``Update``, ``Disable``, ``Enable``, ``Delete`` or ``Skip``.
    """
    if subject.is_hard_deleted:
        return _plan_hard_delete(subject.link, settings)
    if not subject.scope.is_in_scope:
        return _plan_out_of_scope(subject.scope, subject.link, settings)
    if subject.link is None:
        return _plan_new(subject, settings)
    return _plan_linked(subject.link, subject.changes, settings)


def _plan_hard_delete(link: Link | None, settings: PlanSettings) -> Action:
    if link is None:
        return Skip(SkipReason.NOT_MANAGED, "Object was never provisioned; nothing to delete.")
    if not link.is_managed:
        return Skip(
            SkipReason.NOT_MANAGED,
            "Object left the app's scope before it was deleted, so it is no longer managed "
            "and is not deleted in the app.",
        )
    if ObjectAction.DELETE not in settings.object_actions:
        return _not_enabled(ObjectAction.DELETE)
    return Delete(link.target_id)


def is_silent_out_of_scope(settings: PlanSettings) -> bool:
    """Whether a linked, enabled object that leaves scope gets no request at all.

    With SkipOutOfScopeDeletions, without an IsSoftDeleted mapping, or with the action it
    would take (update or delete) turned off, :func:`plan` skips it every time: once its skip
    is logged there is nothing more to do until it changes.
    """
    if settings.skip_out_of_scope_deletions or settings.soft_delete is SoftDeleteMode.NONE:
        return True
    needed = (
        ObjectAction.DELETE
        if settings.soft_delete is SoftDeleteMode.DELETE
        else ObjectAction.UPDATE
    )
    return needed not in settings.object_actions


def _plan_out_of_scope(scope: ScopeResult, link: Link | None, settings: PlanSettings) -> Action:
    if link is None:
        return Skip(SkipReason.NOT_EFFECTIVELY_ENTITLED, scope.reason)
    if link.disabled is not None:
        return Skip(SkipReason.REDUNDANT_EXPORT, "Object is already disabled in the app.")
    if settings.skip_out_of_scope_deletions:
        return Skip(
            SkipReason.OUT_OF_SCOPE_DELETIONS_SKIPPED,
            f"{scope.reason} SkipOutOfScopeDeletions is set, so it is not deprovisioned.",
        )
    if settings.soft_delete is SoftDeleteMode.NONE:
        return Skip(
            SkipReason.NO_SOFT_DELETE,
            f"{scope.reason} No IsSoftDeleted mapping, so nothing is sent.",
        )
    if settings.soft_delete is SoftDeleteMode.DELETE:
        if ObjectAction.DELETE not in settings.object_actions:
            return _not_enabled(ObjectAction.DELETE)
        return Delete(link.target_id)
    if ObjectAction.UPDATE not in settings.object_actions:
        return _not_enabled(ObjectAction.UPDATE)
    is_inactive = scope.rule.is_source_inactive
    cause = DisableCause.SOURCE_INACTIVE if is_inactive else DisableCause.OUT_OF_SCOPE
    return Disable(link.target_id, cause)


def _plan_new(subject: PlanInput, settings: PlanSettings) -> Action:
    if not subject.has_matching_value:
        return Skip(
            SkipReason.IMPORT_SKIPPED,
            "Object has no value for any matching attribute, so it cannot be matched or created.",
        )
    if ObjectAction.ADD not in settings.object_actions:
        return _not_enabled(ObjectAction.ADD)
    return Match()


def _plan_linked(
    link: Link, changes: tuple[AttributeChange, ...], settings: PlanSettings
) -> Action:
    if ObjectAction.UPDATE not in settings.object_actions and (changes or link.disabled):
        return _not_enabled(ObjectAction.UPDATE)
    if link.disabled is not None:
        return Enable(link.target_id, changes)
    if not changes:
        return Skip(
            SkipReason.REDUNDANT_EXPORT,
            "The state of the object in both the source and target systems already match.",
        )
    return Update(changes)


def _not_enabled(action: ObjectAction) -> Skip:
    return Skip(
        SkipReason.ACTION_NOT_ENABLED,
        f"{action.value} is not an enabled target object action for this app.",
    )


def link_after(
    action: Action,
    link: Link | None,
    *,
    target_id: str | None = None,
    exported: Mapping[str, Any] | None = None,
) -> Link | None:
    """The link once ``action`` has succeeded (what the store saves with the log record).

    Args:
        action: The action that succeeded.
        link: The link before it.
        target_id: The id the target gave a created object (``Create`` only).
        exported: The resource sent on ``Create``, or read from the target on ``Adopt``.

    Returns:
        The new link; ``None`` after a delete.

    Raises:
        ValueError: ``Create`` without ``target_id``, or a PATCH/DELETE action without a link.
    """
    match action:
        case Create():
            if target_id is None:
                raise ValueError("a created object needs the target id from the response")
            return Link(target_id, dict(exported or {}))
        case Adopt(target_id=adopted):
            return Link(adopted, dict(exported or {}))
        case Update() | Enable() | Disable() | Delete():
            return _after_export(action, _require(link))
    return link


def _after_export(action: Update | Enable | Disable | Delete, link: Link) -> Link | None:
    match action:
        case Update(changes=changes):
            return replace(link, last_exported=put_body(link.last_exported, changes))
        case Enable():
            exported = put_body(link.last_exported, action.body_changes)
            return replace(link, last_exported=exported, disabled=None)
        case Disable(cause=cause):
            disabled = AttributeChange(ACTIVE_PATH, True, False)
            return replace(
                link, last_exported=put_body(link.last_exported, [disabled]), disabled=cause
            )
    return None


def _require(link: Link | None) -> Link:
    if link is None:
        raise ValueError("this action changes a linked object, but the object has no link")
    return link
