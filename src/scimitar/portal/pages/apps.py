"""Apps pages: the list, the gallery with search and Add, an app's overview, users and groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from scimitar.apps import PrincipalType
from scimitar.errors import ConfigError, NotFoundError
from scimitar.portal.context import actor_of, portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]


@router.get("/apps")
async def apps_list(request: Request, session: SignedIn) -> Response:
    """Enterprise applications: every app with its template and provisioning state."""
    portal = portal_of(request)
    rows = []
    for app in await portal.apps.apps.list():
        config = await portal.apps.provisioning.config(app.id)
        rows.append({"app": app, "config": config})
    return portal.render(request, "apps.html", session, nav="apps", rows=rows)


@router.get("/gallery")
async def gallery(request: Request, session: SignedIn, q: str = "") -> Response:
    """The gallery, searchable; each template has an Add form."""
    portal = portal_of(request)
    templates = portal.apps.gallery.list(q or None)
    return portal.render(request, "gallery.html", session, nav="gallery", templates=templates, q=q)


@router.post("/gallery/{template_id}/add")
async def gallery_add(request: Request, template_id: str, form_in: Posted) -> Response:
    """Add an app from a template, then open its overview."""
    session, form = form_in
    portal = portal_of(request)
    template = portal.apps.gallery.get(template_id)
    try:
        app = await portal.apps.apps.add(
            template.id, form.text("name") or template.display_name, actor=actor_of(session)
        )
    except ConfigError as exc:
        return portal.render(
            request,
            "gallery.html",
            session,
            status_code=400,
            nav="gallery",
            templates=portal.apps.gallery.list(None),
            q="",
            error=f"{template.display_name}: {exc}",
        )
    return RedirectResponse(f"/portal/apps/{app.id}?added=1", status_code=303)


@router.get("/apps/{app_id}")
async def overview(request: Request, app_id: str, session: SignedIn, added: int = 0) -> Response:
    """An app's overview: its template, assignments, provisioning state and status."""
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    status = await portal.status.status(config.app.id)
    assigned = await portal.apps.apps.count_assignments(config.app)
    notice = f"{config.app.name} was added from the gallery." if added else None
    return portal.render(
        request,
        "app_overview.html",
        session,
        nav="apps",
        app=config.app,
        tab="overview",
        config=config,
        status=status,
        assigned=assigned,
        notice=notice,
    )


@router.post("/apps/{app_id}/delete")
async def delete_app(request: Request, app_id: str, form_in: Posted) -> Response:
    """Delete an app (after typing its name to confirm)."""
    session, form = form_in
    portal = portal_of(request)
    app = await portal.apps.apps.get(app_id)
    if form.text("confirm") != app.name:
        raise ConfigError(f"type the app's name, {app.name!r}, to confirm deleting it")
    await portal.apps.apps.delete(app.id, actor=actor_of(session))
    return RedirectResponse("/portal/apps", status_code=303)


async def _users_page(
    request: Request,
    session: Session,
    app_id: str,
    *,
    status_code: int = 200,
    notice: str | None = None,
    error: str | None = None,
) -> Response:
    portal = portal_of(request)
    app = await portal.apps.apps.get(app_id)
    template = portal.apps.apps.template_of(app)
    assignments = await portal.apps.assignments.list(app.id)
    return portal.render(
        request,
        "app_users.html",
        session,
        status_code=status_code,
        nav="apps",
        app=app,
        tab="users",
        template=template,
        assignments=assignments,
        notice=notice,
        error=error,
    )


@router.get("/apps/{app_id}/users")
async def users_and_groups(request: Request, app_id: str, session: SignedIn) -> Response:
    """Users and groups assigned to the app, with forms to assign more."""
    return await _users_page(request, session, app_id)


@router.post("/apps/{app_id}/users/assign")
async def assign(request: Request, app_id: str, form_in: Posted) -> Response:
    """Assign a user or a group with a role."""
    session, form = form_in
    portal = portal_of(request)
    kind = form.get("kind")
    principal = form.text("principal")
    if not principal:
        label = "group name or objectId" if kind == "group" else "user principal name or objectId"
        return await _users_page(
            request, session, app_id, status_code=400, error=f"Enter the {label} to assign."
        )
    names = {"user": principal} if kind != "group" else {"group": principal}
    try:
        made = await portal.apps.assignments.assign(
            app_id, role=form.optional("role"), actor=actor_of(session), **names
        )
    except (ConfigError, NotFoundError) as exc:
        return await _users_page(request, session, app_id, status_code=400, error=str(exc))
    return await _users_page(
        request, session, app_id, notice=f"Assigned {made.display} as {made.role}."
    )


@router.post("/apps/{app_id}/users/unassign")
async def unassign(request: Request, app_id: str, form_in: Posted) -> Response:
    """Remove one assignment (a principal with one role)."""
    session, form = form_in
    portal = portal_of(request)
    kind = PrincipalType(form.get("kind", "user"))
    principal = form.text("principal")
    names = {"user": principal} if kind is PrincipalType.USER else {"group": principal}
    try:
        await portal.apps.assignments.unassign(
            app_id, role=form.optional("role"), actor=actor_of(session), **names
        )
    except (ConfigError, NotFoundError) as exc:
        return await _users_page(request, session, app_id, status_code=400, error=str(exc))
    return await _users_page(
        request, session, app_id, notice=f"Removed the {form.get('role')} assignment."
    )
