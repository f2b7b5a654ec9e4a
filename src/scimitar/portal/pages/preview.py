"""Preview next cycle, and the app's accounts: drift and orphans, before anything changes.

The faces of :mod:`scimitar.engine.run.preview`, :mod:`scimitar.engine.run.drift` and
:mod:`scimitar.engine.run.orphans`, as ``scimitar app plan|drift|orphans`` are.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.directory.store import SQLDirectory
from scimitar.engine.run.admission import Surface
from scimitar.engine.run.drift import find_drift
from scimitar.engine.run.orphans import OrphanAction, find_orphans, settle_orphans
from scimitar.engine.run.preview import plan_cycle
from scimitar.errors import ScimitarError
from scimitar.portal.context import actor_of, portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["SHOWN", "router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]
#: Objects a page lists (the counts cover all).
SHOWN = 200


async def _page(
    request: Request,
    session: Session,
    app_id: str,
    template: str,
    tab: str,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    return portal.render(
        request,
        template,
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab=tab,
        config=config,
        shown=SHOWN,
        **values,
    )


@router.get("/apps/{app_id}/preview")
async def preview_page(request: Request, app_id: str, session: SignedIn) -> Response:
    """The button that plans the next cycle."""
    return await _page(request, session, app_id, "preview.html", "preview")


@router.post("/apps/{app_id}/preview")
async def preview(request: Request, app_id: str, form_in: Posted) -> Response:
    """Plan the next cycle now and show it; nothing is written."""
    session, form = form_in
    portal = portal_of(request)
    initial = form.flag("initial")
    try:
        plan = await plan_cycle(
            portal.database, portal.settings, app_id, initial=initial, surface=Surface.PORTAL
        )
    except ScimitarError as exc:
        return await _page(
            request, session, app_id, "preview.html", "preview", status_code=400, error=str(exc)
        )
    return await _page(
        request, session, app_id, "preview.html", "preview", plan=plan, initial=initial
    )


@router.get("/apps/{app_id}/accounts")
async def accounts_page(request: Request, app_id: str, session: SignedIn) -> Response:
    """The buttons that read the app's accounts for drift and orphans."""
    return await _page(request, session, app_id, "accounts.html", "accounts")


@router.post("/apps/{app_id}/accounts/drift")
async def drift(request: Request, app_id: str, form_in: Posted) -> Response:
    """Drift of the managed accounts; with ``fix``, queue the corrections."""
    session, form = form_in
    portal = portal_of(request)
    try:
        report = await find_drift(
            portal.database,
            portal.apps,
            SQLDirectory(portal.database),
            app_id,
            fix=form.flag("fix"),
            actor=actor_of(session),
        )
    except ScimitarError as exc:
        return await _accounts_error(request, session, app_id, exc)
    return await _page(request, session, app_id, "accounts.html", "accounts", drift=report)


@router.post("/apps/{app_id}/accounts/orphans")
async def orphans(request: Request, app_id: str, form_in: Posted) -> Response:
    """The orphans, or (with ``action`` and ``id``) act on one after the admin confirmed."""
    session, form = form_in
    portal = portal_of(request)
    directory = SQLDirectory(portal.database)
    settled = None
    try:
        if form.get("action"):
            if not form.flag("confirm"):
                raise OrphanConfirmationError(
                    "tick “I confirm” to change the account in the app, then press the button"
                )
            chosen = OrphanAction(form.text("action"))
            settled = await settle_orphans(
                portal.database,
                portal.apps,
                directory,
                app_id,
                chosen,
                ids=[form.text("id")],
                actor=actor_of(session),
            )
        report = await find_orphans(portal.database, portal.apps, directory, app_id)
    except (ScimitarError, ValueError) as exc:
        return await _accounts_error(request, session, app_id, exc)
    return await _page(
        request, session, app_id, "accounts.html", "accounts", orphans=report, settled=settled
    )


class OrphanConfirmationError(ScimitarError):
    """An orphan action posted without the confirmation box ticked."""


async def _accounts_error(
    request: Request, session: Session, app_id: str, exc: Exception
) -> Response:
    return await _page(
        request, session, app_id, "accounts.html", "accounts", status_code=400, error=str(exc)
    )
