"""The connector's error taxonomy: every outcome of a request maps to what the engine does next.

Network failures come from the transport; HTTP failures from :func:`error_for_response`, the one
place that maps a status to an error class:

- 429, 502, 503, 504 and other 5xx → :class:`TargetUnavailableError` (retry, honouring
  ``Retry-After``), except 501;
- 501 → :class:`TargetNotImplementedError`: the app does not implement the request (RFC 9110
  §15.6.2), which no retry changes; the object fails, or the engine sends a PUT instead of a
  refused PATCH (docs/provisioning.md, "Apps that implement SCIM partly");
- 401, 403 → :class:`TargetAuthError` (stop the cycle, quarantine the job);
- 404 → :class:`TargetObjectNotFoundError` (relink or recreate);
- 409 → :class:`TargetObjectConflictError` (match and adopt);
- other 4xx → :class:`TargetRejectedObjectError` (escrow this object and go on).

The status line alone decides the class; the body only adds words. Real servers send odd error
bodies (``status`` as a number, no ``schemas``, an HTML page from a proxy, nothing at all): the
``detail`` and ``scimType`` are read wherever they are, whatever their type, and a body that is
not JSON is shown as a short, sanitized excerpt (see :func:`body_excerpt`).
"""

from __future__ import annotations

import html
import json
import re
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
    "TargetNotImplementedError",
    "TargetObjectConflictError",
    "TargetObjectNotFoundError",
    "TargetRejectedObjectError",
    "TargetResponseError",
    "TargetTLSError",
    "TargetUnavailableError",
    "TargetUnreachableError",
    "body_excerpt",
    "describe_body",
    "error_for_response",
    "retry_after_seconds",
    "scim_error_detail",
]

_CISCO_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"
_RETRY_STATUSES = frozenset({408, 425, 429})
#: Most characters of a non-JSON error body quoted in an error message.
EXCERPT_CHARS = 120
# Words that mark a body echoing request headers: such a body is described, never quoted.
_CREDENTIAL_WORDS = re.compile(rb"authori[sz]ation|bearer|cookie|token|password|secret", re.I)
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.I | re.S)
_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e\u00a0-\uffff]+")


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


class TargetNotImplementedError(HTTPFailure, ObjectError):
    """501: the app does not implement this request; retrying the same request cannot help."""


class TargetRejectedObjectError(HTTPFailure, ObjectError):
    """Another 4xx: the target refused this request for this object."""


class TargetResponseError(JobError):
    """A success status with a body that is not the SCIM document expected."""


def error_for_response(method: str, url: str, response: TransportResponse) -> HTTPFailure:
    """The error a failed response stands for (see the module docstring for the mapping)."""
    detail, scim_type = scim_error_detail(response.body)
    detail = detail or body_excerpt(response)
    message = f"{method} {url}: HTTP {response.status}" + (f": {detail}" if detail else "")
    options: dict[str, Any] = {"status": response.status, "detail": detail, "scim_type": scim_type}
    if response.status == 501:
        return TargetNotImplementedError(message, **options)
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


def body_excerpt(response: TransportResponse) -> str:
    """The start of an error body that is not a JSON object, safe to put in an error message.

    Markup is stripped (an HTML error page from a proxy reads as its text), whitespace collapsed,
    control characters dropped, and at most :data:`EXCERPT_CHARS` characters kept. A body that
    names a credential anywhere (``Authorization``, ``Bearer``, ``Cookie``, a token ...) is only
    described (:func:`describe_body`): a server echoing the request would quote our headers, and
    the client's blanking of the token (``SCIMClient.send``) is not relied on alone. A JSON
    object, even one without a ``detail``, and an empty body give ``""``.
    """
    body = response.body
    if not body.strip() or _is_json_object(body):
        return ""
    if _CREDENTIAL_WORDS.search(body):
        return f"a body that is not SCIM JSON ({describe_body(response)})"
    text = body[: EXCERPT_CHARS * 64].decode("utf-8", errors="replace")
    text = html.unescape(_MARKUP.sub(" ", text))
    text = " ".join(_NOT_PRINTABLE.sub(" ", text).split())
    if not text:
        return f"a body that is not SCIM JSON ({describe_body(response)})"
    cut = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
    return f"a body that is not SCIM JSON, starting {cut!r}"


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def scim_error_detail(body: bytes) -> tuple[str, str | None]:
    """``(detail, scimType)`` of a SCIM error body (RFC 7644 §3.12), read leniently.

    ``schemas`` and ``status`` are not required and their types do not matter (the HTTP status
    classifies). ``detail`` is looked for in the RFC place, Webex's error block, SCIM 1.1's
    ``Errors[0].description``, then a plain ``message``; a value that is not a string is shown
    as its JSON text. A body that is not JSON gives no detail: this function never quotes its
    bytes (see :func:`describe_body`; :func:`body_excerpt` is the sanitized alternative).
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "", None
    if not isinstance(data, dict):
        return "", None
    vendor = data.get(_CISCO_ERROR)
    legacy = data.get("Errors")
    first = legacy[0] if isinstance(legacy, list) and legacy else None
    candidates = (
        data.get("detail"),
        vendor.get("details") if isinstance(vendor, dict) else None,
        first.get("description") if isinstance(first, dict) else None,
        data.get("message"),
    )
    detail = next((_text(c) for c in candidates if c not in (None, "", [], {})), "")
    scim_type = data.get("scimType")
    return detail, _text(scim_type) if scim_type not in (None, "") else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


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
