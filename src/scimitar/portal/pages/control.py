"""Job control: pause, start, restart (with what to reset) and held-deletion decisions."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.audit import Actor
from scimitar.engine.run.control import DEFAULT_RESET, JobControl, ResetScope
from scimitar.engine.run.cycle import CycleRunner
from scimitar.engine.run.service import build_runner
from scimitar.errors import ConfigError, ScimitarError
from scimitar.portal.context import Portal, actor_of, portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["router"]

log = structlog.get_logger("scimitar.portal")
router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]
#: What each reset checkbox means, in the page's words.
RESETS = (
    (ResetScope.WATERMARK, "Start over from the whole directory (an initial cycle)"),
    (ResetScope.ESCROWS, "Forget the objects waiting to be retried (escrows)"),
    (ResetScope.QUARANTINE, "End the quarantine, and drop held deletions"),
    (ResetScope.LINKS, "Forget which app accounts belong to which users (they are matched again)"),
)


def _control(portal: Portal) -> JobControl:
    def runner() -> CycleRunner:
        return build_runner(
            portal.database,
            portal.apps,
            jobs=portal.runs.jobs,
            log_retention_days=portal.settings.log_retention_days,
            events=portal.events,
            limits=portal.runs.limits,
        )

    return JobControl(
        portal.database, portal.apps, jobs=portal.runs.jobs, events=portal.events, runner=runner
    )


async def _page(
    request: Request, session: Session, app_id: str, *, status_code: int = 200, **values: Any
) -> Response:
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    status = await portal.status.status(config.app.id)
    held = await _control(portal).staged(config.app.id)
    return portal.render(
        request,
        "control.html",
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab="control",
        config=config,
        status=status,
        held=held,
        resets=RESETS,
        default_reset=DEFAULT_RESET,
        **values,
    )


@router.get("/apps/{app_id}/control")
async def control_page(request: Request, app_id: str, session: SignedIn) -> Response:
    """The job's state, quarantine, restart and held deletions."""
    return await _page(request, session, app_id)


@router.post("/apps/{app_id}/control/{action}")
async def act(request: Request, app_id: str, action: str, form_in: Posted) -> Response:
    """Pause, start, restart, or allow or reject the held deletions."""
    session, form = form_in
    portal = portal_of(request)
    control = _control(portal)
    try:
        notice = await _act(portal, control, app_id, action, form, actor_of(session))
    except ScimitarError as exc:
        return await _page(request, session, app_id, status_code=400, error=str(exc))
    return await _page(request, session, app_id, notice=notice)


async def _act(
    portal: Portal, control: JobControl, app_id: str, action: str, form: Form, actor: Actor
) -> str:
    if action == "pause":
        return (await control.pause(app_id, actor=actor)).message
    if action == "start":
        return (await control.start(app_id, actor=actor)).message
    if action == "restart":
        scopes = {scope for scope, _label in RESETS if form.flag(f"reset_{scope.value}")}
        if not scopes:
            raise ConfigError("tick at least one thing to reset, or leave the defaults ticked")
        return (await control.restart(app_id, scopes, actor=actor)).message
    if action == "reject":
        result = await control.reject(app_id, actor=actor)
        return f"Rejected {len(result.deletions)} held deletion(s); the accounts stay as they are."
    if action == "allow":
        held = await control.staged(app_id)
        if not held:
            raise ConfigError("no deletions are held; nothing to allow")
        portal.keep(asyncio.create_task(_allow(control, app_id, actor)))
        return f"Sending {len(held)} held deletion(s) in a cycle now; Current status shows it."
    raise ConfigError(f"unknown action {action!r}: use pause, start, restart, allow or reject")


async def _allow(control: JobControl, app_id: str, actor: Actor) -> None:
    try:
        result = await control.allow(app_id, actor=actor)
        log.info("portal_deletions_allowed", app_id=app_id, count=len(result.deletions))
    except ScimitarError as exc:
        log.warning("portal_deletions_allow_failed", app_id=app_id, error=str(exc))
