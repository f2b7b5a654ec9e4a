"""The admin API's OpenAPI document, with every error response documented as a problem.

FastAPI documents request validation errors as its own ``HTTPValidationError`` shape; this API
answers them (and every other error) as RFC 9457 problem details, so the document says so: each
error status of each operation names the ``Problem`` schema under ``application/problem+json``,
every operation may answer 401 and 422, operations with path parameters 404, and operations
with a body 400 (a body that is not JSON).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from scimitar.api.problems import PROBLEM_MEDIA_TYPE, Problem, problem_description

__all__ = ["install_openapi"]

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _problem_response(status: str, current: dict[str, Any] | None) -> dict[str, Any]:
    description = (current or {}).get("description") or problem_description(int(status))
    if status == "422":
        description = problem_description(422)
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


def _fix_operation(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    needed = {"401", "422"}
    if "{" in path:
        needed.add("404")
    if "requestBody" in operation:
        needed.add("400")
    for status in sorted(needed | {s for s in responses if s[:1] in ("4", "5")}):
        responses[status] = _problem_response(status, responses.get(status))


def build_document(api: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``api`` with problem responses throughout."""
    document = get_openapi(
        title=api.title,
        version=api.version,
        description=api.description,
        routes=api.routes,
    )
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            _fix_operation(path, operation)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem.pop("$defs", {}).items():
        schemas[name] = definition
    schemas["Problem"] = problem
    return document


def install_openapi(api: FastAPI) -> None:
    """Serve :func:`build_document` (built once) as the app's OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = build_document(api)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
