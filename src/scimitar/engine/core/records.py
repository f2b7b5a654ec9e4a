"""Provisioning log records as typed values (docs/entra.md §6.1, Graph
``provisioningObjectSummary``).

One record per object per action: the cycle and change ids, the action, source and target
identities, the steps (import, scoping, matching, action — each with a status and a sentence),
the modified properties (old → new, redacted where a mapping says so), the status and, on
failure, Entra's error code with the reason and what to do. Records are immutable and
round-trip through JSON (:meth:`ProvisioningRecord.to_dict` / :meth:`~ProvisioningRecord.from_dict`)
in Graph's camelCase shape, so the store persists them and exports match Entra's downloads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

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
from scimitar.ids import uuid7
from scimitar.mapping.flow import REDACTED, AttributeChange

__all__ = [
    "NOT_KEPT",
    "ErrorCode",
    "ErrorInformation",
    "Initiator",
    "ModifiedProperty",
    "ProvisionedIdentity",
    "ProvisioningAction",
    "ProvisioningRecord",
    "ProvisioningStep",
    "RecordStatus",
    "StepType",
    "Trigger",
    "action_kind",
    "error_code_for_status",
    "modified_properties",
    "new_record_id",
]


class ProvisioningAction(StrEnum):
    """The record's action; :attr:`graph_value` is Graph's ``provisioningAction``."""

    CREATE = "create"
    UPDATE = "update"
    DISABLE = "disable"
    ENABLE = "enable"
    DELETE = "delete"
    STAGED_DELETE = "stageddelete"
    SKIP = "skip"
    OTHER = "other"

    @property
    def graph_value(self) -> str:
        """Graph has no ``enable`` (an update) nor ``skip`` (``other``)."""
        return {"enable": "update", "skip": "other"}.get(self.value, self.value)


class Trigger(StrEnum):
    """What made the engine act on an object (the record's ``trigger``)."""

    CYCLE = "cycle"
    REALTIME = "realtime"
    ON_DEMAND = "onDemand"


class RecordStatus(StrEnum):
    """``provisioningStatusInfo.status`` and ``provisioningStep.status``."""

    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"
    WARNING = "warning"


class StepType(StrEnum):
    """``provisioningStep.provisioningStepType``."""

    IMPORT = "import"
    SCOPING = "scoping"
    MATCHING = "matching"
    PROCESSING = "processing"
    REFERENCE_RESOLUTION = "referenceResolution"
    EXPORT = "export"


class ErrorCode(StrEnum):
    """Entra's error codes (docs/entra.md §1.8, §6.1); :attr:`recommended_action` says what to
    do."""

    DUPLICATE_TARGET_ENTRIES = "DuplicateTargetEntries"
    DUPLICATE_SOURCE_ENTRIES = "DuplicateSourceEntries"
    BAD_REQUEST = "SystemForCrossDomainIdentityManagementBadRequest"
    SCHEMA_ATTRIBUTE_NOT_FOUND = "SchemaAttributeNotFound"
    ENTRY_CONFLICT = "SystemForCrossDomainIdentityManagementEntryConflict"
    UNAUTHORIZED = "Unauthorized"
    INSUFFICIENT_RIGHTS = "InsufficientRights"
    TOO_MANY_REQUESTS = "TooManyRequests"
    INTERNAL_SERVER_ERROR = "InternalServerError"
    TIMEOUT = "Timeout"
    INVALID_ANCHOR = "InvalidAnchor"
    SERVICE_INCOMPATIBLE = "SystemForCrossDomainIdentityManagementServiceIncompatible"
    MULTIPLE_ENTRIES_IN_RESPONSE = "SystemForCrossDomainIdentityManagementMultipleEntriesInResponse"
    MANDATORY_FIELDS_MISSING = "MandatoryFieldsMissing"

    @property
    def recommended_action(self) -> str:
        """The "what to do" hint shown with the error."""
        return _RECOMMENDED[self]


_RECOMMENDED: dict[ErrorCode, str] = {
    ErrorCode.DUPLICATE_TARGET_ENTRIES: "Make the matching attribute unique in the app, or "
    "change the matching attributes so each source object matches one target object.",
    ErrorCode.DUPLICATE_SOURCE_ENTRIES: "Give each source object a unique matching value.",
    ErrorCode.BAD_REQUEST: "The app rejected the request; read its response, then fix the "
    "attribute mapping or the source value it names.",
    ErrorCode.SCHEMA_ATTRIBUTE_NOT_FOUND: "Remove the mapping to the attribute the app does "
    "not know, or refresh the app's schema.",
    ErrorCode.ENTRY_CONFLICT: "An object with the same unique value already exists in the app; "
    "make it match this one (matching attributes) or remove the duplicate.",
    ErrorCode.UNAUTHORIZED: "Check the secret token and the tenant URL, then test the connection.",
    ErrorCode.INSUFFICIENT_RIGHTS: "Give the token's account the rights to manage users and "
    "groups in the app.",
    ErrorCode.TOO_MANY_REQUESTS: "Nothing to do: the request is retried after the app's "
    "Retry-After; lower the app's rate limit if this persists.",
    ErrorCode.INTERNAL_SERVER_ERROR: "Nothing to do: the object is retried in a later cycle; "
    "contact the app's vendor if it keeps failing.",
    ErrorCode.TIMEOUT: "Nothing to do: the object is retried in a later cycle.",
    ErrorCode.INVALID_ANCHOR: "The linked object is gone from the app; restore it there, or "
    "restart provisioning to match and create it again.",
    ErrorCode.SERVICE_INCOMPATIBLE: "The app's response is not valid SCIM; contact its vendor "
    "or choose the dialect and quirks that fit it.",
    ErrorCode.MULTIPLE_ENTRIES_IN_RESPONSE: "The app returned several objects where one was "
    "expected; check that it honours filters and excludedAttributes.",
    ErrorCode.MANDATORY_FIELDS_MISSING: "Give the source object a value for the required "
    "attribute, or set a default value on its mapping.",
}


def error_code_for_status(status: int, *, is_linked: bool = True) -> ErrorCode:
    """Entra's classification of an HTTP failure status (docs/entra.md §1.8).

    Args:
        status: The response status code.
        is_linked: Whether the request addressed a linked object (404 → ``InvalidAnchor``).
    """
    fixed = {
        400: ErrorCode.BAD_REQUEST,
        401: ErrorCode.UNAUTHORIZED,
        403: ErrorCode.INSUFFICIENT_RIGHTS,
        408: ErrorCode.TIMEOUT,
        409: ErrorCode.ENTRY_CONFLICT,
        429: ErrorCode.TOO_MANY_REQUESTS,
        504: ErrorCode.TIMEOUT,
    }
    if status == 404 and is_linked:
        return ErrorCode.INVALID_ANCHOR
    if status in fixed:
        return fixed[status]
    return ErrorCode.INTERNAL_SERVER_ERROR if status >= 500 else ErrorCode.SERVICE_INCOMPATIBLE


def action_kind(action: Action) -> ProvisioningAction:
    """The record action for a planned action (``Match`` and failures log as ``other``)."""
    match action:
        case Create():
            return ProvisioningAction.CREATE
        case Update() | Adopt():
            return ProvisioningAction.UPDATE
        case Disable():
            return ProvisioningAction.DISABLE
        case Enable():
            return ProvisioningAction.ENABLE
        case Delete():
            return ProvisioningAction.DELETE
        case StagedDelete():
            return ProvisioningAction.STAGED_DELETE
        case Skip():
            return ProvisioningAction.SKIP
        case Match() | Failure():
            return ProvisioningAction.OTHER


@dataclass(frozen=True, slots=True)
class ProvisioningStep:
    """One step of a record (Graph ``provisioningStep``)."""

    name: str
    step_type: StepType
    status: RecordStatus
    description: str
    details: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Graph shape."""
        return {
            "name": self.name,
            "provisioningStepType": self.step_type.value,
            "status": self.status.value,
            "description": self.description,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProvisioningStep:
        """Read :meth:`to_dict`'s shape."""
        return cls(
            str(data["name"]),
            StepType(data["provisioningStepType"]),
            RecordStatus(data["status"]),
            str(data["description"]),
            {str(k): str(v) for k, v in (data.get("details") or {}).items()},
        )


@dataclass(frozen=True, slots=True)
class ProvisionedIdentity:
    """A source or target object (Graph ``provisionedIdentity``)."""

    id: str | None
    display_name: str | None
    identity_type: str
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        """What an admin knows the object by: a user's userPrincipalName, else displayName."""
        return self.details.get("userPrincipalName") or self.display_name

    def to_dict(self) -> dict[str, Any]:
        """Graph shape."""
        return {
            "id": self.id,
            "displayName": self.display_name,
            "identityType": self.identity_type,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProvisionedIdentity:
        """Read :meth:`to_dict`'s shape."""
        details = {str(k): str(v) for k, v in (data.get("details") or {}).items()}
        return cls(data.get("id"), data.get("displayName"), str(data["identityType"]), details)


@dataclass(frozen=True, slots=True)
class ModifiedProperty:
    """One changed attribute (Graph ``modifiedProperty``); ``None`` shows as blank.

    ``note`` says more about the value (:data:`NOT_KEPT`: the app accepted it and dropped it).
    """

    display_name: str
    old_value: str | None
    new_value: str | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Graph shape (plus ``note`` when there is one)."""
        shown = {
            "displayName": self.display_name,
            "oldValue": self.old_value,
            "newValue": self.new_value,
        }
        if self.note is not None:
            shown["note"] = self.note
        return shown

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModifiedProperty:
        """Read :meth:`to_dict`'s shape."""
        return cls(
            str(data["displayName"]), data.get("oldValue"), data.get("newValue"), data.get("note")
        )


#: The note of a modified property the app accepted and did not keep.
NOT_KEPT = "not kept by the app"


def modified_properties(
    changes: Iterable[AttributeChange], redacted: frozenset[str] = frozenset()
) -> tuple[ModifiedProperty, ...]:
    """The log's modified properties; values of ``redacted`` paths show as ``[Redact]``.

    Args:
        changes: The attribute changes sent.
        redacted: ``MappingResult.redacted``: paths whose values never reach a log.
    """
    shown: list[ModifiedProperty] = []
    for change in changes:
        path, old, new = change.path, change.old_value, change.new_value
        if path in redacted:
            shown.append(ModifiedProperty(path, _shown(old, True), _shown(new, True)))
        else:  # text and no value show as they are: no call for the usual case
            old = old if old is None or type(old) is str else _shown(old, False)
            new = new if new is None or type(new) is str else _shown(new, False)
            shown.append(ModifiedProperty(path, old, new))
    return tuple(shown)


def _shown(value: Any, is_redacted: bool) -> str | None:
    if value is None:
        return None
    if is_redacted:
        return REDACTED
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class ErrorInformation:
    """Why a record failed (Graph ``statusDetails``/``errorInformation``)."""

    error_code: str
    reason: str
    recommended_action: str
    error_category: str = "nonServiceFailure"
    additional_details: str | None = None

    @classmethod
    def for_code(cls, code: ErrorCode, reason: str, **options: Any) -> ErrorInformation:
        """An error with Entra's code and its recommended action."""
        return cls(code.value, reason, code.recommended_action, **options)

    def to_dict(self) -> dict[str, Any]:
        """Graph shape."""
        return {
            "errorCode": self.error_code,
            "reason": self.reason,
            "additionalDetails": self.additional_details,
            "errorCategory": self.error_category,
            "recommendedAction": self.recommended_action,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErrorInformation:
        """Read :meth:`to_dict`'s shape."""
        return cls(
            str(data["errorCode"]),
            str(data["reason"]),
            str(data["recommendedAction"]),
            str(data.get("errorCategory") or "nonServiceFailure"),
            data.get("additionalDetails"),
        )


@dataclass(frozen=True, slots=True)
class Initiator:
    """Who started the action (Graph ``initiator``); cycles leave it unset (the service).

    Attributes:
        display_name: The person or application, as the log shows it.
        initiator_type: ``user`` or ``application`` (Graph ``initiatorType``).
        id: Their id, when known.
    """

    display_name: str
    initiator_type: str = "user"
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Graph shape."""
        return {
            "id": self.id,
            "displayName": self.display_name,
            "initiatorType": self.initiator_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Initiator:
        """Read :meth:`to_dict`'s shape."""
        return cls(
            str(data.get("displayName") or ""),
            str(data.get("initiatorType") or "user"),
            data.get("id"),
        )


@dataclass(frozen=True, slots=True)
class ProvisioningRecord:
    """One provisioning log entry (docs/entra.md §6.1).

    Attributes:
        id: The record's id.
        activity_date_time: When the action ran (timezone-aware UTC).
        job_id: The provisioning job.
        cycle_id: The cycle (unique per job iteration).
        change_id: The change within the cycle (joins steps and modified properties).
        action: What was done.
        status: success, failure, skipped or warning.
        source_identity: The directory object.
        target_identity: The app's object (``id`` ``None`` before it exists).
        steps: Import, scoping, matching, action... in order.
        modified_properties: Attributes sent, old → new.
        error: The error, for failures (and warnings).
        skip_reason: The SkipReason code, for skipped records.
        duration_ms: How long the object took.
        initiated_by: Who started it, for provisioning on demand; ``None`` for cycles.
        run_trigger: What ran it when not a cycle nor an on-demand run (see :attr:`trigger`).
    """

    id: str
    activity_date_time: datetime
    job_id: str
    cycle_id: str
    change_id: str
    action: ProvisioningAction
    status: RecordStatus
    source_identity: ProvisionedIdentity
    target_identity: ProvisionedIdentity
    steps: tuple[ProvisioningStep, ...] = ()
    modified_properties: tuple[ModifiedProperty, ...] = ()
    error: ErrorInformation | None = None
    skip_reason: str | None = None
    duration_ms: int = 0
    initiated_by: Initiator | None = None
    run_trigger: Trigger | None = None

    @property
    def trigger(self) -> Trigger:
        """A cycle, a real-time run, or provisioning on demand (which names who started it)."""
        if self.run_trigger is not None:
            return self.run_trigger
        return Trigger.ON_DEMAND if self.initiated_by is not None else Trigger.CYCLE

    def __post_init__(self) -> None:
        if self.activity_date_time.tzinfo is None:
            raise ValueError("activity_date_time must be timezone-aware (UTC)")

    def to_dict(self) -> dict[str, Any]:
        """The Graph-shaped JSON object (``provisioningStatusInfo``, ``provisioningSteps``...)."""
        document = {
            "id": self.id,
            "activityDateTime": self.activity_date_time.isoformat(),
            "jobId": self.job_id,
            "cycleId": self.cycle_id,
            "changeId": self.change_id,
            "provisioningAction": self.action.value,
            "durationInMilliseconds": self.duration_ms,
            "sourceIdentity": self.source_identity.to_dict(),
            "targetIdentity": self.target_identity.to_dict(),
            "provisioningSteps": [step.to_dict() for step in self.steps],
            "modifiedProperties": [p.to_dict() for p in self.modified_properties],
            "provisioningStatusInfo": {
                "status": self.status.value,
                "errorInformation": None if self.error is None else self.error.to_dict(),
            },
            "skipReason": self.skip_reason,
            "trigger": self.trigger.value,
        }
        if self.initiated_by is not None:
            document["initiatedBy"] = self.initiated_by.to_dict()
        return document

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProvisioningRecord:
        """Read :meth:`to_dict`'s shape.

        Raises:
            KeyError: A required field is missing.
            ValueError: A field has an unknown value.
        """
        status = data["provisioningStatusInfo"]
        error = status.get("errorInformation")
        return cls(
            id=str(data["id"]),
            activity_date_time=datetime.fromisoformat(data["activityDateTime"]),
            job_id=str(data["jobId"]),
            cycle_id=str(data["cycleId"]),
            change_id=str(data["changeId"]),
            action=ProvisioningAction(data["provisioningAction"]),
            status=RecordStatus(status["status"]),
            source_identity=ProvisionedIdentity.from_dict(data["sourceIdentity"]),
            target_identity=ProvisionedIdentity.from_dict(data["targetIdentity"]),
            steps=tuple(ProvisioningStep.from_dict(s) for s in data.get("provisioningSteps", [])),
            modified_properties=tuple(
                ModifiedProperty.from_dict(p) for p in data.get("modifiedProperties", [])
            ),
            error=None if error is None else ErrorInformation.from_dict(error),
            skip_reason=data.get("skipReason"),
            duration_ms=int(data.get("durationInMilliseconds", 0)),
            initiated_by=Initiator.from_dict(data["initiatedBy"])
            if data.get("initiatedBy")
            else None,
            run_trigger=Trigger.REALTIME if data.get("trigger") == Trigger.REALTIME else None,
        )


def new_record_id() -> str:
    """A new record id: a UUIDv7, whose first 48 bits are the time in milliseconds.

    Ids that grow with time land at the end of the log's primary-key index instead of at a
    random page, so writing a page of records touches a few index pages, not hundreds.
    """
    return uuid7()
