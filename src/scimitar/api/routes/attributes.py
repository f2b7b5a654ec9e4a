"""``/apps/{app}/attributes/{object_type}``: the target attribute list (Entra's "Edit
attribute list for ..."; docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from scimitar.api.deps import ActorDep, ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.routes.apps import AppKey
from scimitar.api.schemas.attributes import TargetAttributeCreate, TargetAttributeDocument
from scimitar.apps.attributes import new_custom_attribute, type_named
from scimitar.apps.mappings import object_type_named

__all__ = ["router"]

router = APIRouter()

ObjectType = Annotated[str, Path(description="user or group.")]
Name = Annotated[str, Path(description="The attribute's name (URL-encoded).")]


@router.get(
    "/apps/{app}/attributes/{object_type}",
    response_model=list[TargetAttributeDocument],
    responses=problem_responses(404, 422),
    tags=["attributes"],
    summary="List target attributes",
)
async def list_attributes(
    services: ServicesDep, app: AppKey, object_type: ObjectType
) -> list[dict[str, Any]]:
    """What mappings of users or groups can target: template, discovered and added."""
    found = await services.apps.attributes.list(app, object_type)
    return [attribute.to_dict() for attribute in found]


@router.post(
    "/apps/{app}/attributes/{object_type}",
    response_model=list[TargetAttributeDocument],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 422),
    tags=["attributes"],
    summary="Add a target attribute",
)
async def add_attribute(
    actor: ActorDep,
    services: ServicesDep,
    app: AppKey,
    object_type: ObjectType,
    body: TargetAttributeCreate,
) -> list[dict[str, Any]]:
    """Add an attribute (e.g. a custom extension attribute); returns the whole list."""
    kind = object_type_named(object_type)
    attribute = new_custom_attribute(
        kind,
        body.name,
        type_named(body.type),
        is_multi_valued=body.multiValued,
        is_required=body.required,
        referenced_object=body.referencedObject,
    )
    found = await services.apps.attributes.add(app, kind, attribute, actor=actor)
    return [item.to_dict() for item in found]


@router.delete(
    "/apps/{app}/attributes/{object_type}/{name}",
    response_model=list[TargetAttributeDocument],
    responses=problem_responses(404, 422),
    tags=["attributes"],
    summary="Remove a target attribute",
)
async def remove_attribute(
    actor: ActorDep, services: ServicesDep, app: AppKey, object_type: ObjectType, name: Name
) -> list[dict[str, Any]]:
    """Remove an attribute an admin added and no mapping targets; returns the list."""
    found = await services.apps.attributes.remove(app, object_type, name, actor=actor)
    return [item.to_dict() for item in found]
