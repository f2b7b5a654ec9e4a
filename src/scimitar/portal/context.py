"""What every portal page shares: the services, the session, rendering and posted forms."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from scimitar.admin.sessions import SessionService
from scimitar.apps import Apps
from scimitar.audit import Actor, AuditLog
from scimitar.directory.service import DirectoryService
from scimitar.engine.core.events import EventSink
from scimitar.engine.run.launcher import CycleLauncher
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.engine.state.status import JobStatusService
from scimitar.portal.filters import register_filters
from scimitar.portal.forms import Form, read_form
from scimitar.portal.runs import SyncLauncher
from scimitar.portal.session import Session, SessionSigner, csrf_matches
from scimitar.secrets import SecretBox
from scimitar.security.throttle import AuthThrottle, ThrottlePolicy
from scimitar.settings import Settings
from scimitar.store import Database

__all__ = [
    "CSRFError",
    "Portal",
    "SignInRequired",
    "actor_of",
    "current_session",
    "is_htmx",
    "portal_of",
    "posted",
    "signed_in",
]

TEMPLATES = Path(__file__).parent / "templates"


class SignInRequired(Exception):
    """The request has no valid session; the portal redirects to the sign-in page."""


class CSRFError(Exception):
    """A form came without this session's CSRF token."""


class Portal:
    """The services the pages use, over one store (the same ones the CLI uses).

    Args:
        database: The store.
        settings: Where the key file and directory settings are.
        launcher: The admin API's background cycles ("Sync now" without a scheduler).
        scheduled: Whether a scheduler runs cycles in this process ("Sync now" then asks it).
        events: Where cycles the portal starts publish their events (notifications).
    """

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        launcher: CycleLauncher,
        scheduled: bool,
        events: EventSink | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.apps = Apps.create(database, settings)
        self.directory = DirectoryService.from_settings(database, settings)
        self.status = JobStatusService(database)
        self.logs = ProvisioningLogStore(database)
        self.audit = AuditLog(database, retention_days=settings.audit_retention_days)
        self.signer = SessionSigner(SecretBox.derived_key(settings, "portal-session"))
        self.sessions = SessionService(database)
        self.throttle = AuthThrottle(database, ThrottlePolicy.from_settings(settings))
        self.audit = AuditLog(database, retention_days=settings.audit_retention_days)
        self.runs = SyncLauncher(database, launcher, scheduled=scheduled)
        self.events = events
        self._tasks: set[asyncio.Task[None]] = set()
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        register_filters(self.templates)

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold a background task the portal started until it ends."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def render(
        self,
        request: Request,
        template: str,
        session: Session | None,
        /,
        *,
        status_code: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        """Render a page (or, for an htmx request, whatever fragment the template is)."""
        context = {
            "request": request,
            "session": session,
            "csrf": session.csrf if session else "",
            "htmx": is_htmx(request),
            **values,
        }
        html = self.templates.get_template(template).render(context)
        return HTMLResponse(html, status_code=status_code)


def portal_of(request: Request) -> Portal:
    """The portal the request's app serves."""
    portal: Portal = request.app.state.portal
    return portal


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it then wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"


async def current_session(request: Request) -> Session | None:
    """The request's live session: its signed cookie names a session the store still has."""
    portal = portal_of(request)
    session_id = portal.signer.session_id_of(request)
    return None if session_id is None else await portal.sessions.find(session_id)


def actor_of(session: Session) -> Actor:
    """Who the audit log names for changes made in ``session``."""
    return Actor.portal(session.subject, session.csrf)


async def signed_in(request: Request) -> Session:
    """The request's session (a FastAPI dependency); it ends when signed out or revoked.

    Raises:
        SignInRequired: No live session.
    """
    session = await current_session(request)
    if session is None:
        raise SignInRequired
    return session


async def posted(request: Request) -> tuple[Session, Form]:
    """The session and the posted form, whose CSRF token must be the session's.

    Raises:
        SignInRequired: No valid session.
        CSRFError: The token is missing or wrong.
    """
    session = await signed_in(request)
    form = await read_form(request)
    sent = form.get("csrf") or request.headers.get("x-csrf-token")
    if not csrf_matches(session, sent):
        raise CSRFError
    return session, form
