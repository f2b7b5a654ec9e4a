"""``/gallery`` and ``/apps``: templates, apps added from them, and their assignments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from scimitar.api.deps import ActorDep, ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.schemas.apps import (
    AppCreate,
    AppDocument,
    AssignmentCreate,
    AssignmentDocument,
    JobDocument,
    RemovedCount,
    TemplateDocument,
    TemplateSummary,
)
from scimitar.apps import JobConfig
from scimitar.errors import ConfigError

__all__ = ["AppKey", "job_document", "router"]

router = APIRouter()

AppKey = Annotated[str, Path(description="The app's name (any case) or id.")]
_READ = problem_responses(404)
_WRITE = problem_responses(404, 409, 422)


def job_document(config: JobConfig, *, with_attributes: bool = False) -> dict[str, Any]:
    """An app's job as the API shows it; never the token."""
    document = config.to_dict()
    if with_attributes:
        document["targetAttributes"] = {
            object_type: list(config.target_attributes(object_type))
            for object_type in config.template.object_types
        }
    return document


@router.get(
    "/gallery", response_model=list[TemplateSummary], tags=["gallery"], summary="List templates"
)
async def list_templates(
    services: ServicesDep,
    search: Annotated[
        str | None, Query(max_length=200, description="Only templates mentioning this text.")
    ] = None,
) -> list[dict[str, Any]]:
    """The gallery's templates, optionally those mentioning a text."""
    return [template.summary() for template in services.apps.gallery.list(search)]


@router.get(
    "/gallery/{template}",
    response_model=TemplateDocument,
    responses=_READ,
    tags=["gallery"],
    summary="Show a template",
)
async def get_template(
    services: ServicesDep,
    template: Annotated[str, Path(description="A template id, e.g. cisco-webex.")],
) -> dict[str, Any]:
    """A template: Tenant URL forms, auth, roles, default mappings, quirks, rate limits."""
    return services.apps.gallery.get(template).to_dict()


@router.get("/apps", response_model=list[AppDocument], tags=["apps"], summary="List apps")
async def list_apps(services: ServicesDep) -> list[dict[str, Any]]:
    """Every app, by name."""
    return [app.to_dict() for app in await services.apps.apps.list()]


@router.post(
    "/apps",
    response_model=AppDocument,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 422),
    tags=["apps"],
    summary="Add an app from the gallery",
)
async def add_app(
    actor: ActorDep, services: ServicesDep, body: AppCreate, response: Response
) -> dict[str, Any]:
    """Add an app from a gallery template; its job starts with the template's defaults."""
    app = await services.apps.apps.add(body.template, body.name, actor=actor)
    response.headers["Location"] = f"/api/v1/apps/{app.id}"
    return app.to_dict()


@router.get(
    "/apps/{app}", response_model=JobDocument, responses=_READ, tags=["apps"], summary="Show"
)
async def get_app(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """An app's provisioning configuration and target attribute lists (never its token)."""
    return job_document(await services.apps.provisioning.config(app), with_attributes=True)


@router.delete(
    "/apps/{app}", response_model=AppDocument, responses=_READ, tags=["apps"], summary="Delete"
)
async def delete_app(actor: ActorDep, services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Delete an app, its assignments and its job (accounts in the app stay as they are)."""
    return (await services.apps.apps.delete(app, actor=actor)).to_dict()


@router.get(
    "/apps/{app}/assignments",
    response_model=list[AssignmentDocument],
    responses=_READ,
    tags=["assignments"],
    summary="List assignments",
)
async def list_assignments(services: ServicesDep, app: AppKey) -> list[dict[str, Any]]:
    """The users and groups assigned to the app, with their roles."""
    return [item.to_dict() for item in await services.apps.assignments.list(app)]


@router.post(
    "/apps/{app}/assignments",
    response_model=AssignmentDocument,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
    tags=["assignments"],
    summary="Assign a user or group",
)
async def assign(
    actor: ActorDep, services: ServicesDep, app: AppKey, body: AssignmentCreate
) -> dict[str, Any]:
    """Assign a user or a group (its direct members) with an app role; give `user` or `group`."""
    _one_principal(body.user, body.group, "in the body")
    made = await services.apps.assignments.assign(
        app, user=body.user, group=body.group, role=body.role, actor=actor
    )
    return made.to_dict()


@router.delete(
    "/apps/{app}/assignments",
    response_model=RemovedCount,
    responses=_WRITE,
    tags=["assignments"],
    summary="Unassign a user or group",
)
async def unassign(
    actor: ActorDep,
    services: ServicesDep,
    app: AppKey,
    user: Annotated[str | None, Query(description="userPrincipalName or objectId.")] = None,
    group: Annotated[str | None, Query(description="displayName or objectId.")] = None,
    role: Annotated[str | None, Query(description="Only this role's assignment.")] = None,
) -> dict[str, Any]:
    """Remove a user's or group's assignments (only the one with `role` if given)."""
    _one_principal(user, group, "as a query parameter")
    removed = await services.apps.assignments.unassign(
        app, user=user, group=group, role=role, actor=actor
    )
    return {"removed": removed}


def _one_principal(user: str | None, group: str | None, where: str) -> None:
    if (user is None) == (group is None):
        raise ConfigError(f"give exactly one of user (a UPN or objectId) and group {where}")
