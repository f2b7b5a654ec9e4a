"""The steps of a provisioning log record, with Entra's step names and sentences (docs/entra.md
§6.1).

Import (``EntryImport*``) → scoping (``EntrySynchronizationScoping``) → matching → the decision
(``EntrySynchronizationAdd``/``Update``/``Skip``) → the export (``EntryExportAdd``/``Update``/
``UpdateSoftDelete``/``Delete``). Each builder is a pure function of planner values.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    StagedDelete,
    Update,
)
from scimitar.engine.core.matching import MatchAttempt
from scimitar.engine.core.records import ProvisioningStep, RecordStatus, StepType
from scimitar.engine.core.scope import ScopeResult

__all__ = [
    "SCOPING_STEPS_LIMIT",
    "ScopingSteps",
    "decision_step",
    "export_step",
    "import_step",
    "matching_step",
    "scoping_step",
]

_IMPORT_KINDS = {
    ChangeKind.CREATED: "Add",
    ChangeKind.UPDATED: "Update",
    ChangeKind.SOFT_DELETED: "Delete",
    ChangeKind.HARD_DELETED: "Delete",
    ChangeKind.RESTORED: "Add",
    ChangeKind.MEMBER_ADDED: "Update",
    ChangeKind.MEMBER_REMOVED: "Update",
}


def import_step(object_type: str, display_name: str, change: ChangeKind | None) -> ProvisioningStep:
    """``EntryImport``: the object was read from the source (docs/entra.md §6.1).

    Args:
        object_type: ``User`` or ``Group``.
        display_name: How the object is named in the log.
        change: The change-feed kind, or ``None`` for a full read (initial cycle).
    """
    if change is None:
        return ProvisioningStep(
            "EntryImport",
            StepType.IMPORT,
            RecordStatus.SUCCESS,
            f"Retrieved {object_type} '{display_name}' from the source directory",
        )
    kind = _IMPORT_KINDS[change]
    return ProvisioningStep(
        f"EntryImport{kind}",
        StepType.IMPORT,
        RecordStatus.SUCCESS,
        f"Received {object_type} '{display_name}' change of type ({kind}) "
        f"from the source directory",
        {"ChangeKind": change.value},
    )


def scoping_step(
    object_type: str, scope: ScopeResult, cache: ScopingSteps | None = None
) -> ProvisioningStep:
    """``EntrySynchronizationScoping`` with Entra's details (IsActive, Assigned, ...).

    Users alike share one scope result (:func:`~scimitar.engine.core.scope.evaluate_user_scope`),
    so with the cycle's ``cache`` the step is built once per result: the cache holds the
    result itself, so its ``id`` cannot be reused while the entry lives.
    """
    if cache is None:
        return _scoping_step(object_type, scope)
    cached = cache.get(id(scope))
    if cached is not None and cached[0] is scope and cached[1] == object_type:
        return cached[2]
    step = _scoping_step(object_type, scope)
    if len(cache) >= SCOPING_STEPS_LIMIT:
        cache.clear()
    cache[id(scope)] = (scope, object_type, step)
    return step


#: Scoping steps built by a cycle, by the identity of their (shared) scope result.
ScopingSteps = dict[int, tuple[ScopeResult, str, ProvisioningStep]]
#: The most scoping steps a cycle keeps.
SCOPING_STEPS_LIMIT = 1024


def _scoping_step(object_type: str, scope: ScopeResult) -> ProvisioningStep:
    return ProvisioningStep(
        "EntrySynchronizationScoping",
        StepType.SCOPING,
        RecordStatus.SUCCESS if scope.is_in_scope else RecordStatus.SKIPPED,
        f"Determine if {object_type} in scope by evaluating against each scoping filter. "
        f"{scope.reason}",
        {**(scope.details or {}), "ScopeRule": scope.rule.value},
    )


def matching_step(
    object_type: str, outcome: Create | Adopt | Failure, attempts: Sequence[MatchAttempt]
) -> ProvisioningStep:
    """The matching step: which attribute found what (docs/entra.md §2.2)."""
    tried = ", ".join(f"{a.attribute} eq {a.value!r} ({len(a.target_ids)})" for a in attempts)
    details = {"MatchingAttempts": tried or "none"}
    match outcome:
        case Create():
            status, text = RecordStatus.SUCCESS, f"No matching {object_type} was found in the app"
        case Adopt(target_id=target_id):
            status, text = RecordStatus.SUCCESS, f"Matched {object_type} '{target_id}' in the app"
        case Failure(message=message):
            status, text = RecordStatus.FAILURE, message
    return ProvisioningStep("EntryMatching", StepType.MATCHING, status, text, details)


def decision_step(object_type: str, action: Action) -> ProvisioningStep:
    """``EntrySynchronization*``: what the engine decided, and why (docs/entra.md §6.1)."""
    if isinstance(action, Skip | Failure):
        return _decision_step(object_type, action)
    # The others depend only on the object type and the kind of action: built once each.
    key = (object_type, type(action))
    step = _DECISION_STEPS.get(key)
    if step is None:
        step = _DECISION_STEPS[key] = _decision_step(object_type, action)
    return step


_DECISION_STEPS: dict[tuple[str, type[Action]], ProvisioningStep] = {}
_EXPORT_STEPS: dict[tuple[str, type[Action], RecordStatus], ProvisioningStep] = {}


def _decision_step(object_type: str, action: Action) -> ProvisioningStep:
    match action:
        case Skip(reason=reason, detail=detail):
            return ProvisioningStep(
                "EntrySynchronizationSkip",
                StepType.PROCESSING,
                RecordStatus.SKIPPED,
                detail,
                {"SkipReason": reason.value},
            )
        case Create() | Match():
            name, text = "Add", f"{object_type} will be created in the app"
        case StagedDelete():
            name, text = "StagedDelete", _STAGED.format(object_type=object_type)
        case Failure(message=message):
            return ProvisioningStep(
                "EntrySynchronizationError", StepType.PROCESSING, RecordStatus.FAILURE, message
            )
        case _:
            name, text = "Update", f"{object_type} will be updated in the app"
    return ProvisioningStep(
        f"EntrySynchronization{name}", StepType.PROCESSING, RecordStatus.SUCCESS, text
    )


_STAGED = (
    "{object_type} would be disabled or deleted, but this cycle reached the accidental "
    "deletion threshold; allow deletes to send it"
)


def export_step(
    object_type: str, action: Action, status: RecordStatus, message: str = ""
) -> ProvisioningStep:
    """``EntryExport*``: the request sent and how it went.

    Args:
        object_type: ``User`` or ``Group``.
        action: The action exported (Create, Update, Enable, Disable or Delete).
        status: success, or failure with ``message``.
        message: The failure text (what failed and what to do).
    """
    if message:
        return _export_step(object_type, action, status, message)
    # Without a message the step depends only on the object type, the kind of action and
    # the status: built once each (a cycle logs one per object it sends).
    key = (object_type, type(action), status)
    step = _EXPORT_STEPS.get(key)
    if step is None:
        step = _EXPORT_STEPS[key] = _export_step(object_type, action, status, message)
    return step


def _export_step(
    object_type: str, action: Action, status: RecordStatus, message: str
) -> ProvisioningStep:
    match action:
        case Create():
            name, verb = "Add", "created"
        case Disable():
            name, verb = "UpdateSoftDelete", "disabled"
        case Delete():
            name, verb = "Delete", "deleted"
        case Enable():
            name, verb = "Update", "enabled"
        case Update() | Adopt():
            name, verb = "Update", "updated"
        case _:
            name, verb = "Other", "processed"
    text = message or f"{object_type} was {verb} in the app"
    return ProvisioningStep(f"EntryExport{name}", StepType.EXPORT, status, text)
