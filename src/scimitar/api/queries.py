"""Unknown or repeated query parameters are refused, so a typo (``?stauts=failure``) or a second
value is never silently ignored (every query parameter of the admin API takes one value)."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

__all__ = ["reject_unknown_query_parameters"]


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _known(route: APIRoute) -> set[str]:
    return _query_names(route.dependant)


async def reject_unknown_query_parameters(request: Request) -> None:
    """Raise a validation error naming each query parameter unknown here or given twice."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _known(route)
    accepted = ", ".join(sorted(known)) or "none"
    errors = [
        {
            "loc": ("query", name),
            "msg": f"unknown query parameter; this operation takes: {accepted}",
            "type": "extra_forbidden",
        }
        for name in sorted(set(request.query_params) - known)
    ]
    errors += [
        {"loc": ("query", name), "msg": "given more than once; give one value", "type": "repeated"}
        for name in sorted(known)
        if len(request.query_params.getlist(name)) > 1
    ]
    if errors:
        raise RequestValidationError(errors)
