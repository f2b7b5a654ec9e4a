"""``/jobs``: the queue of a PostgreSQL store, with each job's app, worker and age."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from scimitar.api.deps import ServicesDep
from scimitar.api.schemas.jobs import JobsDocument
from scimitar.jobs.listing import list_jobs, queue_exists

__all__ = ["router"]

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=JobsDocument, summary="Queued, running and recent jobs")
async def jobs(
    services: ServicesDep,
    recent: Annotated[int, Query(ge=0, le=5000, description="Finished jobs shown.")] = 50,
) -> dict[str, Any]:
    """Queued and running jobs first, then the ``recent`` most recent finished ones."""
    listed = await list_jobs(services.database, recent=recent)
    return {
        "hasQueue": await queue_exists(services.database),
        "jobs": [job.to_dict() for job in listed],
    }
