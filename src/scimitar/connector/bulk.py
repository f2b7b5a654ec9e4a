"""Bulk requests (RFC 7644 §3.7) and their BulkResponse read back, one result per operation.

Requests: :class:`BulkOperation` values split into bodies within the app's ``maxOperations``
and ``maxPayloadSize`` (:func:`bulk_bodies`), refusing a ``bulkId:`` reference that would cross a
request boundary. Responses (§3.7.3):

Each response operation is matched to the request operation it answers — by ``bulkId`` when it
has one, otherwise by method in request order — and its ``status`` (a string, an integer, or
SCIM 1.1's ``{"code": ...}``) and ``response`` (a SCIM error, RFC 7644 §3.12) are classified by
:func:`~scimitar.connector.errors.error_for_response`, the same mapping as a single request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from scimitar import jsontext
from scimitar.connector.errors import TargetResponseError, error_for_response
from scimitar.connector.transport import TransportResponse
from scimitar.errors import ConfigError, RetryableError, SyncError

__all__ = [
    "BULK_REQUEST",
    "NOT_RUN",
    "BulkMethod",
    "BulkOperation",
    "BulkOperationNotRunError",
    "BulkResult",
    "bulk_bodies",
    "bulk_results",
    "not_run_results",
]

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
_BULK_REFERENCE = re.compile(r'bulkId:([^"\\/\s]+)')
BulkMethod = Literal["POST", "PUT", "PATCH", "DELETE"]
_Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BulkOperation:
    """One operation of a Bulk request (RFC 7644 §3.7).

    Attributes:
        method: ``POST``, ``PUT``, ``PATCH`` or ``DELETE``.
        path: ``/Users`` for POST, ``/Users/{id}`` otherwise.
        bulk_id: Required for POST; other operations may refer to it as ``bulkId:<id>``.
        data: The request body (absent for DELETE).
        version: The ETag to match, if any.
    """

    method: BulkMethod
    path: str
    bulk_id: str | None = None
    data: Mapping[str, Any] | None = None
    version: str | None = None

    def __post_init__(self) -> None:
        if self.method == "POST" and not self.bulk_id:
            raise ValueError("a Bulk POST needs a bulkId (RFC 7644 §3.7)")

    def to_dict(self) -> _Body:
        """The wire shape: ``{method, path, bulkId?, version?, data?}``."""
        item: _Body = {"method": self.method, "path": self.path}
        if self.bulk_id is not None:
            item["bulkId"] = self.bulk_id
        if self.version is not None:
            item["version"] = self.version
        if self.data is not None:
            item["data"] = dict(self.data)
        return item


#: Bytes kept free in a request for a ``failOnErrors`` member set after packing.
_ENVELOPE_SLACK = 32


def bulk_bodies(
    operations: Sequence[BulkOperation],
    max_operations: int,
    *,
    fail_on_errors: int | None = None,
    max_payload_size: int | None = None,
) -> list[_Body]:
    """Bulk requests within the target's ``bulk.maxOperations`` and ``bulk.maxPayloadSize``.

    Operations go into a request in order until the next would pass either limit (RFC 7644
    §3.7: a request over them is refused with 413). The size is the compact JSON the
    connector sends. An operation too large for any request goes in one of its own, so the
    app's answer (a 413) fails that object alone.

    Args:
        operations: The operations, in order.
        max_operations: Most operations per request (from ``/ServiceProviderConfig``).
        fail_on_errors: Errors after which the target stops a request, if set.
        max_payload_size: Most bytes per request, if the app states it.

    Raises:
        ConfigError: If a limit is below 1, or a ``bulkId:`` reference would cross a request
            boundary (the target only resolves references within one request).
    """
    if max_operations < 1:
        raise ConfigError(f"bulk maxOperations must be at least 1, not {max_operations}")
    if max_payload_size is not None and max_payload_size < 1:
        raise ConfigError(f"bulk maxPayloadSize must be at least 1, not {max_payload_size}")
    envelope: _Body = {"schemas": [BULK_REQUEST]}
    if fail_on_errors is not None:
        envelope["failOnErrors"] = fail_on_errors
    items = [op.to_dict() for op in operations]
    bodies = []
    for start, end in _chunks(envelope, items, max_operations, max_payload_size):
        _check_references(operations[start:end], operations)
        bodies.append({**envelope, "Operations": items[start:end]})
    return bodies


def _chunks(
    envelope: _Body, items: Sequence[_Body], most: int, payload: int | None
) -> list[tuple[int, int]]:
    """``(start, end)`` of each request's operations."""
    if payload is None:
        return [(s, min(s + most, len(items))) for s in range(0, len(items), most)]
    # The envelope with an empty list, plus each operation and its comma.
    base = len(jsontext.dumps_bytes({**envelope, "Operations": []})) + _ENVELOPE_SLACK
    bounds: list[tuple[int, int]] = []
    start, size = 0, base
    for index, item in enumerate(items):
        grown = size + len(jsontext.dumps_bytes(item)) + 1
        if index > start and (index - start >= most or grown > payload):
            bounds.append((start, index))
            start, grown = index, base + len(jsontext.dumps_bytes(item)) + 1
        size = grown
    if start < len(items):
        bounds.append((start, len(items)))
    return bounds


def _check_references(chunk: Sequence[BulkOperation], everything: Sequence[BulkOperation]) -> None:
    local = {op.bulk_id for op in chunk if op.bulk_id}
    referenced = set(_BULK_REFERENCE.findall(jsontext.dumps([[op.path, op.data] for op in chunk])))
    if not referenced - local:
        return
    known = {op.bulk_id for op in everything if op.bulk_id}
    for bulk_id in sorted((referenced - local) & known):
        message = f"bulkId:{bulk_id} is referenced outside the request that creates it"
        raise ConfigError(f"{message}; raise max_operations or reorder the operations")


#: The :attr:`BulkResult.status` of an operation the target did not run.
NOT_RUN = 0


class BulkOperationNotRunError(RetryableError):
    """The target stopped before this operation (``failOnErrors``, RFC 7644 §3.7.3)."""


@dataclass(frozen=True)
class BulkResult:
    """The outcome of one Bulk operation.

    Attributes:
        index: The operation's position in the sequence given to ``bulk()``.
        status: Its HTTP status, or :data:`NOT_RUN` (0) when the target did not run it.
        target_id: The resource's id from ``location`` (or the response's ``id``) on success.
        error: The classified failure, or ``None`` on success.
    """

    index: int
    status: int
    target_id: str | None
    error: SyncError | None

    @property
    def is_success(self) -> bool:
        """Whether the operation succeeded."""
        return self.error is None


def bulk_results(
    operations: Sequence[BulkOperation], start: int, document: Any, url: str
) -> list[BulkResult]:
    """One result per operation of one Bulk request, in request order.

    Args:
        operations: The request's operations.
        start: The index of ``operations[0]`` in the caller's whole sequence.
        document: The decoded BulkResponse.
        url: The Bulk URL, for messages.

    Raises:
        TargetResponseError: The document is not a BulkResponse.
    """
    answers = document.get("Operations") if isinstance(document, dict) else None
    if not isinstance(answers, list):
        text = repr(document)[:200]
        raise TargetResponseError(f"POST {url}: the answer is not a BulkResponse: {text}")
    matched = _match(operations, [a for a in answers if isinstance(a, dict)])
    results = []
    for position, operation in enumerate(operations):
        answer = matched.get(position)
        index = start + position
        if answer is None:
            results.append(not_run_results([index], url)[0])
        else:
            results.append(_result(index, operation, answer, url))
    return results


def not_run_results(indexes: Sequence[int], url: str) -> list[BulkResult]:
    """Results for operations the target never ran (or that were never sent)."""
    message = f"POST {url}: the target stopped before this operation; it was not run"
    return [BulkResult(i, NOT_RUN, None, BulkOperationNotRunError(message)) for i in indexes]


def _match(
    operations: Sequence[BulkOperation], answers: list[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    by_bulk_id = {op.bulk_id: i for i, op in enumerate(operations) if op.bulk_id}
    matched: dict[int, dict[str, Any]] = {}
    for answer in answers:
        position = by_bulk_id.get(str(answer.get("bulkId")))
        if position is None or position in matched:
            position = _next_unmatched(operations, matched, answer.get("method"))
        if position is not None:
            matched[position] = answer
    return matched


def _next_unmatched(
    operations: Sequence[BulkOperation], matched: Mapping[int, Any], method: Any
) -> int | None:
    wanted = str(method).upper() if method else None
    for position, operation in enumerate(operations):
        if position not in matched and (wanted is None or operation.method == wanted):
            return position
    return None


def _result(
    index: int, operation: BulkOperation, answer: Mapping[str, Any], url: str
) -> BulkResult:
    status = _status(answer.get("status"))
    label = f"Bulk {operation.method} {operation.path}"
    if status is None:
        error = TargetResponseError(f"POST {url}: {label}: no status in {repr(answer)[:200]}")
        return BulkResult(index, NOT_RUN, None, error)
    if status >= 400:
        body = json.dumps(answer.get("response") or {}).encode()
        failed = TransportResponse(status, {}, body)
        return BulkResult(index, status, None, error_for_response(operation.method, label, failed))
    target_id = _target_id(answer)
    if target_id is None and operation.method == "POST":
        error = TargetResponseError(f"POST {url}: {label}: HTTP {status} without a location")
        return BulkResult(index, status, None, error)
    return BulkResult(index, status, target_id, None)


def _status(value: Any) -> int | None:
    if isinstance(value, Mapping):
        value = value.get("code")
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


#: An absolute http(s) URL's path: what ``urlsplit(url).path`` gives, in a tenth of the time
#: (a Bulk response has a location per created object).
_HTTP_PATH = re.compile(r"https?://[^/?#]*([^?#]*)", re.IGNORECASE)


def _path(location: str) -> str:
    found = _HTTP_PATH.match(location)
    return found.group(1) if found else urlsplit(location).path


def _target_id(answer: Mapping[str, Any]) -> str | None:
    location = answer.get("location")
    if isinstance(location, str) and location.strip("/"):
        return unquote(_path(location).rstrip("/").rsplit("/", 1)[-1])
    response = answer.get("response")
    if isinstance(response, Mapping) and isinstance(response.get("id"), str):
        return str(response["id"])
    return None
