"""The provisioning configuration page: download it as JSON, or paste one to import (Entra's
"download / upload schema")."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.apps.config_document import ConfigDocumentError
from scimitar.errors import ConfigError
from scimitar.portal.context import actor_of, portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]
_BASE = "/apps/{app_id}/config"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


async def _page(
    request: Request, session: Session, app_id: str, *, status_code: int = 200, **values: Any
) -> Response:
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    return portal.render(
        request,
        "config.html",
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab="mappings",
        config=config,
        **values,
    )


@router.get(_BASE)
async def config_page(request: Request, app_id: str, session: SignedIn) -> Response:
    """Download or import the whole provisioning configuration."""
    return await _page(request, session, app_id)


@router.get(_BASE + "/export")
async def download(request: Request, app_id: str, session: SignedIn) -> Response:
    """The configuration as a JSON file (never the credentials)."""
    del session
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    document = await portal.apps.config.export(config.app.id)
    name = _UNSAFE.sub("-", config.app.name).strip("-") or "app"
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}-config.json"'},
    )


@router.post(_BASE + "/import")
async def upload(request: Request, app_id: str, form_in: Posted) -> Response:
    """Import a pasted configuration; a bad one changes nothing and lists every problem."""
    session, form = form_in
    try:
        await portal_of(request).apps.config.import_text(
            app_id, form.get("document"), actor=actor_of(session)
        )
    except ConfigDocumentError as exc:
        return await _page(
            request,
            session,
            app_id,
            status_code=400,
            error="The configuration was refused; nothing changed.",
            problems=exc.problems,
            form=form,
        )
    except ConfigError as exc:
        return await _page(request, session, app_id, status_code=400, error=str(exc), form=form)
    return await _page(
        request,
        session,
        app_id,
        notice="Configuration imported. The next cycle is an initial cycle.",
    )
