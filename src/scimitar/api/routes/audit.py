"""``/audit``: the audit log of admin changes, with filters and paging (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from scimitar.api.deps import ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.schemas.audit import AuditPageDocument
from scimitar.audit import AuditQuery
from scimitar.engine.state.logstore import parse_since
from scimitar.errors import ConfigError

__all__ = ["router"]

router = APIRouter(tags=["audit"])


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_since(text)
    except ConfigError as exc:
        raise ConfigError(
            f"query parameter since {text!r} is neither a time nor an age; give ISO 8601 "
            "(2024-05-01T12:00:00Z) or an age such as 15m, 2h or 7d"
        ) from exc


@router.get(
    "/audit",
    response_model=AuditPageDocument,
    responses=problem_responses(422),
    summary="Audit log of admin changes",
)
async def audit(
    services: ServicesDep,
    app: Annotated[
        str | None, Query(max_length=200, description="An app's name (any case) or id.")
    ] = None,
    since: Annotated[
        str | None, Query(max_length=64, description="ISO 8601 time, or an age: 15m, 2h, 7d.")
    ] = None,
    actor: Annotated[
        str | None,
        Query(max_length=300, description="api:ci-pipeline exactly, or a kind: cli, api, portal."),
    ] = None,
    action: Annotated[
        str | None,
        Query(max_length=64, description="settings.update exactly, or a group: mappings, apikey."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="The most records on a page.")] = 100,
    before: Annotated[
        str | None, Query(max_length=32, description="The nextBefore of the previous page.")
    ] = None,
) -> dict[str, Any]:
    """Who changed what and when, newest first, with each object before and after.

    Secrets are never in a record (`"<redacted>"`, or `"<changed>"` where a change replaced
    one). More records: pass the page's `nextBefore` as `before`. Records of deleted apps
    still match `app` by the name they had.
    """
    where = AuditQuery(app, _since(since), actor, action)
    page = await services.audit.query(where, limit=limit, before=before)
    return {"records": [r.to_dict() for r in page.records], "nextBefore": page.next_cursor}
