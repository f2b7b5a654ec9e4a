""" "Validate an endpoint": ``scimitar validate`` from the portal, its report on the page.

The run is made while the page waits (a few seconds against a well-behaved endpoint); the
token is used for the run only, never stored nor shown again (docs/validator.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.apps.urls import validate_tenant_url
from scimitar.errors import ScimitarError
from scimitar.portal.context import portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session
from scimitar.validate.context import DIALECTS
from scimitar.validate.model import Outcome
from scimitar.validate.report import describe
from scimitar.validate.runner import DEFAULT_MAX_EXISTING, ValidateOptions, validate

__all__ = ["router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]


def _page(request: Request, session: Session, status_code: int = 200, **values: Any) -> Response:
    chosen = values.pop("chosen", {"url": "", "dialect": "entra-2020", "only": ""})
    return portal_of(request).render(
        request, "validate.html", session, status_code=status_code, nav="validate",
        dialects=list(DIALECTS), chosen=chosen, **values,
    )  # fmt: skip


@router.get("/validate")
async def validate_page(request: Request, session: SignedIn) -> Response:
    """The form: endpoint URL, token, dialect, users or groups."""
    return _page(request, session)


@router.post("/validate")
async def run_validation(request: Request, form_in: Posted) -> Response:
    """Run the scenarios and show the report."""
    session, form = form_in
    chosen = {
        "url": form.get("url").strip(),
        "dialect": form.get("dialect", "entra-2020"),
        "only": form.get("only"),
    }
    try:
        url = validate_tenant_url(chosen["url"], allow_insecure_http=form.flag("insecure"))
        options = ValidateOptions(
            url, form.get("token"), dialect=chosen["dialect"], only=chosen["only"] or None,
            max_existing=DEFAULT_MAX_EXISTING, assume_yes=form.flag("yes"),
        )  # fmt: skip
        report = await validate(options)
    except ScimitarError as exc:
        return _page(request, session, status_code=400, chosen=chosen, error=str(exc))
    problems = [
        {"scenario": s.name, "outcome": c.outcome.value, "lines": describe(c)}
        for s in report.scenarios
        for c in s.checks
        if c.outcome in (Outcome.FAIL, Outcome.WARN)
    ]
    return _page(request, session, chosen=chosen, report=report, problems=problems)
