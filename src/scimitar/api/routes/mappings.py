"""``/apps/{app}/mappings``, ``/apps/{app}/scoping`` and ``/expressions``.

Expressions are checked before a mapping is saved (a syntax error is a 422 whose ``errors`` give
the line and column); ``/expressions/check`` and the test call let a form check as one types.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from scimitar.api.deps import ActorDep, Services, ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.routes.apps import AppKey, job_document
from scimitar.api.schemas.apps import JobDocument
from scimitar.api.schemas.mappings import (
    ExpressionCheck,
    ExpressionCheckResult,
    ExpressionEvaluate,
    ExpressionResult,
    ExpressionTest,
    FunctionDocument,
    MappingEditBody,
    MappingSetDocument,
    MappingSetEdited,
    ScopingClauseBody,
    ScopingFilterDocument,
)
from scimitar.apps import MappingEdit, object_type_named
from scimitar.apps.attributes import type_named
from scimitar.apps.model import App
from scimitar.apps.reference_rules import reference_warnings
from scimitar.engine.run.context import role_assignment
from scimitar.errors import ConfigError, ExpressionSyntaxError, ObjectError
from scimitar.mapping import LIBRARY, compile_expression, evaluate
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.mapping.mappings import FlowType, MappingSet, SourceType
from scimitar.mapping.values import IGNORE_FLOW

__all__ = ["router"]

router = APIRouter()

ObjectType = Annotated[str, Path(description="user or group: which object mapping.")]
Target = Annotated[str, Path(description="A target attribute, e.g. name.givenName.")]
_READ = problem_responses(404, 422)
_WRITE = problem_responses(404, 422)
_APPLY = {"always": FlowType.ALWAYS, "create": FlowType.OBJECT_ADD_ONLY}


@router.get(
    "/apps/{app}/mappings",
    response_model=dict[str, MappingSetDocument],
    responses=_READ,
    tags=["mappings"],
    summary="Export every mapping set",
)
async def export_mappings(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Every mapping set by object type, as `PUT /apps/{app}/mappings` reads it back."""
    return await services.apps.mappings.export(app)


@router.put(
    "/apps/{app}/mappings",
    response_model=JobDocument,
    responses=_WRITE,
    tags=["mappings"],
    summary="Import mapping sets",
)
async def import_mappings(
    actor: ActorDep,
    services: ServicesDep,
    app: AppKey,
    body: Annotated[
        dict[str, Any],
        Body(description='{"User": set, "Group": set}, or one set; as GET returns them.'),
    ],
) -> dict[str, Any]:
    """Replace mapping sets (checked first, nothing saved on error); next cycle is initial."""
    config = await services.apps.mappings.import_document(app, json.dumps(body), actor=actor)
    return job_document(config)


@router.post(
    "/apps/{app}/mappings/restore-defaults",
    response_model=JobDocument,
    responses=_READ,
    tags=["mappings"],
    summary="Restore default mappings",
)
async def restore_defaults(actor: ActorDep, services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Put back the template's default mappings (and no scoping filters)."""
    return job_document(await services.apps.mappings.restore_defaults(app, actor=actor))


@router.get(
    "/apps/{app}/mappings/{object_type}",
    response_model=MappingSetDocument,
    responses=_READ,
    tags=["mappings"],
    summary="Show a mapping set",
)
async def show_mappings(
    services: ServicesDep, app: AppKey, object_type: ObjectType
) -> dict[str, Any]:
    """The attribute mappings and scoping filters of users or groups."""
    return (await services.apps.mappings.show(app, object_type)).to_dict()


def _edit(target: str, body: MappingEditBody) -> MappingEdit:
    sources = [
        (SourceType.ATTRIBUTE, body.source),
        (SourceType.CONSTANT, body.constant),
        (SourceType.EXPRESSION, body.expression),
    ]
    given = [(kind, text) for kind, text in sources if text is not None]
    if len(given) > 1:
        raise ConfigError("give one of source, constant and expression in the body, not several")
    kind, text = given[0] if given else (None, None)
    if kind is SourceType.EXPRESSION and text is not None:
        compile_expression(text)
    flow = _APPLY[body.apply] if body.apply else None
    kind_of = type_named(body.type) if body.type is not None else None
    return MappingEdit(target.strip(), kind, text, body.matching, body.default, flow, kind_of)


@router.put(
    "/apps/{app}/mappings/{object_type}/attributes/{target}",
    response_model=MappingSetEdited,
    responses=_WRITE,
    tags=["mappings"],
    summary="Add or change a mapping",
)
async def set_mapping(
    actor: ActorDep,
    services: ServicesDep,
    app: AppKey,
    object_type: ObjectType,
    target: Target,
    body: MappingEditBody,
) -> dict[str, Any]:
    """Add or change the mapping of a target attribute; expressions are checked first.

    A reference source (manager, members) mapped to an attribute the list does not type
    Reference is refused (422) unless `type` is given; typed String it comes with a warning.
    """
    edit = _edit(target, body)
    edited = await services.apps.mappings.set_mapping(app, object_type, edit, actor=actor)
    return {**edited.to_dict(), "warnings": reference_warnings(edited, edit.target)}


@router.delete(
    "/apps/{app}/mappings/{object_type}/attributes/{target}",
    response_model=MappingSetDocument,
    responses=_WRITE,
    tags=["mappings"],
    summary="Remove a mapping",
)
async def remove_mapping(
    actor: ActorDep, services: ServicesDep, app: AppKey, object_type: ObjectType, target: Target
) -> dict[str, Any]:
    """Remove the mapping of a target attribute (the last matching one cannot go)."""
    return (
        await services.apps.mappings.remove_mapping(app, object_type, target, actor=actor)
    ).to_dict()


@router.get(
    "/apps/{app}/scoping/{object_type}",
    response_model=list[ScopingFilterDocument],
    responses=_READ,
    tags=["scoping"],
    summary="Show scoping filters",
)
async def show_scoping(
    services: ServicesDep, app: AppKey, object_type: ObjectType
) -> list[dict[str, Any]]:
    """The scoping filters of users or groups (clauses AND, filters OR)."""
    mapping_set = await services.apps.mappings.show(app, object_type)
    return [group.to_dict() for group in mapping_set.scoping_filters]


@router.post(
    "/apps/{app}/scoping/{object_type}/clauses",
    response_model=MappingSetDocument,
    responses=_WRITE,
    tags=["scoping"],
    summary="Add a scoping clause",
)
async def add_scoping_clause(
    actor: ActorDep,
    services: ServicesDep,
    app: AppKey,
    object_type: ObjectType,
    body: ScopingClauseBody,
) -> dict[str, Any]:
    """Add a clause to a scoping filter (created if new); the next cycle is initial."""
    clause = (body.attribute, body.operator, body.value)
    changed = await services.apps.mappings.add_scoping_clause(
        app, object_type, body.filter, clause, actor=actor
    )
    return changed.to_dict()


@router.delete(
    "/apps/{app}/scoping/{object_type}/filters/{name}",
    response_model=MappingSetDocument,
    responses=_WRITE,
    tags=["scoping"],
    summary="Remove a scoping filter or clause",
)
async def remove_scoping(
    actor: ActorDep,
    services: ServicesDep,
    app: AppKey,
    object_type: ObjectType,
    name: Annotated[str, Path(description="The filter's name.")],
    clause: Annotated[
        int | None, Query(ge=1, le=1000, description="Only this clause (from 1).")
    ] = None,
) -> dict[str, Any]:
    """Remove a scoping filter, or one of its clauses."""
    changed = await services.apps.mappings.remove_scoping(
        app, object_type, name, clause, actor=actor
    )
    return changed.to_dict()


@router.delete(
    "/apps/{app}/scoping/{object_type}",
    response_model=MappingSetDocument,
    responses=_WRITE,
    tags=["scoping"],
    summary="Clear scoping filters",
)
async def clear_scoping(
    actor: ActorDep, services: ServicesDep, app: AppKey, object_type: ObjectType
) -> dict[str, Any]:
    """Remove every scoping filter: everything assigned is in scope again."""
    return (await services.apps.mappings.clear_scoping(app, object_type, actor=actor)).to_dict()


@router.post(
    "/expressions/check",
    response_model=ExpressionCheckResult,
    tags=["expressions"],
    summary="Check an expression",
)
async def check_expression(body: ExpressionCheck) -> dict[str, Any]:
    """Whether an expression parses; a syntax error comes back with line and column (200)."""
    try:
        compiled = compile_expression(body.expression)
    except ExpressionSyntaxError as exc:
        error = {
            "message": exc.message,
            "line": exc.line,
            "column": exc.column,
            "expected": list(exc.expected),
        }
        return {"valid": False, "error": error, "attributes": []}
    return {"valid": True, "error": None, "attributes": sorted(compiled.attributes)}


def _result(value: Any, object_id: str | None = None) -> dict[str, Any]:
    if value is IGNORE_FLOW:
        return {"result": None, "isFlowIgnored": True, "objectId": object_id}
    return {"result": value, "isFlowIgnored": False, "objectId": object_id}


@router.post(
    "/expressions/evaluate",
    response_model=ExpressionResult,
    responses=problem_responses(422),
    tags=["expressions"],
    summary="Evaluate an expression",
)
async def evaluate_expression(body: ExpressionEvaluate) -> dict[str, Any]:
    """Evaluate an expression with the given source attributes (as `scimitar expr eval`)."""
    return _result(evaluate(body.expression, dict(body.attributes)))


@router.get(
    "/expressions/functions",
    response_model=list[FunctionDocument],
    tags=["expressions"],
    summary="List functions",
)
async def list_functions() -> list[dict[str, Any]]:
    """Every function of the expression language, with its signature."""
    return [
        {
            "name": spec.name,
            "signature": spec.signature(),
            "summary": spec.summary,
            "parameters": [
                {"name": p.name, "required": p.required, "allowMultipleOccurrences": p.repeats}
                for p in spec.params
            ],
        }
        for spec in sorted(LIBRARY.values(), key=lambda s: s.name.lower())
    ]


@router.post(
    "/apps/{app}/mappings/{object_type}/test",
    response_model=ExpressionResult,
    responses=_WRITE,
    tags=["mappings"],
    summary="Test an expression on a user",
)
async def test_on_object(
    services: ServicesDep, app: AppKey, object_type: ObjectType, body: ExpressionTest
) -> dict[str, Any]:
    """Evaluate an expression, or the saved mapping of `target`, on one user (or group).

    The user is read as a cycle reads it, with its app role assignments for this app.
    """
    if (body.expression is None) == (body.target is None):
        raise ConfigError("give exactly one of expression and target in the body")
    config = await services.apps.provisioning.config(app)
    kind = object_type_named(object_type)
    object_id, attributes = await _source_object(services, config.app, kind, body)
    if body.expression is not None:
        return _result(evaluate(body.expression, attributes), object_id)
    mapping_set = await services.apps.mappings.show(config.app.id, kind)
    return _result(_mapped_value(mapping_set, str(body.target), attributes), object_id)


async def _source_object(
    services: Services, app: App, kind: str, body: ExpressionTest
) -> tuple[str, dict[str, Any]]:
    if kind == "User":
        if body.user is None or body.group is not None:
            raise ConfigError("user mappings are tested on a user: give user (UPN or objectId)")
        user = await services.directory.users.get(body.user)
        roles = (await services.apps.assignments.effective_roles(app)).get(user.object_id, ())
        assignments = tuple(role_assignment(user.object_id, r).to_mapping() for r in roles)
        return user.object_id, user.with_app_role_assignments(assignments).to_attributes()
    if body.group is None or body.user is not None:
        raise ConfigError("group mappings are tested on a group: give group (name or objectId)")
    group = await services.directory.groups.get(body.group)
    return group.object_id, group.to_attributes()


def _mapped_value(mapping_set: MappingSet, target: str, attributes: dict[str, Any]) -> Any:
    key = target.strip().lower()
    chosen = [m for m in mapping_set.mappings if m.target.lower() == key]
    if not chosen:
        raise ConfigError(f"{target} is not mapped in {mapping_set.name!r}; map it first")
    single = CompiledMappingSet(replace(mapping_set, mappings=(chosen[0],), scoping_filters=()))
    try:
        result = single.apply(attributes, is_create=True)
    except ObjectError as exc:
        raise ConfigError(f"the mapping of {chosen[0].target} fails on this object: {exc}") from exc
    if chosen[0].target in result.dropped:
        return IGNORE_FLOW
    return result.values.get(chosen[0].target)
