"""``/apps/{app}/config``: the whole provisioning configuration as one document (Entra's
"download / upload schema"; docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from scimitar.api.deps import ActorDep, ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.routes.apps import AppKey, job_document
from scimitar.api.schemas.apps import JobDocument

__all__ = ["router"]

router = APIRouter()


@router.get(
    "/apps/{app}/config",
    response_model=dict[str, Any],
    responses=problem_responses(404),
    tags=["config"],
    summary="Export the provisioning configuration",
)
async def export_config(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Settings, object types, target attribute list, mappings and scoping; no credentials.

    `PUT /apps/{app}/config` reads it back (into this app or another of the same template).
    """
    return await services.apps.config.export(app)


@router.put(
    "/apps/{app}/config",
    response_model=JobDocument,
    responses=problem_responses(404, 422),
    tags=["config"],
    summary="Import a provisioning configuration",
)
async def import_config(
    actor: ActorDep,
    services: ServicesDep,
    app: AppKey,
    body: Annotated[dict[str, Any], Body(description="A document GET /apps/{app}/config gave.")],
) -> dict[str, Any]:
    """Replace the configuration (credentials stay); the next cycle is an initial one.

    A bad document is refused whole (422, nothing changed); `errors` names each problem by its
    JSON path in `field` (`$.mappings.User[3].target`).
    """
    return job_document(await services.apps.config.import_config(app, body, actor=actor))
