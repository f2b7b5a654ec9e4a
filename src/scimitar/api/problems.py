"""Errors as RFC 9457 problem details: the one place that maps Scimitar's errors to statuses.

Every error response of the admin API is ``application/problem+json`` with ``type``, ``title``,
``status`` and a ``detail`` a person can act on (it names the object, the field and the fix, as
the service's message does). Request validation problems list each field in ``errors``.
A response never carries a traceback; unexpected errors are logged and answered with a 500
whose detail says only that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from scimitar import jsonlimits
from scimitar.apps import ConnectionTestError
from scimitar.apps.config_document import ConfigDocumentError
from scimitar.directory.errors import (
    AttributeValueError,
    DuplicateObjectError,
    ImportRejectedError,
)
from scimitar.engine.run.admission import (
    CycleBusyError,
    DeletionsHeldError,
    JobPausedError,
    ProvisioningOffError,
)
from scimitar.engine.run.ondemand_lease import JobBusyError
from scimitar.errors import (
    ConfigError,
    ExpressionError,
    ExpressionSyntaxError,
    JobError,
    NotFoundError,
    RetryableError,
    ScimitarError,
)
from scimitar.sources.ownership import SourceOwnedError
from scimitar.sources.service import SourceBusyError

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "FieldProblem",
    "NothingHeldError",
    "Problem",
    "ProblemError",
    "install_problem_handlers",
    "problem_description",
    "problem_response",
    "problem_responses",
]

log = structlog.get_logger("scimitar.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "urn:scimitar:problem:"


class FieldProblem(BaseModel):
    """One thing wrong with one field of a request."""

    field: str = Field(description="Where: body.name, query.limit, path.app, or a file's line.")
    message: str = Field(description="What is wrong with it and what to give instead.")
    line: int | None = Field(default=None, description="The line, for a file or an expression.")
    column: int | None = Field(default=None, description="The column, for an expression.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URN naming the kind of problem, e.g. urn:scimitar:problem:")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong on which object, and how to fix it.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="For validation problems: each field at fault."
    )


class NothingHeldError(ConfigError):
    """Held deletions were allowed or rejected while none are held."""


@dataclass(frozen=True, slots=True)
class _Kind:
    status: int
    slug: str
    title: str


_NOT_FOUND = _Kind(404, "not-found", "Not found")
_CONFLICT = _Kind(409, "conflict", "Conflict")
_INVALID = _Kind(422, "invalid", "Invalid value")
_EXPRESSION = _Kind(422, "expression", "Expression error")
_IMPORT = _Kind(422, "import-rejected", "Import rejected")
_CONNECTION = _Kind(409, "connection-test-failed", "Test Connection failed")
_BUSY = _Kind(409, "cycle-running", "A cycle is running")
_OFF = _Kind(409, "provisioning-off", "Provisioning is off")
_PAUSED = _Kind(409, "paused", "Provisioning is paused")
_HELD = _Kind(409, "deletions-held", "Deletions are held")
_NOTHING_HELD = _Kind(409, "no-held-deletions", "No deletions are held")
_SOURCE_OWNED = _Kind(409, "source-owned", "A source feeds this object")
_SOURCE_BUSY = _Kind(409, "source-syncing", "A sync of this source is running")
_APP_REFUSED = _Kind(502, "app-refused", "The app refused the request")
_APP_UNAVAILABLE = _Kind(503, "app-unavailable", "The app is unavailable")
_UNAUTHORIZED = _Kind(401, "unauthorized", "Unauthorized")
_BAD_REQUEST = _Kind(422, "validation", "Invalid request")
_INTERNAL = _Kind(500, "internal", "Internal error")

# Most specific first: the first class an error is an instance of decides.
_KINDS: tuple[tuple[type[ScimitarError], _Kind], ...] = (
    (NotFoundError, _NOT_FOUND),
    (DuplicateObjectError, _CONFLICT),
    (ImportRejectedError, _IMPORT),
    (ConfigDocumentError, _IMPORT),
    (ConnectionTestError, _CONNECTION),
    (CycleBusyError, _BUSY),
    (JobBusyError, _BUSY),
    (ProvisioningOffError, _OFF),
    (JobPausedError, _PAUSED),
    (DeletionsHeldError, _HELD),
    (NothingHeldError, _NOTHING_HELD),
    (SourceOwnedError, _SOURCE_OWNED),
    (SourceBusyError, _SOURCE_BUSY),
    (ExpressionError, _EXPRESSION),
    (ConfigError, _INVALID),
    (JobError, _APP_REFUSED),
    (RetryableError, _APP_UNAVAILABLE),
    (ScimitarError, _APP_REFUSED),
)


class ProblemError(Exception):
    """Raised by a route for a problem that is no service error (e.g. a bad API key).

    Args:
        status: The HTTP status.
        slug: The last part of the problem type.
        title: The problem's title.
        detail: What went wrong and what to do.
        headers: Extra response headers (``WWW-Authenticate``).
    """

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = _Kind(status, slug, title)
        self.detail = detail
        self.headers = headers


def kind_of(error: ScimitarError) -> _Kind:
    """The problem kind (status, type, title) of a service error."""
    for cls, kind in _KINDS:
        if isinstance(error, cls):
            return kind
    return _APP_REFUSED


def _extensions(error: ScimitarError) -> dict[str, Any]:
    if isinstance(error, ImportRejectedError):
        return {
            "errors": [
                {"field": p.field or "file", "message": p.message, "line": p.line}
                for p in error.problems
            ]
        }
    if isinstance(error, ConfigDocumentError):
        return {"errors": [{"field": p.path, "message": p.message} for p in error.problems]}
    if isinstance(error, AttributeValueError):
        return {"errors": [{"field": f"body.{error.field}", "message": error.message}]}
    if isinstance(error, ExpressionSyntaxError):
        problem = {"field": "expression", "message": error.message}
        return {"errors": [{**problem, "line": error.line, "column": error.column}]}
    if isinstance(error, ConnectionTestError):
        return {"testConnection": error.result.to_dict()}
    return {}


def _response(
    kind: _Kind, detail: str, extra: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "type": _TYPE_BASE + kind.slug,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, kind.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_name(location: Sequence[Any]) -> str:
    return ".".join(str(part) for part in location)


def _on_scimitar_error(exc: ScimitarError) -> JSONResponse:
    kind = kind_of(exc)
    if kind.status >= 500:
        log.warning("api_app_error", error=str(exc), kind=kind.slug)
    return _response(kind, str(exc), _extensions(exc))


def _on_problem(exc: ProblemError) -> JSONResponse:
    return _response(exc.kind, exc.detail, {}, exc.headers)


def problem_response(exc: ProblemError) -> JSONResponse:
    """The ``application/problem+json`` answer to ``exc``, for routes outside the admin API."""
    return _on_problem(exc)


def _on_validation(exc: RequestValidationError) -> JSONResponse:
    fields = [
        {"field": _field_name(error.get("loc", ())), "message": str(error.get("msg", ""))}
        for error in exc.errors()
    ]
    names = ", ".join(item["field"] for item in fields) or "the request"
    detail = f"the request is not valid: check {names} (see errors for each field)"
    return _response(_BAD_REQUEST, detail, {"errors": fields})


def _unreadable_body(cause: BaseException | None) -> str | None:
    """What FastAPI's "error parsing the body" was, from the exception it chained."""
    if isinstance(cause, RecursionError):
        return (
            "the body nests arrays and objects deeper than the server reads; no request "
            f"needs more than {jsonlimits.MAX_DEPTH} levels: flatten it"
        )
    if isinstance(cause, UnicodeDecodeError):
        return "the body is not UTF-8 text; send JSON encoded as UTF-8"
    return None


def _on_http(exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request"}
    kind = _Kind(exc.status_code, f"http-{exc.status_code}", titles.get(exc.status_code, "Error"))
    detail = str(exc.detail)
    if exc.status_code == 400:
        detail = _unreadable_body(exc.__cause__) or detail
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such API path; the operations are listed at /api/v1/openapi.json"
    return _response(kind, detail, {}, dict(exc.headers or {}) or None)


def _on_unexpected(exc: Exception) -> JSONResponse:
    log.exception("api_unexpected_error", error_type=type(exc).__name__)
    detail = "an unexpected error occurred; it was logged on the server. Try again, or report it"
    return _response(_INTERNAL, detail, {})


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ScimitarError):
        return _on_scimitar_error(exc)
    if isinstance(exc, ProblemError):
        return _on_problem(exc)
    if isinstance(exc, RequestValidationError):
        return _on_validation(exc)
    if isinstance(exc, StarletteHTTPException):
        return _on_http(exc)
    return _on_unexpected(exc)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` an ``application/problem+json`` response."""
    for kind in (ScimitarError, ProblemError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, _handle)
    app.add_exception_handler(Exception, _handle)


_DESCRIPTIONS = {
    400: "The body cannot be read (not JSON, or not UTF-8).",
    401: "No API key, or not a valid one (`Authorization: Bearer KEY`).",
    405: "The path does not take this method (see Allow).",
    404: "The app, user, group, template or other object named in the path does not exist.",
    409: "The request conflicts with the current state (a duplicate, a running cycle, a "
    "failing Test Connection).",
    413: "The request body is over the server's limit (SCIMITAR_MAX_REQUEST_BYTES).",
    422: "A value is invalid; `errors` lists the fields.",
    429: "Too many requests with a wrong API key from this address or for this key; wait "
    "Retry-After seconds.",
    502: "The app answered with an error.",
    503: "The app could not be reached; try again later.",
}


def problem_description(status: int) -> str:
    """What an error status means in this API, for the OpenAPI document."""
    return _DESCRIPTIONS.get(status, "An error (see detail).")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting these error statuses as problem details."""
    return {status: {"description": problem_description(status)} for status in statuses}
