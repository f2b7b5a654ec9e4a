"""``/apps/{app}/logs``: provisioning log records with filters and paging, as JSON or CSV."""

from __future__ import annotations

import io
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response

from scimitar.api.deps import ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.routes.apps import AppKey
from scimitar.api.schemas.engine import LogPageDocument
from scimitar.engine.state.logexport import json_document, write_csv
from scimitar.engine.state.logstore import parse_action, parse_since, parse_status
from scimitar.errors import ConfigError

__all__ = ["router"]

router = APIRouter(tags=["logs"])


class LogFormat(StrEnum):
    """How records are returned."""

    JSON = "json"
    CSV = "csv"


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_since(text)
    except ConfigError as exc:
        # The parser speaks the CLI's words; name the query parameter instead.
        raise ConfigError(str(exc).replace("--since", "query parameter since", 1)) from exc


_CSV_DOC = {
    "description": "One page of records; as CSV with `format=csv`.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


@router.get(
    "/apps/{app}/logs",
    response_model=LogPageDocument,
    responses={200: _CSV_DOC, **problem_responses(404, 422)},
    summary="Provisioning logs",
)
async def logs(
    services: ServicesDep,
    request: Request,
    app: AppKey,
    status: Annotated[
        str | None, Query(description="success, failure, skipped or warning.")
    ] = None,
    action: Annotated[
        str | None,
        Query(description="create, update, disable, enable, delete, stageddelete, skip, other."),
    ] = None,
    user: Annotated[
        str | None,
        Query(max_length=400, description="A source or target id, UPN or displayName (any case)."),
    ] = None,
    cycle: Annotated[str | None, Query(max_length=64, description="A cycle id.")] = None,
    since: Annotated[
        str | None, Query(max_length=64, description="ISO 8601 time, or an age: 15m, 2h, 7d.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="The most records on a page.")] = 100,
    before: Annotated[
        str | None, Query(max_length=200, description="The nextBefore of the previous page.")
    ] = None,
    format: Annotated[
        LogFormat, Query(description="json (Graph-shaped records) or csv (one row per record).")
    ] = LogFormat.JSON,
    download: Annotated[
        bool, Query(description="Answer as a file download (Content-Disposition).")
    ] = False,
) -> Any:
    """An app's records, newest first: one per object per action, with steps and errors.

    More records: pass the page's `nextBefore` as `before` (CSV pages carry it in a `Link`
    header with rel="next").
    """
    found = await services.apps.apps.get(app)
    page = await services.logs.query(
        found.id,
        status=parse_status(status, option="status"),
        action=parse_action(action, option="action"),
        user=user,
        cycle=cycle,
        since=_since(since),
        limit=limit,
        before=before,
    )
    headers = _headers(request, page.next_cursor, format, download, found.name)
    if format is LogFormat.CSV:
        buffer = io.StringIO()
        write_csv(page.records, buffer)
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    document = {"records": json_document(page.records), "nextBefore": page.next_cursor}
    if headers:
        return _json_response(document, headers)
    return document


def _json_response(document: dict[str, Any], headers: dict[str, str]) -> Response:
    checked = LogPageDocument.model_validate(document)
    return Response(checked.model_dump_json(), media_type="application/json", headers=headers)


def _headers(
    request: Request, cursor: str | None, chosen: LogFormat, download: bool, app_name: str
) -> dict[str, str]:
    headers: dict[str, str] = {}
    if cursor is not None:
        query = {k: v for k, v in request.query_params.items() if k != "before"}
        query["before"] = cursor
        # The path arrives decoded: an app named "Cisco Webex" must go back out encoded
        # (RFC 8288 §3: the link is a URI reference).
        path = quote(request.url.path, safe="/")
        headers["Link"] = f'<{path}?{urlencode(query)}>; rel="next"'
    if download:
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in app_name) or "app"
        headers["Content-Disposition"] = (
            f'attachment; filename="provisioning-logs-{safe}.{chosen.value}"'
        )
    return headers
