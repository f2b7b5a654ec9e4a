"""SCIM protocol errors (RFC 7644 §3.12).

Every error the SCIM core raises is a :class:`SCIMError`; it carries the HTTP status, the
``scimType`` keyword and a human-readable ``detail`` that names the attribute and says what to do.
The subclasses exist so callers can construct the common cases in one word and so tests can
assert on the kind of failure.
"""

from __future__ import annotations

from typing import Any

from scimitar.errors import ScimitarError

__all__ = [
    "ERROR_SCHEMA",
    "InvalidFilterError",
    "InvalidPathError",
    "InvalidSyntaxError",
    "InvalidValueError",
    "InvalidVersionError",
    "MutabilityError",
    "NoTargetError",
    "SCIMError",
    "SensitiveError",
    "TooManyError",
    "UniquenessError",
]

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class SCIMError(ScimitarError):
    """A SCIM protocol error, rendered as an RFC 7644 §3.12 error response.

    Attributes:
        status: The HTTP status code (400, 403, 409, ...).
        scim_type: The RFC 7644 Table 9 ``scimType`` keyword, or None.
        detail: A message naming what failed and what to do about it.
    """

    def __init__(self, status: int, scim_type: str | None, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.scim_type = scim_type
        self.detail = detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.scim_type!r}, {self.detail!r})"

    def to_body(self) -> dict[str, Any]:
        """Return the RFC 7644 §3.12 JSON error body.

        Returns:
            A dict with ``schemas``, ``status`` (a string, as the RFC's examples show),
            ``scimType`` when set, and ``detail``.
        """
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type is not None:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


class _KeywordError(SCIMError):
    """A SCIMError whose status and scimType are fixed by the subclass."""

    status_code = 400
    keyword: str | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(self.status_code, self.keyword, detail)


class InvalidFilterError(_KeywordError):
    """The filter syntax was invalid or the operator is not allowed here (400)."""

    keyword = "invalidFilter"


class InvalidPathError(_KeywordError):
    """A PATCH ``path`` was invalid or named an unknown attribute (400)."""

    keyword = "invalidPath"


class InvalidValueError(_KeywordError):
    """A value was missing, of the wrong type or otherwise unacceptable (400)."""

    keyword = "invalidValue"


class InvalidSyntaxError(_KeywordError):
    """The request body was not a valid SCIM message (400)."""

    keyword = "invalidSyntax"


class InvalidVersionError(_KeywordError):
    """The request used an unsupported SCIM protocol version (400)."""

    keyword = "invalidVers"


class NoTargetError(_KeywordError):
    """A PATCH path did not yield an attribute or value to operate on (400)."""

    keyword = "noTarget"


class MutabilityError(_KeywordError):
    """The change would modify a readOnly or immutable attribute (400)."""

    keyword = "mutability"


class UniquenessError(_KeywordError):
    """A unique attribute value is already in use (409)."""

    status_code = 409
    keyword = "uniqueness"


class TooManyError(_KeywordError):
    """The query would return more results than the server allows (400)."""

    keyword = "tooMany"


class SensitiveError(_KeywordError):
    """The request carried sensitive data in its URI; use POST /.search (403)."""

    status_code = 403
    keyword = "sensitive"
