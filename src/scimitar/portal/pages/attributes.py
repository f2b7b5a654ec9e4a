"""The target attribute list page: Entra's "Edit attribute list for ..." (list, add, remove)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.apps import object_type_named
from scimitar.apps.attributes import CUSTOM_TYPES, new_custom_attribute, type_named
from scimitar.errors import ConfigError
from scimitar.portal.context import actor_of, portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]
_BASE = "/apps/{app_id}/attributes/{kind}"


async def _page(
    request: Request,
    session: Session,
    app_id: str,
    kind: str,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
    portal = portal_of(request)
    object_type = object_type_named(kind)
    config = await portal.apps.provisioning.config(app_id)
    attributes = await portal.apps.attributes.list(config.app.id, object_type)
    return portal.render(
        request,
        "attributes.html",
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab="mappings",
        config=config,
        object_type=object_type,
        kind=object_type.lower(),
        attributes=attributes,
        types=[kind.value for kind in CUSTOM_TYPES],
        **values,
    )


@router.get(_BASE)
async def attributes_page(request: Request, app_id: str, kind: str, session: SignedIn) -> Response:
    """The attributes mappings of users or groups can target, with their types."""
    return await _page(request, session, app_id, kind)


@router.post(_BASE + "/add")
async def add(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Add an attribute to the list."""
    session, form = form_in
    object_type = object_type_named(kind)
    try:
        attribute = new_custom_attribute(
            object_type,
            form.text("name"),
            type_named(form.get("type") or "String"),
            is_multi_valued=form.flag("multi_valued"),
            is_required=form.flag("required"),
            referenced_object=form.optional("referenced_object") or None,
        )
        await portal_of(request).apps.attributes.add(
            app_id, object_type, attribute, actor=actor_of(session)
        )
    except ConfigError as exc:
        return await _page(
            request, session, app_id, kind, status_code=400, error=str(exc), form=form
        )
    return await _page(request, session, app_id, kind, notice=f"Added {attribute.name}.")


@router.post(_BASE + "/remove")
async def remove(request: Request, app_id: str, kind: str, form_in: Posted) -> Response:
    """Remove an attribute an admin added."""
    session, form = form_in
    name = form.text("name")
    try:
        await portal_of(request).apps.attributes.remove(app_id, kind, name, actor=actor_of(session))
    except ConfigError as exc:
        return await _page(request, session, app_id, kind, status_code=400, error=str(exc))
    return await _page(request, session, app_id, kind, notice=f"Removed {name}.")
