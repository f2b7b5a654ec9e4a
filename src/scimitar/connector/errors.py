"""The connector's error taxonomy: every outcome of a request maps to what the engine does next.

Network failures come from the transport; HTTP failures from :func:`error_for_response`, the one
place that maps a status to an error class (CONVENTIONS.md, "Errors"):

- 429, 502, 503, 504 and other 5xx → :class:`TargetUnavailableError` (retry, honouring
  ``Retry-After``);
- 401, 403 → :class:`TargetAuthError` (stop the cycle, quarantine the job);
- 404 → :class:`TargetObjectNotFoundError` (relink or recreate);
- 409 → :class:`TargetObjectConflictError` (match and adopt);
- other 4xx → :class:`TargetRejectedObjectError` (escrow this object and go on).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from scimitar.errors import (
    JobError,
    ObjectError,
    RetryableError,
    SyncError,
    TargetConflictError,
    TargetNotFoundError,
)

if TYPE_CHECKING:
    from scimitar.connector.transport import TransportResponse

__all__ = [
    "HTTPFailure",
    "NetworkFailure",
    "TargetAuthError",
    "TargetObjectConflictError",
    "TargetObjectNotFoundError",
    "TargetRejectedObjectError",
    "TargetResponseError",
    "TargetTLSError",
    "TargetUnavailableError",
    "TargetUnreachableError",
    "describe_body",
    "error_for_response",
    "retry_after_seconds",
    "scim_error_detail",
]

_CISCO_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"
_RETRY_STATUSES = frozenset({408, 425, 429})


class NetworkFailure(StrEnum):
    """Why no HTTP response arrived."""

    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    RESET = "reset"
    TLS = "tls"


class TargetUnreachableError(RetryableError):
    """No response: the host did not resolve, refused, timed out or dropped the connection.

    Attributes:
        kind: Which of those happened.
        url: The request's URL.
        reason: The underlying error, in words.
    """

    def __init__(self, kind: NetworkFailure, url: str, reason: str) -> None:
        self.kind = kind
        self.url = url
        self.reason = reason
        super().__init__(f"{kind.value}: {url}: {reason}")


class TargetTLSError(JobError):
    """The TLS handshake failed (bad certificate, or not TLS at all); retrying will not help.

    Attributes:
        kind: Always :attr:`NetworkFailure.TLS`.
        url: The request's URL.
        reason: The underlying error, in words.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.kind = NetworkFailure.TLS
        self.url = url
        self.reason = reason
        super().__init__(f"tls: {url}: {reason}")


class HTTPFailure(SyncError):
    """A response with an error status.

    Attributes:
        status: The HTTP status.
        detail: The SCIM error's ``detail`` (or the start of the body).
        scim_type: The SCIM error's ``scimType``, if any.
        retry_after: Seconds the target asked to wait, if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: str = "",
        scim_type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.detail = detail
        self.scim_type = scim_type
        self.retry_after = retry_after
        super().__init__(message)


class TargetUnavailableError(HTTPFailure, RetryableError):
    """429, 5xx: the target is busy or failing; back off and retry."""


class TargetAuthError(HTTPFailure, JobError):
    """401 or 403: the credentials are refused."""


class TargetObjectNotFoundError(HTTPFailure, TargetNotFoundError):
    """404 on a resource."""


class TargetObjectConflictError(HTTPFailure, TargetConflictError):
    """409: the object already exists (or changed since it was read)."""


class TargetRejectedObjectError(HTTPFailure, ObjectError):
    """Another 4xx: the target refused this request for this object."""


class TargetResponseError(JobError):
    """A success status with a body that is not the SCIM document expected."""


def error_for_response(method: str, url: str, response: TransportResponse) -> HTTPFailure:
    """The error a failed response stands for (see the module docstring for the mapping)."""
    detail, scim_type = scim_error_detail(response.body)
    message = f"{method} {url}: HTTP {response.status}" + (f": {detail}" if detail else "")
    options: dict[str, Any] = {"status": response.status, "detail": detail, "scim_type": scim_type}
    if response.status in _RETRY_STATUSES or response.status >= 500:
        retry_after = retry_after_seconds(response.header("retry-after"))
        return TargetUnavailableError(message, retry_after=retry_after, **options)
    if response.status in (401, 403):
        return TargetAuthError(message, **options)
    if response.status == 404:
        return TargetObjectNotFoundError(message, **options)
    if response.status == 409:
        return TargetObjectConflictError(message, **options)
    return TargetRejectedObjectError(message, **options)


def describe_body(response: TransportResponse) -> str:
    """An answer's body as a person may see it: its content type and size, never its bytes.

    A server that echoes the request it got (a debugging endpoint, a misconfigured proxy) puts
    the ``Authorization`` header in its body; quoting bodies would show the token.
    """
    kind = response.header("content-type") or "no content type"
    return f"{kind}, {len(response.body)} bytes"


def scim_error_detail(body: bytes) -> tuple[str, str | None]:
    """``(detail, scimType)`` of a SCIM error body (RFC 7644 §3.12).

    A body that is not JSON gives no detail: its bytes are never quoted (see
    :func:`describe_body`).
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "", None
    if not isinstance(data, dict):
        return "", None
    detail = data.get("detail")
    vendor = data.get(_CISCO_ERROR)
    if not detail and isinstance(vendor, dict):
        detail = vendor.get("details")
    scim_type = data.get("scimType")
    return str(detail or ""), str(scim_type) if scim_type else None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())
