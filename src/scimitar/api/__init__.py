"""The REST admin API (``/api/v1``): everything the CLI does, over the same services.

:func:`create_api` builds it as its own ASGI app, mounted by :func:`scimitar.app.create_app`, so
its OpenAPI document (``/api/v1/openapi.json``) and its errors (RFC 9457 problem details) are
its own. Every operation needs an API key (``Authorization: Bearer KEY``).
"""

from __future__ import annotations

import re

from fastapi import Depends, FastAPI
from starlette.routing import Mount

from scimitar import __version__
from scimitar.api.deps import Services
from scimitar.api.openapi import install_openapi
from scimitar.api.problems import install_problem_handlers, problem_responses
from scimitar.api.queries import reject_unknown_query_parameters
from scimitar.api.routes import apps as app_routes
from scimitar.api.routes import (
    attributes,
    audit,
    config,
    control,
    directory,
    logs,
    mappings,
    ondemand,
    preview,
    provisioning,
    sources,
    validate,
)
from scimitar.api.routes import jobs as job_routes
from scimitar.api.security import APIAuthenticator, APIKeyGate, require_api_key
from scimitar.apps import Apps
from scimitar.connector.ratelimit import AccountLimits
from scimitar.engine.core.events import EventSink
from scimitar.engine.run.control import JobControl
from scimitar.engine.run.cycle import CycleRunner
from scimitar.engine.run.launcher import CycleLauncher
from scimitar.engine.run.planjobs import PlanJobs
from scimitar.engine.run.service import build_runner
from scimitar.engine.state.registry import JobRegistry
from scimitar.secrets import SecretBox
from scimitar.security.throttle import AuthThrottle, ThrottlePolicy
from scimitar.settings import Settings
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database
from scimitar.validate.jobs import ValidationJobs

__all__ = ["API_PREFIX", "APIMount", "create_api"]

API_PREFIX = "/api/v1"

_DESCRIPTION = """\
Scimitar's admin API: the directory, the gallery, apps and their assignments, provisioning
(credentials, Test Connection, settings, mappings, scoping, on/off, sync now, pause, start,
restart, held deletions, provision on demand), status, logs and the audit log of admin changes.

Authenticate with an API key from `scimitar admin key create NAME`, sent as
`Authorization: Bearer KEY`. Errors are `application/problem+json` (RFC 9457).
"""


def create_api(
    database: Database,
    settings: Settings,
    *,
    apps: Apps | None = None,
    events: EventSink | None = None,
    limits: AccountLimits | None = None,
    jobs: JobRegistry | None = None,
) -> FastAPI:
    """The admin API over ``database``.

    Args:
        database: The store (migrated by the enclosing app's lifespan).
        settings: The server's settings.
        apps: The apps services (default: built from the settings; tests pass one with a
            fault-injecting transport).
        events: Where the cycles it starts publish their events (default: the process log).
        limits: The process's buckets of rate limits shared by a vendor account.
        jobs: The process's registry of the cycles it runs (default: a new one, for an API
            that runs alone in its process).
    """
    services = Services.create(database, settings, apps)
    api = FastAPI(
        title="Scimitar admin API",
        version=__version__,
        description=_DESCRIPTION,
        dependencies=[Depends(require_api_key), Depends(reject_unknown_query_parameters)],
        responses=problem_responses(401, 413, 429),
    )
    api.state.services = services
    api.state.sources = SourceService(database, SecretBox.from_settings(settings))
    api.state.source_sync = SourceSync(database, api.state.sources)
    api.state.admin_auth = services.auth
    authenticator = APIAuthenticator(
        services.auth,
        AuthThrottle(database, ThrottlePolicy.from_settings(settings)),
        services.audit,
    )
    api.state.authenticator = authenticator
    api.state.launcher = CycleLauncher(
        database,
        services.apps,
        jobs=jobs if jobs is not None else JobRegistry(),
        log_retention_days=settings.log_retention_days,
        events=events,
        limits=limits,
    )

    def runner() -> CycleRunner:
        return build_runner(
            database,
            services.apps,
            jobs=api.state.launcher.jobs,
            log_retention_days=settings.log_retention_days,
            events=events,
            limits=api.state.launcher.limits,
        )

    api.state.validations = ValidationJobs()
    api.state.plans = PlanJobs(
        database, settings, services.apps.gallery, running=api.state.launcher.jobs
    )
    api.state.control = JobControl(
        database, services.apps, jobs=api.state.launcher.jobs, events=events, runner=runner
    )
    install_problem_handlers(api)
    install_openapi(api)
    api.add_middleware(APIKeyGate, authenticator=authenticator)
    for module in (
        directory,
        app_routes,
        provisioning,
        control,
        ondemand,
        preview,
        mappings,
        attributes,
        config,
        logs,
        audit,
        sources,
        job_routes,
        validate,
    ):
        api.include_router(module.router)
    return api


class APIMount(Mount):
    """Mounts the admin API at :data:`API_PREFIX`, for every path under it.

    Starlette's mount pattern ends in ``.*``, which stops at a newline, so a path such as
    ``/api/v1/directory/users/a%0Ab`` would fall through to the next mount (the target) and be
    answered in its format; matching across newlines keeps every such request here.
    """

    def __init__(self, api: FastAPI) -> None:
        super().__init__(API_PREFIX, app=api)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)
