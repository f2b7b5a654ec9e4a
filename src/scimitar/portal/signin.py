"""Signing in to the portal (the admin password or an API key) and out.

Failed sign-ins are throttled per client address and per account (``admin``, or the API key's
id), logged and recorded in the audit log; sign-ins and sign-outs are recorded too. Signing out
ends the session on the server, so a copy of the cookie stops working.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from scimitar.admin import AdminAuth, key_id_of
from scimitar.admin.sessions import SessionMethod
from scimitar.audit import ANONYMOUS_PORTAL, AuditEntry
from scimitar.portal.context import Portal, actor_of, portal_of, posted
from scimitar.portal.forms import Form, read_form
from scimitar.portal.session import Session
from scimitar.security.throttle import ThrottledError, client_address

__all__ = ["router", "safe_next"]

router = APIRouter()
log = structlog.get_logger("scimitar.portal")


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


def _account(form: Form) -> tuple[str, str | None]:
    """``(method, key id)`` the form tries; the account a failure counts against."""
    if form.get("method") == "key":
        return SessionMethod.KEY.value, key_id_of(form.text("api_key"))
    return SessionMethod.PASSWORD.value, None


@router.post("/signin")
async def signin(request: Request) -> Response:
    """Check the password or API key; on success, start a session."""
    portal = portal_of(request)
    form = await read_form(request)
    address = client_address(request.scope)
    method, key_id = _account(form)
    keys = [f"portal:addr:{address}", f"portal:account:{key_id or 'admin'}"]
    try:
        await portal.throttle.check(keys)
    except ThrottledError as exc:
        log.warning("portal_signin_throttled", client=address, method=method, key_id=key_id)
        return await _refused(request, portal, form, 429, exc.retry_after)
    session = await _verify(portal, form)
    if session is None:
        blocked_for = await portal.throttle.failed(keys)
        log.warning("portal_signin_failed", client=address, method=method, key_id=key_id)
        await portal.audit.failed(
            ANONYMOUS_PORTAL, "signin.failed", address, method=method, keyId=key_id
        )
        return await _refused(request, portal, form, 401, blocked_for)
    await portal.throttle.succeeded(keys[1:])
    log.info("portal_signin", client=address, method=method, key_id=session.key_id)
    await portal.audit.append(
        AuditEntry(actor_of(session), "signin", object=session.who, after={"source": address})
    )
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    portal.signer.attach(response, request, session)
    return response


async def _refused(
    request: Request, portal: Portal, form: Form, status: int, retry_after: int | None
) -> Response:
    error = "That password or API key is not right. Check it and try again."
    if status == 429:
        error = (
            f"Too many failed sign-ins from here or for this account. Wait {retry_after} "
            "seconds, then try again."
        )
    response = portal.render(
        request,
        "signin.html",
        None,
        status_code=status,
        next=safe_next(form.get("next")),
        has_password=await AdminAuth(portal.database).has_password(),
        method=form.get("method") or "password",
        error=error,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _verify(portal: Portal, form: Form) -> Session | None:
    auth = AdminAuth(portal.database)
    if form.get("method") == "key":
        key = form.text("api_key")
        found = await auth.verify_key(key) if key else None
        if found is None:
            return None
        return await portal.sessions.start(SessionMethod.KEY, key_id=found.id, key_name=found.name)
    password = form.get("password")
    if not (password and await auth.verify_password(password)):
        return None
    return await portal.sessions.start(SessionMethod.PASSWORD)


@router.post("/signout")
async def signout(
    request: Request, form_in: Annotated[tuple[Session, Form], Depends(posted)]
) -> Response:
    """End the session, on the server: the cookie stops working wherever it was copied."""
    session, _form = form_in
    portal = portal_of(request)
    await portal.sessions.end(session.id)
    log.info("portal_signout", method=session.method.value, key_id=session.key_id)
    await portal.audit.append(AuditEntry(actor_of(session), "signout", object=session.who))
    response = RedirectResponse("/portal/signin", status_code=303)
    portal.signer.clear(response)
    return response
