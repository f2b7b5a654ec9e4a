"""How a provisioning log record is kept in the store's ``record`` column.

The row's own columns already hold the record's id, time, job, cycle, change, action and
duration (they are indexed or filtered on), so the stored JSON leaves them out, and its steps and
modified properties are arrays rather than objects with the same keys over and over: about 40%
fewer bytes a record, and a cycle writes one record per object. Reading puts the Graph-shaped
record back together (:meth:`ProvisioningRecord.from_dict`); rows written before this format (the
whole Graph object, no ``"v"``) are read as they are.

Stored form (``"v": 2``)::

    {"v": 2, "status": ..., "source": {identity}, "target": {identity},
     "steps": [[name, type, status, description, {details}?], ...],
     "modified": [[displayName, old, new, note?], ...],
     "error": {errorInformation}?, "skipReason": ...?, "initiatedBy": {...}?,
     "trigger": "realtime"? (only for a real-time run's records),
     "jobId": ...? (only when it is not the row's app)}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scimitar import jsontext
from scimitar.engine.core.records import ProvisioningRecord

__all__ = ["STORED_VERSION", "loaded", "stored"]

STORED_VERSION = 2


def stored(record: ProvisioningRecord, app_id: str) -> str:
    """The JSON text kept in the ``record`` column for ``record``, logged under ``app_id``."""
    document: dict[str, Any] = {
        "v": STORED_VERSION,
        "status": record.status.value,
        "source": record.source_identity.to_dict(),
        "target": record.target_identity.to_dict(),
        # The enums are str enums: JSON writes their values (a record has several steps).
        "steps": [
            [s.name, s.step_type, s.status, s.description, _plain(s.details)]
            if s.details
            else [s.name, s.step_type, s.status, s.description]
            for s in record.steps
        ],
        "modified": [
            [p.display_name, p.old_value, p.new_value]
            if p.note is None
            else [p.display_name, p.old_value, p.new_value, p.note]
            for p in record.modified_properties
        ],
    }
    if record.job_id != app_id:  # a job is its app; kept only when a caller said otherwise
        document["jobId"] = record.job_id
    if record.error is not None:
        document["error"] = record.error.to_dict()
    if record.skip_reason is not None:
        document["skipReason"] = record.skip_reason
    if record.initiated_by is not None:
        document["initiatedBy"] = record.initiated_by.to_dict()
    if record.run_trigger is not None:
        document["trigger"] = record.run_trigger.value
    return jsontext.dumps(document)


def _plain(details: Mapping[str, str]) -> dict[str, str]:
    return details if type(details) is dict else dict(details)


def loaded(row: Any) -> ProvisioningRecord:
    """The record of a log row (columns id, app_id, cycle_id, change_id, at, action,
    duration_ms and record), in either stored form.

    Raises:
        KeyError: A required field is missing.
        ValueError: A field has an unknown value.
    """
    data = json.loads(row.record)
    if data.get("v") != STORED_VERSION:
        return ProvisioningRecord.from_dict(data)
    return ProvisioningRecord.from_dict(_graph(row, data))


def _graph(row: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": row.id,
        "activityDateTime": _utc(row.at).isoformat(),
        "jobId": data.get("jobId", row.app_id),
        "cycleId": row.cycle_id,
        "changeId": row.change_id or "",
        "provisioningAction": row.action,
        "durationInMilliseconds": row.duration_ms or 0,
        "sourceIdentity": data["source"],
        "targetIdentity": data["target"],
        "provisioningSteps": [_step(step) for step in data.get("steps", [])],
        "modifiedProperties": [_property(*p) for p in data.get("modified", [])],
        "provisioningStatusInfo": {
            "status": data["status"],
            "errorInformation": data.get("error"),
        },
        "skipReason": data.get("skipReason"),
    }
    if data.get("initiatedBy"):
        document["initiatedBy"] = data["initiatedBy"]
    if data.get("trigger"):
        document["trigger"] = data["trigger"]
    return document


def _step(step: list[Any]) -> dict[str, Any]:
    name, step_type, status, description, *rest = step
    return {
        "name": name,
        "provisioningStepType": step_type,
        "status": status,
        "description": description,
        "details": rest[0] if rest else {},
    }


def _utc(moment: datetime | str) -> datetime:
    """The row's time as an aware UTC datetime (SQLite gives it back without its zone)."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _property(name: str, old: Any, new: Any, note: str | None = None) -> dict[str, Any]:
    shown = {"displayName": name, "oldValue": old, "newValue": new}
    if note is not None:
        shown["note"] = note
    return shown
