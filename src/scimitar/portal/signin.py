"""Signing in to the portal (the admin password or an API key) and out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from scimitar.admin import AdminAuth
from scimitar.portal.context import Portal, portal_of, posted
from scimitar.portal.forms import Form, read_form
from scimitar.portal.session import Session

__all__ = ["router", "safe_next"]

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a portal path only (never another site)."""
    if not target:
        return "/portal/apps"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/portal/"):
        return "/portal/apps"
    return target


@router.get("/")
async def home() -> Response:
    """The portal's home is the list of apps."""
    return RedirectResponse("/portal/apps", status_code=303)


@router.get("/signin")
async def signin_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    portal = portal_of(request)
    has_password = await AdminAuth(portal.database).has_password()
    return portal.render(
        request, "signin.html", None, next=safe_next(next), has_password=has_password
    )


@router.post("/signin")
async def signin(request: Request) -> Response:
    """Check the password or API key; on success, start a session."""
    portal = portal_of(request)
    form = await read_form(request)
    subject = await _verify(portal, form)
    if subject is None:
        auth = AdminAuth(portal.database)
        return portal.render(
            request,
            "signin.html",
            None,
            status_code=401,
            next=safe_next(form.get("next")),
            has_password=await auth.has_password(),
            method=form.get("method") or "password",
            error="That password or API key is not right. Check it and try again.",
        )
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    portal.signer.attach(response, request, Session.start(subject))
    return response


async def _verify(portal: Portal, form: Form) -> str | None:
    auth = AdminAuth(portal.database)
    if form.get("method") == "key":
        key = form.text("api_key")
        found = await auth.verify_key(key) if key else None
        return None if found is None else f"key:{found.name}"
    password = form.get("password")
    return "admin" if password and await auth.verify_password(password) else None


@router.post("/signout")
async def signout(
    request: Request, _posted: Annotated[tuple[Session, Form], Depends(posted)]
) -> Response:
    """End the session."""
    response = RedirectResponse("/portal/signin", status_code=303)
    portal_of(request).signer.clear(response)
    return response
