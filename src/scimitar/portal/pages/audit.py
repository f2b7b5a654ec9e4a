"""The audit log page: who changed what and when, with filters, paging and before/after."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.audit import AuditQuery, AuditRecord
from scimitar.engine.state.logstore import parse_since
from scimitar.errors import ConfigError
from scimitar.portal.context import portal_of, signed_in
from scimitar.portal.session import Session

__all__ = ["router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
_PAGE = 50
_FILTERS = ("app", "actor", "action", "since")


def _document(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _row(record: AuditRecord) -> dict[str, Any]:
    return {
        "record": record,
        "before": _document(record.before),
        "after": _document(record.after),
    }


@router.get("/audit")
async def audit_page(
    request: Request,
    session: SignedIn,
    app: str = "",
    actor: str = "",
    action: str = "",
    since: str = "",
    before: str = "",
) -> Response:
    """The audit log, newest first; each record opens to its before and after."""
    portal = portal_of(request)
    chosen = {"app": app.strip(), "actor": actor.strip(), "action": action.strip()}
    chosen["since"] = since.strip()
    filters = urlencode({k: v for k, v in chosen.items() if v})
    try:
        moment = parse_since(chosen["since"]) if chosen["since"] else None
        where = AuditQuery(chosen["app"], moment, chosen["actor"], chosen["action"])
        page = await portal.audit.query(where, limit=_PAGE, before=before.strip() or None)
    except ConfigError as exc:
        return portal.render(
            request,
            "audit.html",
            session,
            status_code=400,
            nav="audit",
            chosen=chosen,
            filters=filters,
            rows=[],
            next_cursor=None,
            error=str(exc),
        )
    return portal.render(
        request,
        "audit.html",
        session,
        nav="audit",
        chosen=chosen,
        filters=filters,
        rows=[_row(record) for record in page.records],
        next_cursor=page.next_cursor,
    )
