"""The portal as an ASGI app mounted at ``/portal``: pages, sign-in, static files, errors."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import HTMLResponse, RedirectResponse, Response

from scimitar.engine.core.events import EventSink
from scimitar.engine.run.launcher import CycleLauncher
from scimitar.errors import NotFoundError, ScimitarError
from scimitar.portal import signin
from scimitar.portal.context import (
    CSRFError,
    Portal,
    SignInRequired,
    current_session,
    portal_of,
)
from scimitar.portal.pages import (
    activity,
    apps,
    attributes,
    audit,
    config,
    control,
    directory,
    jobs,
    mappings,
    ondemand,
    preview,
    provisioning,
    validate,
)
from scimitar.settings import Settings
from scimitar.store import Database

__all__ = ["create_portal"]

STATIC = Path(__file__).parent / "static"
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_portal(
    database: Database,
    settings: Settings,
    *,
    launcher: CycleLauncher,
    scheduled: bool,
    events: EventSink | None = None,
) -> FastAPI:
    """The portal over this store.

    Args:
        database: The store (migrated by the main app's lifespan).
        settings: Key file and directory settings.
        launcher: The admin API's background cycles, shared so the two never race.
        scheduled: Whether a scheduler runs cycles in this process.
        events: Where cycles the portal starts publish their events.
    """
    portal = FastAPI(title="Scimitar portal", openapi_url=None, docs_url=None, redoc_url=None)
    portal.state.portal = Portal(
        database, settings, launcher=launcher, scheduled=scheduled, events=events
    )
    portal.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        signin,
        directory,
        apps,
        provisioning,
        mappings,
        attributes,
        config,
        activity,
        ondemand,
        preview,
        control,
        audit,
        jobs,
        validate,
    ):
        portal.include_router(module.router)

    @portal.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if "text/html" in response.headers.get("content-type", ""):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @portal.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, _exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = f"/portal/signin?next={quote(target, safe='/')}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    @portal.exception_handler(CSRFError)
    async def bad_csrf(request: Request, _exc: CSRFError) -> Response:
        return await _problem(
            request,
            403,
            "This form has expired or did not come from the portal.",
            "Reload the page and submit the form again.",
        )

    @portal.exception_handler(ClientDisconnect)
    async def gone(_request: Request, _exc: ClientDisconnect) -> Response:
        # The client left mid-body, or the body limit already answered 413: no one reads this.
        return Response(status_code=400)

    @portal.exception_handler(ScimitarError)
    async def failed(request: Request, exc: ScimitarError) -> Response:
        status = 404 if isinstance(exc, NotFoundError) else 400
        return await _problem(request, status, str(exc), "Go back, correct it and try again.")

    @portal.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return await _problem(
                request, 404, "There is no such page.", "Use the menu on the left."
            )
        return await _problem(request, exc.status_code, str(exc.detail), "Try again.")

    return portal


async def _problem(request: Request, status: int, message: str, hint: str) -> HTMLResponse:
    portal = portal_of(request)
    session = await current_session(request)
    return portal.render(
        request, "error.html", session, status_code=status, message=message, hint=hint
    )
