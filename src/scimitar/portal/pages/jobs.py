"""The jobs page: the PostgreSQL store's queue, with each job's app, worker and age."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.jobs.listing import list_jobs, queue_exists
from scimitar.portal.context import portal_of, signed_in
from scimitar.portal.session import Session

__all__ = ["router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
#: Finished jobs shown below the queued and running ones.
_RECENT = 50


@router.get("/jobs")
async def jobs_page(request: Request, session: SignedIn) -> Response:
    """Queued and running jobs, then the most recent finished ones."""
    portal = portal_of(request)
    return portal.render(
        request,
        "jobs.html",
        session,
        nav="jobs",
        has_queue=await queue_exists(portal.database),
        jobs=await list_jobs(portal.database, recent=_RECENT),
    )
