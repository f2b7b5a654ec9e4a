"""What provision on demand shows: each step of the pipeline for one object (docs/entra.md §3.8).

Entra shows up to five steps — Test connection (only when it fails), Import, Determine scope,
Match, Perform action — each with its details, and the resulting provisioning log record. These
are plain frozen dataclasses with ``to_dict()``, so the CLI, the admin API and the portal show
the same trace.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from scimitar.connector.probe import ConnectionTest
from scimitar.engine.core.planning import Link
from scimitar.engine.core.records import ProvisioningRecord, RecordStatus
from scimitar.engine.core.scope import ScopeResult
from scimitar.engine.run.ondemand_port import Exchange
from scimitar.mapping.context import DEFAULT_REGEX_TIMEOUT, source_attributes
from scimitar.mapping.scoping import ScopingFilter

__all__ = [
    "ObjectTrace",
    "OnDemandTrace",
    "StepName",
    "TraceStep",
    "action_step",
    "clause_results",
    "connection_step",
    "import_step",
    "match_step",
    "reference_step",
    "scope_step",
]

SUCCESS = RecordStatus.SUCCESS.value
SKIPPED = RecordStatus.SKIPPED.value
FAILURE = RecordStatus.FAILURE.value


class StepName(StrEnum):
    """The steps of an on-demand trace, in order."""

    TEST_CONNECTION = "testConnection"
    IMPORT = "import"
    SCOPE = "scope"
    MATCH = "match"
    ACTION = "action"
    MEMBERSHIP = "membership"
    MANAGER = "manager"


@dataclass(frozen=True)
class TraceStep:
    """One step: its name and title, how it went, a sentence, and its details.

    Attributes:
        name: Which step.
        title: Entra's title for it ("Determine if user is in scope", ...).
        status: success, skipped or failure.
        description: What happened, in one or two sentences.
        details: What the step looked at (values, clauses, queries, requests, errors).
    """

    name: StepName
    title: str
    status: str
    description: str
    details: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {
            "name": self.name.value,
            "title": self.title,
            "status": self.status,
            "description": self.description,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class ObjectTrace:
    """The steps one object went through and the log record written for it.

    Attributes:
        object_type: ``User`` or ``Group``.
        source_id: The directory objectId.
        display_name: The UPN or displayName.
        role: ``subject`` (what was asked for), ``member`` (a group's chosen member),
            ``membership`` (the group's members in the app) or ``manager`` (a user's manager
            reference in the app).
        steps: The steps, in order.
        record: The provisioning log record written, or ``None`` when nothing was logged.
    """

    object_type: str
    source_id: str
    display_name: str
    role: str
    steps: tuple[TraceStep, ...]
    record: ProvisioningRecord | None = None

    @property
    def result(self) -> str:
        """success, skipped or failure."""
        if self.record is not None:
            return self.record.status.value
        return FAILURE if any(s.status == FAILURE for s in self.steps) else SKIPPED

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {
            "objectType": self.object_type,
            "sourceId": self.source_id,
            "displayName": self.display_name,
            "role": self.role,
            "result": self.result,
            "steps": [step.to_dict() for step in self.steps],
            "record": None if self.record is None else self.record.to_dict(),
        }


@dataclass(frozen=True)
class OnDemandTrace:
    """One provision-on-demand run (Entra's ``provisionOnDemand`` response).

    Attributes:
        app_id: The app.
        app_name: The app's name.
        cycle_id: The run's own cycle id (its log records carry it).
        started_at: When the run started (UTC).
        duration_ms: How long it took.
        connection: The failed Test Connection step; ``None`` when the connection worked.
        objects: The subject first, then a group's members and its membership.
        kind: Always ``ondemand``.
    """

    app_id: str
    app_name: str
    cycle_id: str
    started_at: datetime
    duration_ms: int
    connection: TraceStep | None
    objects: tuple[ObjectTrace, ...]
    kind: str = "ondemand"

    @property
    def result(self) -> str:
        """failure when the connection or any object failed, else the subject's result."""
        if self.connection is not None or any(o.result == FAILURE for o in self.objects):
            return FAILURE
        return self.objects[0].result if self.objects else FAILURE

    @property
    def is_failed(self) -> bool:
        """Whether the run failed (the CLI exits non-zero)."""
        return self.result == FAILURE

    @property
    def record(self) -> ProvisioningRecord | None:
        """The subject's log record."""
        return self.objects[0].record if self.objects else None

    @property
    def records(self) -> tuple[ProvisioningRecord, ...]:
        """Every log record the run wrote, in order."""
        return tuple(o.record for o in self.objects if o.record is not None)

    def error(self) -> dict[str, Any] | None:
        """The first failure's error code and message (Entra's ``details``)."""
        if self.connection is not None:
            return {
                "errorCode": "TestConnectionFailed",
                "errorMessage": self.connection.description,
            }
        for item in self.objects:
            error = item.record.error if item.record is not None else None
            if error is not None:
                return {"errorCode": error.error_code, "errorMessage": error.reason}
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain values: the result, each object's steps, and the log records."""
        return {
            "kind": self.kind,
            "appId": self.app_id,
            "appName": self.app_name,
            "cycleId": self.cycle_id,
            "startedAt": self.started_at.isoformat(),
            "durationInMilliseconds": self.duration_ms,
            "result": self.result,
            "details": self.error(),
            "testConnection": None if self.connection is None else self.connection.to_dict(),
            "objects": [item.to_dict() for item in self.objects],
            "record": None if self.record is None else self.record.to_dict(),
        }


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a directory value."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def connection_step(test: ConnectionTest) -> TraceStep:
    """Test Connection, shown only when it failed: the probe, its answer and what to do."""
    failure = test.failure
    assert failure is not None  # noqa: S101 - only failed tests become a step
    return TraceStep(
        StepName.TEST_CONNECTION,
        "Test connection",
        FAILURE,
        failure.message,
        {**failure.to_dict(), "requests": test.to_dict()["steps"]},
    )


def import_step(
    object_type: str, source_id: str, display: str, values: Mapping[str, Any]
) -> TraceStep:
    """Import: the directory object as read, with its values."""
    shown = {key: _plain(value) for key, value in sorted(values.items())}
    return TraceStep(
        StepName.IMPORT,
        f"Import {object_type.lower()}",
        SUCCESS,
        f"Retrieved {object_type} '{display}' from the source directory.",
        {"objectId": source_id, "values": shown},
    )


def clause_results(
    filters: Sequence[ScopingFilter],
    attributes: Mapping[str, Any],
    *,
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
) -> list[dict[str, Any]]:
    """Every clause of every scoping filter with its value and result (docs/entra.md §5).

    Scoping itself stops at a filter's first false clause; on demand, an admin wants to see
    them all, so each clause is tested here with the same operators.
    """
    values = source_attributes(attributes)
    shown: list[dict[str, Any]] = []
    for group in filters:
        clauses = []
        for clause in group.clauses:
            value = values.get(clause.attribute.lower())
            try:
                holds: bool | None = clause.operator.test(value, clause.value, regex_timeout)
            except TimeoutError:
                holds = None
            clauses.append(
                {
                    "clause": clause.describe(),
                    "attribute": clause.attribute,
                    "value": _plain(value),
                    "result": holds,
                }
            )
        is_met = all(c["result"] is True for c in clauses)
        shown.append({"filter": group.name, "result": is_met, "clauses": clauses})
    return shown


def scope_step(
    object_type: str,
    scope: ScopeResult,
    filters: Sequence[ScopingFilter],
    attributes: Mapping[str, Any],
) -> TraceStep:
    """Determine scope: assignment and roles, active/soft-deleted, each scoping clause."""
    details: dict[str, Any] = {"rule": scope.rule.value, **(scope.details or {})}
    details["assignments"] = [
        a.app_role_display_name or a.app_role_value or "Default Access" for a in scope.assignments
    ]
    details["scopingFilters"] = clause_results(filters, attributes)
    return TraceStep(
        StepName.SCOPE,
        f"Determine if {object_type.lower()} is in scope",
        SUCCESS if scope.is_in_scope else SKIPPED,
        scope.reason,
        details,
    )


def match_step(object_type: str, link: Link | None, queries: Sequence[Exchange]) -> TraceStep:
    """Match: the matching attributes tried and what the app answered (docs/entra.md §2.2)."""
    title = f"Match {object_type.lower()} between source and target system"
    if link is not None:
        return TraceStep(
            StepName.MATCH,
            title,
            SUCCESS,
            f"{object_type} is already linked to the app's object '{link.target_id}'; no "
            "matching query is needed.",
            {"targetId": link.target_id, "linked": True},
        )
    if not queries:
        return TraceStep(
            StepName.MATCH,
            title,
            SKIPPED,
            f"{object_type} is not provisioned, so it is not looked up in the app.",
            {"linked": False, "attempts": []},
        )
    attempts = [
        {
            "attribute": q.filter_attribute,
            "value": q.filter_value,
            "request": f"{q.method} {q.path}",
            "found": q.answer.get("ids", []),
            **({"error": q.error} if q.error else {}),
        }
        for q in queries
    ]
    found = attempts[-1]["found"]
    if queries[-1].status != "ok":
        status, text = FAILURE, f"The matching query failed: {queries[-1].error}"
    elif not found:
        status, text = SUCCESS, f"No matching {object_type.lower()} was found in the app."
    elif len(found) == 1:
        status, text = SUCCESS, f"Matched the app's {object_type.lower()} '{found[0]}'."
    else:
        status = FAILURE
        text = (
            f"{len(found)} {object_type.lower()}s in the app match ({', '.join(found)}): "
            "DuplicateTargetEntries."
        )
    return TraceStep(StepName.MATCH, title, status, text, {"linked": False, "attempts": attempts})


def action_step(record: ProvisioningRecord, writes: Sequence[Exchange]) -> TraceStep:
    """Perform action: what was sent (old → new), and the app's answer or error."""
    details: dict[str, Any] = {
        "action": record.action.value,
        "modifiedProperties": [p.to_dict() for p in record.modified_properties],
        "requests": [w.to_dict() for w in writes],
        "targetId": record.target_identity.id,
    }
    if record.skip_reason:
        details["skipReason"] = record.skip_reason
    if record.error is not None:
        details["error"] = record.error.to_dict()
    final = record.steps[-1].description if record.steps else ""
    if record.status is RecordStatus.FAILURE and record.error is not None:
        text = f"{record.error.error_code}: {record.error.reason}"
    elif record.status is RecordStatus.SKIPPED:
        text = f"Skipped: {final}"
    else:
        text = final or f"{record.action.value} succeeded"
    return TraceStep(StepName.ACTION, "Perform action", record.status.value, text, details)


def reference_step(
    name: StepName, record: ProvisioningRecord | None, writes: Sequence[Exchange], reason: str
) -> TraceStep:
    """References after the objects: a group's members, or a user's manager (docs/entra.md §2.7).

    Args:
        name: :attr:`StepName.MEMBERSHIP` or :attr:`StepName.MANAGER`.
        record: The reference update's log record; ``None`` when nothing was sent.
        writes: The requests sent.
        reason: Why nothing was sent, when ``record`` is ``None``.
    """
    title = _REFERENCE_TITLES[name]
    if record is None:
        return TraceStep(name, title, SKIPPED, reason, {"requests": []})
    details: dict[str, Any] = {
        "modifiedProperties": [p.to_dict() for p in record.modified_properties],
        "requests": [w.to_dict() for w in writes],
    }
    if record.error is not None:
        details["error"] = record.error.to_dict()
        text = f"{record.error.error_code}: {record.error.reason}"
    else:
        text = record.steps[-1].description if record.steps else "Members were updated."
    return TraceStep(name, title, record.status.value, text, details)


_REFERENCE_TITLES = {
    StepName.MEMBERSHIP: "Provision group memberships",
    StepName.MANAGER: "Provision the manager reference",
}
