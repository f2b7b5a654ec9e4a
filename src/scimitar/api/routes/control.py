"""``/apps/{app}/pause|start|restart`` and ``/apps/{app}/deletes``: an admin's hold on a job.

Over :class:`~scimitar.engine.run.control.JobControl`, as ``scimitar app
pause|start|restart|deletes``
(docs/entra.md §2.6, §3.5). Allowing held deletions runs a cycle (Graph ``ForceDeletes``): in the
background by default (202), or answered when it ends with ``wait=true``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from scimitar.api.deps import ActorDep, ControlDep, LauncherDep, ServicesDep
from scimitar.api.problems import NothingHeldError, problem_responses
from scimitar.api.routes.apps import AppKey
from scimitar.api.schemas.control import (
    ControlResultDocument,
    DeletesResultDocument,
    DeletesStarted,
    RestartBody,
    StagedDeletion,
)
from scimitar.engine.run.control import JobControl
from scimitar.engine.state.staged import StagedRow

__all__ = ["router"]

router = APIRouter(prefix="/apps/{app}", tags=["job control"])


@router.post(
    "/pause",
    response_model=ControlResultDocument,
    responses=problem_responses(404),
    summary="Pause provisioning",
)
async def pause(actor: ActorDep, control: ControlDep, app: AppKey) -> dict[str, Any]:
    """No cycle starts; a running one stops after its current page and resumes on start."""
    return (await control.pause(app, actor=actor)).to_dict()


@router.post(
    "/start",
    response_model=ControlResultDocument,
    responses=problem_responses(404, 409, 422),
    summary="Start or resume provisioning",
)
async def start(actor: ActorDep, control: ControlDep, app: AppKey) -> dict[str, Any]:
    """Start (or resume) the job now: provisioning on, a quarantine ended.

    Turning provisioning on needs a passing Test Connection (409 with its result otherwise).
    Held deletions still need allow or reject.
    """
    return (await control.start(app, actor=actor)).to_dict()


@router.post(
    "/restart",
    response_model=ControlResultDocument,
    responses=problem_responses(404, 409, 422),
    summary="Restart provisioning",
)
async def restart(
    actor: ActorDep,
    services: ServicesDep,
    control: ControlDep,
    launcher: LauncherDep,
    app: AppKey,
    body: RestartBody | None = None,
) -> dict[str, Any]:
    """Reset what `reset` names (default watermark, escrows, quarantine); next cycle initial.

    A running cycle must stop first (pause it): 409 while one runs.
    """
    found = await services.apps.apps.get(app)
    await launcher.check_idle(found.id)
    scopes = (body or RestartBody()).reset
    return (await control.restart(found.id, scopes, actor=actor)).to_dict()


@router.get(
    "/deletes",
    response_model=list[StagedDeletion],
    responses=problem_responses(404),
    summary="List held deletions",
)
async def list_deletes(control: ControlDep, app: AppKey) -> list[dict[str, Any]]:
    """Disables and deletes held by accidental-deletion prevention, oldest first."""
    return [row.to_dict() for row in await control.staged(app)]


async def _held(control: JobControl, app_id: str, name: str) -> list[StagedRow]:
    rows = await control.staged(app_id)
    if not rows:
        raise NothingHeldError(f"app {name!r} holds no deletions; nothing to allow or reject")
    return rows


@router.post(
    "/deletes/allow",
    response_model=DeletesResultDocument,
    responses={
        202: {"model": DeletesStarted, "description": "A cycle sends them in the background."},
        **problem_responses(404, 409, 422, 502, 503),
    },
    summary="Allow held deletions",
)
async def allow_deletes(
    actor: ActorDep,
    services: ServicesDep,
    control: ControlDep,
    launcher: LauncherDep,
    app: AppKey,
    wait: Annotated[
        bool, Query(description="Answer when the cycle sending them ends (200).")
    ] = False,
) -> Any:
    """Send the held deletions in a cycle now (Graph ForceDeletes) and end the quarantine."""
    found = await services.apps.apps.get(app)
    rows = await _held(control, found.id, found.name)
    await launcher.check_idle(found.id)
    if wait:
        return (await control.allow(found.id, actor=actor)).to_dict()
    launcher.start_work(found.id, lambda: control.allow(found.id, actor=actor))
    location = f"/api/v1/apps/{found.id}/status"
    started = DeletesStarted(appId=found.id, count=len(rows), statusUrl=location)
    return JSONResponse(
        started.model_dump(), status.HTTP_202_ACCEPTED, headers={"Location": location}
    )


@router.post(
    "/deletes/reject",
    response_model=DeletesResultDocument,
    responses=problem_responses(404, 409),
    summary="Reject held deletions",
)
async def reject_deletes(
    actor: ActorDep, services: ServicesDep, control: ControlDep, app: AppKey
) -> dict[str, Any]:
    """Drop the held deletions (the app's accounts stay) and end the quarantine."""
    found = await services.apps.apps.get(app)
    await _held(control, found.id, found.name)
    return (await control.reject(found.id, actor=actor)).to_dict()
