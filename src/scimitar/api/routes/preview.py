"""``/apps/{app}/plan``, ``/drift`` and ``/orphans``: know before you write.

Over :mod:`scimitar.engine.run.preview`, :mod:`scimitar.engine.run.drift` and
:mod:`scimitar.engine.run.orphans`, as ``scimitar app plan|drift|orphans``. A plan runs in the
background by default (202 and ``GET .../plan/{id}`` to follow it), or answers when it is done
with ``wait=true``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from scimitar.api.deps import ActorDep, ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.routes.apps import AppKey
from scimitar.api.schemas.preview import (
    DriftDocument,
    OrphanActionBody,
    OrphansDocument,
    PlanBody,
    PlanDocument,
    SettledDocument,
)
from scimitar.directory.store import SQLDirectory
from scimitar.engine.run.drift import find_drift
from scimitar.engine.run.orphans import OrphanAction, find_orphans, settle_orphans
from scimitar.engine.run.planjobs import PlanJobs
from scimitar.errors import ConfigError

__all__ = ["router"]

router = APIRouter(prefix="/apps/{app}", tags=["plan, drift and orphans"])
Limit = Annotated[
    int | None, Query(ge=1, description="List at most this many objects (counts cover all).")
]


def _plans(request: Request) -> PlanJobs:
    plans: PlanJobs = request.app.state.plans
    return plans


@router.post(
    "/plan",
    response_model=PlanDocument,
    responses={
        202: {"model": PlanDocument, "description": "The plan started in the background."},
        **problem_responses(404, 409, 422, 502, 503),
    },
    summary="Plan the next cycle",
)
async def plan(
    request: Request,
    services: ServicesDep,
    app: AppKey,
    body: PlanBody | None = None,
    wait: Annotated[bool, Query(description="Answer when the plan is made (200).")] = False,
    limit: Limit = None,
) -> Any:
    """What the next cycle would send, with nothing written to the app or the store."""
    chosen = body or PlanBody()
    found = await services.apps.apps.get(app)
    proposed = None if chosen.proposedConfig is None else json.dumps(chosen.proposedConfig)
    plans = _plans(request)
    if wait:
        made = await plans.make(found.id, initial=chosen.initial, proposed=proposed)
        return made.to_dict(limit)
    job = plans.start(found.id, initial=chosen.initial, proposed=proposed)
    location = f"/api/v1/apps/{found.id}/plan/{job.id}"
    return JSONResponse(
        job.to_dict(limit), status.HTTP_202_ACCEPTED, headers={"Location": location}
    )


@router.get(
    "/plan/{plan_id}",
    response_model=PlanDocument,
    responses=problem_responses(404),
    summary="A plan's progress or result",
)
async def get_plan(
    request: Request, services: ServicesDep, app: AppKey, plan_id: str, limit: Limit = None
) -> dict[str, Any]:
    """``running`` with progress, then ``succeeded`` with the plan or ``failed`` with why."""
    found = await services.apps.apps.get(app)
    return _plans(request).get(found.id, plan_id).to_dict(limit)


@router.get(
    "/drift",
    response_model=DriftDocument,
    responses=problem_responses(404, 422, 502, 503),
    summary="Drift of managed accounts",
)
async def drift(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Every attribute whose value in the app differs from what the mappings produce today."""
    report = await find_drift(
        services.database, services.apps, SQLDirectory(services.database), app
    )
    return report.to_dict()


@router.post(
    "/drift/fix",
    response_model=DriftDocument,
    responses=problem_responses(404, 422, 502, 503),
    summary="Queue drift corrections",
)
async def fix_drift(actor: ActorDep, services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Queue the corrections; the next cycle sends them as updates (audited as drift.fix)."""
    report = await find_drift(
        services.database,
        services.apps,
        SQLDirectory(services.database),
        app,
        fix=True,
        actor=actor,
    )
    return report.to_dict()


@router.get(
    "/orphans",
    response_model=OrphansDocument,
    responses=problem_responses(404, 422, 502, 503),
    summary="Orphan accounts",
)
async def orphans(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Accounts no link points to, each with the directory user it would match."""
    report = await find_orphans(
        services.database, services.apps, SQLDirectory(services.database), app
    )
    return report.to_dict()


@router.post(
    "/orphans/{action}",
    response_model=SettledDocument,
    responses=problem_responses(404, 422, 502, 503),
    summary="Adopt, disable or delete orphans",
)
async def settle(
    actor: ActorDep, services: ServicesDep, app: AppKey, action: str, body: OrphanActionBody
) -> dict[str, Any]:
    """adopt links matched orphans; disable and delete act on unmatched ones (threshold applies)."""
    try:
        chosen = OrphanAction(action)
    except ValueError as exc:
        raise ConfigError(
            f"unknown orphan action {action!r}; use adopt, disable or delete"
        ) from exc
    if body.all == bool(body.ids):
        raise ConfigError('give either "all": true or a non-empty "ids" list')
    settled = await settle_orphans(
        services.database,
        services.apps,
        SQLDirectory(services.database),
        app,
        chosen,
        ids=None if body.all else body.ids,
        actor=actor,
    )
    return {"results": [s.to_dict() for s in settled]}
