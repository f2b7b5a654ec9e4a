"""The one ASGI app ``scimitar serve`` runs; each part mounts itself here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount

from scimitar import __version__
from scimitar.accesslog import RequestIdMiddleware
from scimitar.api import APIMount, create_api
from scimitar.api.inbound import inbound_services
from scimitar.api.inbound import router as inbound_router
from scimitar.api.problems import ProblemError, problem_response
from scimitar.apps import Apps
from scimitar.audit import AuditLog
from scimitar.connector.ratelimit import AccountLimits
from scimitar.directory.service import DirectoryService
from scimitar.engine.state.registry import JobRegistry
from scimitar.health import Heartbeat, readiness
from scimitar.jobs.locks import AppLocks
from scimitar.jobs.realtime import RealtimeRunner
from scimitar.jobs.scheduler import Scheduler
from scimitar.jobs.serving import serving_queue
from scimitar.metrics import CONTENT_TYPE, exposition
from scimitar.notify import build_event_sink
from scimitar.portal import create_portal
from scimitar.security.bodylimit import BodyLimitMiddleware
from scimitar.settings import Settings
from scimitar.sources.schedule import source_runner
from scimitar.store import Database
from scimitar.target.http import across_lines, create_target_app

__all__ = ["create_app"]


def create_app(
    settings: Settings,
    *,
    include_target: bool = True,
    with_scheduler: bool = False,
    access_log: bool = False,
    with_worker: bool = False,
) -> FastAPI:
    """Build the application for these settings; the store is migrated when it starts.

    Args:
        settings: Where the store is, and the server's limits.
        include_target: Serve the embedded SCIM target.
        with_scheduler: Run each app's provisioning cycles on its interval in this process
            (on PostgreSQL: queue them, when this process holds the cluster's scheduler lock).
        access_log: Write one log line per request (request ids are given either way).
        with_worker: On PostgreSQL, also run queued jobs in this process (an embedded worker).

    Raises:
        ConfigError: The SMTP settings are incomplete or contradictory.
    """
    database = Database(settings.resolved_database_url)
    events = build_event_sink(settings, database)
    # One per process: cycles of apps of one vendor account share its rate limits.
    limits = AccountLimits()
    # One per process: what it runs, so its API, portal and scheduler never run one app twice.
    jobs = JobRegistry()
    api = create_api(database, settings, events=events, limits=limits, jobs=jobs)
    portal = create_portal(
        database, settings, launcher=api.state.launcher, scheduled=with_scheduler, events=events
    )
    heartbeats: dict[str, Heartbeat] = {}
    inbound = inbound_services(database, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await database.migrate()
        stack = AsyncExitStack()
        cluster = await stack.enter_async_context(
            serving_queue(
                settings,
                database,
                events=events,
                limits=limits,
                jobs=jobs,
                with_worker=with_worker,
            )
        )
        locks = AppLocks()  # a real-time run and a cycle of one app never run at once
        scheduler = (
            Scheduler(
                database,
                Apps.create(database, settings),
                jobs=jobs,
                log_retention_days=settings.log_retention_days,
                directory=DirectoryService.from_settings(database, settings),
                events=events,
                limits=limits,
                audit=AuditLog(database, retention_days=settings.audit_retention_days),
                sources=source_runner(database, settings),
                dispatch=None if cluster is None else cluster.dispatch,
                locks=locks,
            )
            if with_scheduler
            else None
        )
        realtime = (
            RealtimeRunner(
                database,
                Apps.create(database, settings),
                jobs=jobs,
                locks=locks,
                window_seconds=settings.realtime_window_ms / 1000,
                events=events,
                limits=limits,
                log_retention_days=settings.log_retention_days,
            )
            if with_scheduler
            else None
        )
        if scheduler is not None and realtime is not None:
            scheduler.start()
            heartbeats["scheduler"] = scheduler
            realtime.start()
        inbound.worker.start()
        try:
            yield
        finally:
            heartbeats.clear()
            await inbound.worker.stop()
            if realtime is not None:
                await realtime.stop()
            if scheduler is not None:
                await scheduler.stop()
            await api.state.launcher.stop()
            await stack.aclose()
            await database.dispose()

    app = FastAPI(title="Scimitar", version=__version__, lifespan=lifespan)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes)
    # Added last, so it is outermost: the request id is bound before anything else runs.
    app.add_middleware(RequestIdMiddleware, access_log=access_log)
    app.state.database = database
    app.state.settings = settings

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers HTTP (docs/operations.md)."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Readiness: store reachable, schema current, scheduler beating (docs/operations.md)."""
        ready, body = await readiness(database, heartbeats=heartbeats)
        return JSONResponse({**body, "version": __version__}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        """Prometheus metrics of this machine's processes and the store (docs/operations.md)."""
        if not settings.metrics_public:
            client = request.client.host if request.client else "unknown"
            try:
                await api.state.authenticator.authenticate(
                    request.headers.get("authorization"), client
                )
            except ProblemError as refused:
                return problem_response(refused)
        return Response(await exposition(database), media_type=CONTENT_TYPE)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        """A browser pointed at the server lands on the portal, not on a bare 404."""
        return RedirectResponse("/portal/", status_code=307)

    app.state.inbound = inbound
    app.include_router(inbound_router)  # before the admin API: its own key, not an admin one
    app.router.routes.append(APIMount(api))
    app.mount("/portal", portal)
    if include_target:
        target = Mount("/", app=create_target_app(database, settings))
        app.router.routes.append(across_lines(target))
    return app
