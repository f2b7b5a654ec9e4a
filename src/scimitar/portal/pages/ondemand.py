"""Provision on demand: one user, or a group with up to five members, now, with its step trace."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.engine.core.records import Initiator
from scimitar.engine.run.ondemand import GROUP_MEMBERS_MAX, OnDemandProvisioner
from scimitar.engine.run.ondemand_trace import OnDemandTrace
from scimitar.errors import ScimitarError
from scimitar.portal.context import portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["initiator_of", "router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]


def initiator_of(session: Session) -> Initiator:
    """Who the log names as having started the run."""
    kind, _, name = session.subject.partition(":")
    if kind == "key":
        return Initiator(f"API key {name} (portal)", "application")
    return Initiator("Scimitar admin (portal)", "user")


async def _page(
    request: Request, session: Session, app_id: str, *, status_code: int = 200, **values: Any
) -> Response:
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    return portal.render(
        request,
        "ondemand.html",
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab="ondemand",
        config=config,
        members_max=GROUP_MEMBERS_MAX,
        **values,
    )


@router.get("/apps/{app_id}/ondemand")
async def ondemand_page(request: Request, app_id: str, session: SignedIn) -> Response:
    """The form: a user, or a group and some of its members."""
    return await _page(request, session, app_id)


@router.post("/apps/{app_id}/ondemand")
async def provision(request: Request, app_id: str, form_in: Posted) -> Response:
    """Run the pipeline for the chosen object now and show each step."""
    session, form = form_in
    portal = portal_of(request)
    kind = "group" if form.get("kind") == "group" else "user"
    principal = form.text("principal")
    members = [m.strip() for m in form.get("members").replace("\n", ",").split(",") if m.strip()]
    entered = {"kind": kind, "principal": principal, "members": form.get("members")}
    if not principal:
        what = "group's name or objectId" if kind == "group" else "user's UPN or objectId"
        return await _page(
            request,
            session,
            app_id,
            status_code=400,
            entered=entered,
            error=f"Enter the {what} to provision.",
        )
    provisioner = OnDemandProvisioner(
        portal.database,
        portal.apps,
        jobs=portal.runs.jobs,
        directory=portal.directory,
        wait_seconds=10.0,
    )
    trace: OnDemandTrace | None = None
    try:
        if kind == "user":
            trace = await provisioner.provision_user(
                app_id, principal, initiator=initiator_of(session)
            )
        else:
            trace = await provisioner.provision_group(
                app_id, principal, members, initiator=initiator_of(session)
            )
    except ScimitarError as exc:
        return await _page(
            request, session, app_id, status_code=400, entered=entered, error=str(exc)
        )
    return await _page(request, session, app_id, entered=entered, trace=trace)
