"""Current status (a progress bar and counts refreshed while a cycle runs), "Sync now", and the
provisioning logs with filters, a details panel and JSON/CSV downloads."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.engine.core.records import ProvisioningAction, RecordStatus
from scimitar.engine.state.logexport import json_document, write_csv
from scimitar.engine.state.logstore import LogPage, parse_action, parse_status
from scimitar.errors import ConfigError
from scimitar.portal.context import portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session

__all__ = ["COUNT_ORDER", "LogQuery", "router"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]
#: How the counts of a cycle are listed.
COUNT_ORDER = (
    "create",
    "update",
    "enable",
    "disable",
    "delete",
    "staged_delete",
    "skip",
    "failure",
)
#: Seconds between refreshes of the status panel while a cycle runs.
POLL_SECONDS = 2
_PAGE = 50
_DOWNLOAD_MAX = 10_000


class LogQuery:
    """The logs page's filters, read from the query string.

    Raises:
        ConfigError: An unknown status or action.
    """

    def __init__(
        self,
        status: str | None = None,
        action: str | None = None,
        user: str | None = None,
        cycle: str | None = None,
        before: str | None = None,
    ) -> None:
        self.status = parse_status(status or None, option="Status")
        self.action = parse_action(action or None, option="Action")
        self.user = (user or "").strip() or None
        self.cycle = (cycle or "").strip() or None
        self.before = before or None

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``ProvisioningLogStore.query``."""
        return {
            "status": self.status,
            "action": self.action,
            "user": self.user,
            "cycle": self.cycle,
            "before": self.before,
        }

    def query_string(self) -> str:
        """The filters (not the page) as a query string, for download links."""
        values = {
            "status": self.status.value if self.status else None,
            "action": self.action.value if self.action else None,
            "user": self.user,
            "cycle": self.cycle,
        }
        return urlencode({k: v for k, v in values.items() if v})


async def _status_values(request: Request, app_id: str) -> dict[str, Any]:
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    status = await portal.status.status(config.app.id)
    return {
        "app": config.app,
        "config": config,
        "status": status,
        "order": COUNT_ORDER,
        "poll": POLL_SECONDS,
        "running": status.running_cycle is not None or portal.runs.is_pending(config, status),
    }


@router.get("/apps/{app_id}/status")
async def status_page(request: Request, app_id: str, session: SignedIn) -> Response:
    """The job's current status: state, the running cycle's progress, the last cycle's counts."""
    values = await _status_values(request, app_id)
    return portal_of(request).render(
        request, "status.html", session, nav="apps", tab="status", **values
    )


@router.get("/apps/{app_id}/status/panel")
async def status_panel(request: Request, app_id: str, session: SignedIn) -> Response:
    """The status panel alone (htmx polls it while a cycle runs)."""
    values = await _status_values(request, app_id)
    return portal_of(request).render(request, "_status_panel.html", session, **values)


@router.post("/apps/{app_id}/sync")
async def sync_now(request: Request, app_id: str, form_in: Posted) -> Response:
    """Start a cycle now."""
    session, _form = form_in
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    try:
        notice = await portal.runs.sync_now(config)
        error = None
    except ConfigError as exc:
        notice, error = None, str(exc)
    values = await _status_values(request, app_id)
    return portal.render(
        request,
        "status.html",
        session,
        status_code=200 if error is None else 400,
        nav="apps",
        tab="status",
        notice=notice,
        error=error,
        **values,
    )


def _query(
    status: str | None = None,
    action: str | None = None,
    user: str | None = None,
    cycle: str | None = None,
    before: str | None = None,
) -> LogQuery:
    return LogQuery(status, action, user, cycle, before)


Filters = Annotated[LogQuery, Depends(_query)]


@router.get("/apps/{app_id}/logs")
async def logs_page(
    request: Request, app_id: str, session: SignedIn, chosen: Filters, record: str | None = None
) -> Response:
    """Provisioning logs, newest first, filtered; ``record`` opens one record's details."""
    portal = portal_of(request)
    app = await portal.apps.apps.get(app_id)
    page: LogPage = await portal.logs.query(app.id, limit=_PAGE, **chosen.arguments())
    detail = await portal.logs.get(app.id, record) if record else None
    return portal.render(
        request,
        "logs.html",
        session,
        nav="apps",
        app=app,
        tab="logs",
        page=page,
        chosen=chosen,
        detail=detail,
        statuses=list(RecordStatus),
        actions=list(ProvisioningAction),
    )


@router.get("/apps/{app_id}/logs/records/{record_id}")
async def log_record(request: Request, app_id: str, record_id: str, session: SignedIn) -> Response:
    """One record's details: the panel for htmx, else the logs page with the panel open."""
    portal = portal_of(request)
    app = await portal.apps.apps.get(app_id)
    detail = await portal.logs.get(app.id, record_id)
    return portal.render(request, "_log_detail.html", session, app=app, detail=detail)


async def _download_entries(request: Request, app_id: str, chosen: LogQuery) -> list[Any]:
    portal = portal_of(request)
    app = await portal.apps.apps.get(app_id)
    entries: list[Any] = []
    arguments = chosen.arguments()
    while len(entries) < _DOWNLOAD_MAX:
        page = await portal.logs.query(app.id, limit=1000, **arguments)
        entries.extend(page.records)
        if page.next_cursor is None:
            break
        arguments["before"] = page.next_cursor
    return entries[:_DOWNLOAD_MAX]


def _filename(app_id: str, suffix: str) -> str:
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    return f"provisioning-logs-{app_id[:8]}-{stamp}.{suffix}"


@router.get("/apps/{app_id}/logs.json")
async def logs_json(request: Request, app_id: str, _session: SignedIn, chosen: Filters) -> Response:
    """The filtered records as a JSON list (Graph-shaped), at most 10,000."""
    entries = await _download_entries(request, app_id, chosen)
    body = json.dumps(json_document(entries), ensure_ascii=False, indent=2)
    disposition = f'attachment; filename="{_filename(app_id, "json")}"'
    return Response(
        body, media_type="application/json", headers={"Content-Disposition": disposition}
    )


@router.get("/apps/{app_id}/logs.csv")
async def logs_csv(request: Request, app_id: str, _session: SignedIn, chosen: Filters) -> Response:
    """The filtered records as CSV, one row per record, at most 10,000."""
    entries = await _download_entries(request, app_id, chosen)
    buffer = io.StringIO()
    write_csv(entries, buffer)
    disposition = f'attachment; filename="{_filename(app_id, "csv")}"'
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
