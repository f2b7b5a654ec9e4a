"""A BulkResponse read back into one result per requested operation (RFC 7644 §3.7.3).

Each response operation is matched to the request operation it answers — by ``bulkId`` when it
has one, otherwise by method in request order — and its ``status`` (a string, an integer, or
SCIM 1.1's ``{"code": ...}``) and ``response`` (a SCIM error, RFC 7644 §3.12) are classified by
:func:`~scimitar.connector.errors.error_for_response`, the same mapping as a single request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from scimitar.connector.dialects import BulkOperation
from scimitar.connector.errors import TargetResponseError, error_for_response
from scimitar.connector.transport import TransportResponse
from scimitar.errors import RetryableError, SyncError

__all__ = [
    "NOT_RUN",
    "BulkOperationNotRunError",
    "BulkResult",
    "bulk_results",
    "not_run_results",
]

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


def _target_id(answer: Mapping[str, Any]) -> str | None:
    location = answer.get("location")
    if isinstance(location, str) and location.strip("/"):
        return unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])
    response = answer.get("response")
    if isinstance(response, Mapping) and isinstance(response.get("id"), str):
        return str(response["id"])
    return None
