"""``/apps/{app}/provision``: provision on demand, traced step by step (docs/entra.md §3.8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from scimitar.admin import APIKey
from scimitar.api.deps import LauncherDep, ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.routes.apps import AppKey
from scimitar.api.schemas.engine import OnDemandTraceDocument, ProvisionOnDemand
from scimitar.api.security import require_api_key
from scimitar.engine.core.records import Initiator
from scimitar.engine.run.ondemand import OnDemandProvisioner
from scimitar.errors import ConfigError

__all__ = ["router"]

router = APIRouter(tags=["provisioning"])


@router.post(
    "/apps/{app}/provision",
    response_model=OnDemandTraceDocument,
    responses=problem_responses(404, 409, 422),
    summary="Provision on demand",
)
async def provision_on_demand(
    services: ServicesDep,
    launcher: LauncherDep,
    key: Annotated[APIKey, Depends(require_api_key)],
    app: AppKey,
    body: ProvisionOnDemand,
) -> dict[str, Any]:
    """Run the pipeline (import, scope, match, action) for one user or group now.

    The answer traces every step; a failed action is still a 200 whose `result` is failure and
    whose `details` say why. The log records carry the run's cycle id and the API key's name.
    """
    if (body.user is None) == (body.group is None):
        raise ConfigError("give exactly one of user (a UPN or objectId) and group in the body")
    if body.members and body.group is None:
        raise ConfigError("members go with group: the members to provision with that group")
    provisioner = OnDemandProvisioner(
        services.database,
        services.apps,
        jobs=launcher.jobs,
        directory=services.directory,
        wait_seconds=body.wait,
    )
    initiator = Initiator(f"API key {key.name}", "application", key.id)
    if body.user is not None:
        trace = await provisioner.provision_user(app, body.user, initiator=initiator)
    else:
        trace = await provisioner.provision_group(
            app, str(body.group), body.members, initiator=initiator
        )
    return trace.to_dict()
