"""``/validate``: run ``scimitar validate`` against a SCIM endpoint, in the background.

``POST /validate`` answers 202 with the run's id (and ``Location``); ``GET /validate/{id}``
follows it until ``status`` is ``passed``, ``failed`` or ``refused``, with the report as
``scimitar validate --json`` prints it (docs/validator.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from scimitar.api.problems import problem_responses
from scimitar.apps.urls import validate_tenant_url
from scimitar.validate.jobs import ValidationJobs
from scimitar.validate.runner import DEFAULT_MAX_EXISTING, ValidateOptions

__all__ = ["router"]

router = APIRouter(tags=["validator"])


class ValidateBody(BaseModel):
    """What to validate (the options of ``scimitar validate``)."""

    url: str = Field(description="The endpoint's SCIM base URL.", max_length=2000)
    token: str = Field(description="Its bearer token (never stored or echoed).", max_length=8000)
    dialect: str = Field("entra-2020", description="entra-2020, entra-legacy or rfc.")
    only: str | None = Field(None, description="users or groups; both when absent.")
    maxExisting: int = Field(
        DEFAULT_MAX_EXISTING, ge=0, description="Refuse above this many users."
    )
    yes: bool = Field(False, description="Run even above maxExisting.")
    keep: bool = Field(False, description="Leave what the run created in place.")
    allowInsecureHttp: bool = Field(
        False, description="Accept http:// to a host other than this machine (a lab without TLS)."
    )


def _jobs(request: Request) -> ValidationJobs:
    jobs: ValidationJobs = request.app.state.validations
    return jobs


@router.post(
    "/validate",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(422),
    summary="Validate a SCIM endpoint",
)
async def start_validation(request: Request, body: ValidateBody) -> Any:
    """Start a validation run; follow it with ``GET /validate/{id}``."""
    url = validate_tenant_url(body.url, allow_insecure_http=body.allowInsecureHttp)
    options = ValidateOptions(
        url, body.token, dialect=body.dialect, only=body.only, keep=body.keep,
        max_existing=body.maxExisting, assume_yes=body.yes,
    )  # fmt: skip
    job = _jobs(request).start(options)
    return JSONResponse(
        job.to_dict(), status.HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/validate/{job.id}"}
    )


@router.get(
    "/validate/{validation_id}",
    responses=problem_responses(404),
    summary="Follow a validation run",
)
async def get_validation(request: Request, validation_id: str) -> dict[str, Any]:
    """The run's status, then its report (or why it was refused)."""
    return _jobs(request).get(validation_id).to_dict()
