"""API-driven inbound provisioning: SCIM BulkRequests of Users, as Entra's inbound API takes them.

An HR system posts a BulkRequest (RFC 7644 §3.7) of ``POST /Users`` operations to
``/api/v1/sources/{name}/bulkUpload``; each operation's ``data`` is a SCIM User with the core
schema, the enterprise extension and any custom extension
(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-concepts).
This module checks a request (the whole of it, then each operation on its own: a malformed
operation is rejected with its ``bulkId`` and the others go on) and flattens each User into
the source attributes the inbound mappings read:

- core attributes by name: ``userName``, ``externalId``, ``displayName``, ``title``, ``active``...
- sub-attributes with a dot: ``name.givenName``, ``name.familyName``
- typed multi-valued ones as Entra names them: ``emails[type eq "work"].value``,
  ``phoneNumbers[type eq "mobile"].value``, ``addresses[type eq "work"].locality``
- extension attributes by URN:
  ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department``,
  ``...:User:manager.value``, ``urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge``

``externalId`` is the anchor (the worker's id in the HR system).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scimitar.sources.config import SourceDefinition
from scimitar.sources.reader import ReadResult, TestReport, register_reader

__all__ = [
    "BULK_REQUEST",
    "CORE_USER",
    "MAX_OPERATIONS",
    "AcceptedOperation",
    "BulkRequestError",
    "CheckedRequest",
    "RejectedOperation",
    "check_bulk_request",
    "flatten_user",
]

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
#: Most operations one request may carry (RFC 7644 §3.7.4: more is answered 413).
MAX_OPERATIONS = 1000
_MAX_BULK_ID = 160
_MAX_ANCHOR = 300


class BulkRequestError(ValueError):
    """The request as a whole is unusable.

    Attributes:
        status: The HTTP status to answer (400, or 413 for too many operations).
        scim_type: RFC 7644 §3.12 ``scimType`` (``invalidSyntax``, ``tooMany``...).
    """

    def __init__(
        self, message: str, *, status: int = 400, scim_type: str = "invalidSyntax"
    ) -> None:
        super().__init__(message)
        self.status = status
        self.scim_type = scim_type


@dataclass(frozen=True, slots=True)
class AcceptedOperation:
    """An operation that will be processed: its bulkId, anchor and User."""

    bulk_id: str
    anchor: str
    data: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """As kept with the upload until it is processed."""
        return {"bulkId": self.bulk_id, "anchor": self.anchor, "data": dict(self.data)}


@dataclass(frozen=True, slots=True)
class RejectedOperation:
    """An operation refused on arrival, with why (RFC 7644 §3.7.3 per-operation status)."""

    bulk_id: str | None
    detail: str
    anchor: str | None = None
    status: int = 400

    def to_dict(self) -> dict[str, Any]:
        """The operation's entry in the answer and the upload's status."""
        return {
            "bulkId": self.bulk_id,
            "externalId": self.anchor,
            "status": str(self.status),
            "detail": self.detail,
        }


@dataclass(slots=True)
class CheckedRequest:
    """A BulkRequest, operation by operation."""

    accepted: list[AcceptedOperation] = field(default_factory=list)
    rejected: list[RejectedOperation] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many operations the request carried."""
        return len(self.accepted) + len(self.rejected)


def _check_operation(index: int, operation: Any) -> AcceptedOperation | RejectedOperation:
    where = f"operation {index + 1}"
    if not isinstance(operation, dict):
        return RejectedOperation(None, f"{where} is not a JSON object")
    bulk_id = operation.get("bulkId")
    if not isinstance(bulk_id, str) or not bulk_id.strip() or len(bulk_id) > _MAX_BULK_ID:
        return RejectedOperation(
            None, f"{where} needs a bulkId (text, at most {_MAX_BULK_ID} characters)"
        )
    method = str(operation.get("method", "")).upper()
    if method != "POST":
        return RejectedOperation(
            bulk_id,
            f"method {operation.get('method')!r} is not supported: send POST "
            "(an upsert); to end a worker's access send active: false",
        )
    if str(operation.get("path", "")).rstrip("/") != "/Users":
        return RejectedOperation(
            bulk_id, f"path {operation.get('path')!r}: only /Users is accepted"
        )
    data = operation.get("data")
    if not isinstance(data, dict):
        return RejectedOperation(bulk_id, "data must be a SCIM User (a JSON object)")
    schemas = data.get("schemas")
    if not isinstance(schemas, list) or CORE_USER not in schemas:
        return RejectedOperation(bulk_id, f"data.schemas must list {CORE_USER}")
    for name in schemas:
        if not isinstance(name, str) or not name.startswith("urn:"):
            return RejectedOperation(bulk_id, f"data.schemas holds {name!r}, not a schema URN")
    for key, value in data.items():
        if key.startswith("urn:") and key not in schemas:
            return RejectedOperation(bulk_id, f"extension {key} is not listed in data.schemas")
        if key.startswith("urn:") and not isinstance(value, dict):
            return RejectedOperation(bulk_id, f"extension {key} must be a JSON object")
    anchor = data.get("externalId")
    if not isinstance(anchor, str | int) or isinstance(anchor, bool) or not str(anchor).strip():
        return RejectedOperation(
            bulk_id, "data.externalId is required: the worker's id in the source"
        )
    if len(str(anchor)) > _MAX_ANCHOR:
        return RejectedOperation(
            bulk_id, f"data.externalId is longer than {_MAX_ANCHOR} characters"
        )
    return AcceptedOperation(bulk_id, str(anchor).strip(), data)


def check_bulk_request(document: Any) -> CheckedRequest:
    """Check a BulkRequest; malformed operations are rejected one by one.

    Raises:
        BulkRequestError: The request itself is unusable (not a BulkRequest, no Operations,
            more than :data:`MAX_OPERATIONS`).
    """
    if not isinstance(document, dict):
        raise BulkRequestError("the body must be a SCIM BulkRequest (a JSON object)")
    schemas = document.get("schemas")
    if not isinstance(schemas, list) or BULK_REQUEST not in schemas:
        raise BulkRequestError(f"schemas must list {BULK_REQUEST}")
    operations = document.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise BulkRequestError("Operations must be a non-empty list of operations")
    if len(operations) > MAX_OPERATIONS:
        raise BulkRequestError(
            f"{len(operations)} operations: at most {MAX_OPERATIONS} per request; split the upload",
            status=413,
            scim_type="tooMany",
        )
    checked = CheckedRequest()
    bulk_ids: set[str] = set()
    by_anchor: dict[str, AcceptedOperation] = {}
    for index, operation in enumerate(operations):
        outcome = _check_operation(index, operation)
        if isinstance(outcome, AcceptedOperation) and outcome.bulk_id in bulk_ids:
            outcome = RejectedOperation(outcome.bulk_id, "bulkId repeats an earlier one")
        if isinstance(outcome, RejectedOperation):
            checked.rejected.append(outcome)
            continue
        bulk_ids.add(outcome.bulk_id)
        replaced = by_anchor.pop(outcome.anchor, None)
        if replaced is not None:
            detail = (
                f"externalId {outcome.anchor!r} comes again in operation "
                f"{outcome.bulk_id!r}, which is applied instead"
            )
            checked.rejected.append(
                RejectedOperation(replaced.bulk_id, detail, replaced.anchor, 409)
            )
        by_anchor[outcome.anchor] = outcome
    checked.accepted = list(by_anchor.values())
    return checked


def _typed_values(name: str, values: list[Any], flat: dict[str, Any]) -> None:
    for item in values:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        prefixes = [f'{name}[type eq "{kind}"]'] if isinstance(kind, str) and kind else []
        if item.get("primary") is True:
            prefixes.append(f"{name}[primary eq true]")
        for prefix in prefixes:
            for sub, value in item.items():
                if sub not in ("type", "primary"):
                    flat.setdefault(f"{prefix}.{sub}", value)


def _flatten_into(prefix: str, value: Mapping[str, Any], flat: dict[str, Any]) -> None:
    for name, item in value.items():
        key = f"{prefix}{name}"
        if isinstance(item, dict):
            for sub, inner in item.items():
                if not isinstance(inner, dict | list):
                    flat[f"{key}.{sub}"] = inner
        elif isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
            _typed_values(key, item, flat)
        else:
            flat[key] = item


def flatten_user(data: Mapping[str, Any]) -> dict[str, Any]:
    """A SCIM User as source attributes (see the module's docstring)."""
    flat: dict[str, Any] = {}
    core = {k: v for k, v in data.items() if not k.startswith("urn:") and k != "schemas"}
    _flatten_into("", core, flat)
    for urn, extension in data.items():
        if urn.startswith("urn:") and isinstance(extension, dict):
            _flatten_into(f"{urn}:", extension, flat)
    return flat


class InboundReader:
    """The reader of an api source: it is fed by uploads, so a read gives nothing."""

    def __init__(self, source: SourceDefinition) -> None:
        self._source = source

    async def read(self, *, since: dict[str, object] | None) -> ReadResult:
        """Nothing to read: records arrive by ``bulkUpload``."""
        return ReadResult((), complete=False, watermark=dict(since or {}))

    async def test(self) -> TestReport:
        """An api source is ready once it has a key."""
        if not self._source.has_api_key:
            return TestReport(
                False,
                f"source {self._source.name!r} has no API key; run "
                f"scimitar source rotate-key {self._source.name}",
            )
        return TestReport(
            True,
            f"source {self._source.name!r} takes uploads at "
            f"/api/v1/sources/{self._source.name}/bulkUpload",
        )


register_reader("api", InboundReader)
