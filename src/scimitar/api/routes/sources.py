"""``/sources``: identity sources (add, list, show, settings, test, sync, mappings, logs, remove).

The inbound upload endpoint (``/sources/{name}/bulkUpload``) is not here: it takes the
source's own key, not an admin one (``scimitar.api.inbound``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from scimitar.api.deps import ActorDep
from scimitar.api.problems import problem_responses
from scimitar.api.schemas.engine import LogPageDocument
from scimitar.api.schemas.mappings import MappingSetDocument
from scimitar.api.schemas.sources import (
    SourceCreate,
    SourceCreated,
    SourceDocument,
    SourceSettingsPatch,
    SourceSyncDocument,
    SourceTestDocument,
)
from scimitar.apps.mappings import object_type_named
from scimitar.engine.state.logexport import json_document
from scimitar.engine.state.logstore import parse_action, parse_since, parse_status
from scimitar.errors import ConfigError
from scimitar.secrets import Secret
from scimitar.sources.config import SourceKind
from scimitar.sources.logstore import SourceLogFilter, SourceLogStore
from scimitar.sources.reader import reader_for
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync

__all__ = ["router"]

router = APIRouter(tags=["sources"])
SourceKey = Annotated[str, Path(max_length=200, description="The source's name or id.")]
_READ = problem_responses(404, 422)
_WRITE = problem_responses(404, 409, 422)


def _sources(request: Request) -> SourceService:
    service: SourceService = request.app.state.sources
    return service


def _sync(request: Request) -> SourceSync:
    sync: SourceSync = request.app.state.source_sync
    return sync


SourcesDep = Annotated[SourceService, Depends(_sources)]
SyncDep = Annotated[SourceSync, Depends(_sync)]


@router.get("/sources", response_model=list[SourceDocument], summary="List sources")
async def list_sources(sources: SourcesDep) -> list[dict[str, Any]]:
    """Every identity source, by name."""
    return [found.to_dict() for found in await sources.list()]


@router.post(
    "/sources", response_model=SourceCreated, status_code=201, responses=_WRITE, summary="Add"
)
async def add_source(sources: SourcesDep, actor: ActorDep, body: SourceCreate) -> dict[str, Any]:
    """Add a source; an api source's key is in the answer, once."""
    secret = Secret(body.bindPassword) if body.bindPassword else None
    made, key = await sources.add(
        SourceKind(body.kind), body.name, body.settings, secret=secret, actor=actor
    )
    return {**made.to_dict(), "apiKey": key}


@router.get(
    "/sources/{source}", response_model=SourceDocument, responses=_READ, summary="Show a source"
)
async def show_source(sources: SourcesDep, source: SourceKey) -> dict[str, Any]:
    """One source's settings and last sync."""
    return (await sources.get(source)).to_dict()


@router.delete(
    "/sources/{source}", response_model=SourceDocument, responses=_READ, summary="Remove"
)
async def remove_source(sources: SourcesDep, actor: ActorDep, source: SourceKey) -> dict[str, Any]:
    """Remove a source; the objects it fed stay, editable by hand again."""
    return (await sources.remove(source, actor=actor)).to_dict()


@router.patch(
    "/sources/{source}/settings",
    response_model=SourceDocument,
    responses=_WRITE,
    summary="Change settings",
)
async def change_settings(
    sources: SourcesDep, actor: ActorDep, source: SourceKey, body: SourceSettingsPatch
) -> dict[str, Any]:
    """Schedule, delete threshold (0: none), deletion rule, precedence, enabled."""
    change: dict[str, Any] = {
        "interval_minutes": body.intervalMinutes,
        "deletion_rule": body.deletionRule,
        "precedence": body.precedence,
        "is_enabled": body.enabled,
        "attribute_precedence": body.attributePrecedence,
    }
    if body.deleteThreshold is not None:
        change["delete_threshold"] = body.deleteThreshold
    change = {k: v for k, v in change.items() if v is not None}
    return (await sources.update_settings(source, change, actor=actor)).to_dict()


@router.post(
    "/sources/{source}/test",
    response_model=SourceTestDocument,
    responses=_READ,
    summary="Test a source",
)
async def test_source(sources: SourcesDep, source: SourceKey) -> dict[str, Any]:
    """Check that the source can be read (connect and bind; read the file)."""
    return (await reader_for(await sources.get(source)).test()).to_dict()


@router.post(
    "/sources/{source}/sync", response_model=SourceSyncDocument, responses=_WRITE, summary="Sync"
)
async def sync_source(
    sync: SyncDep,
    source: SourceKey,
    full: Annotated[bool, Query(description="Read everything, not only changes.")] = False,
) -> dict[str, Any]:
    """Read the source now and apply it to the directory; answers when done."""
    return (await sync.run(source, full=full)).to_dict()


@router.get(
    "/sources/{source}/mappings/{object_type}",
    response_model=MappingSetDocument,
    responses=_READ,
    summary="Show inbound mappings",
)
async def show_mappings(
    sources: SourcesDep,
    source: SourceKey,
    object_type: Annotated[str, Path(max_length=20, description="user or group.")],
) -> dict[str, Any]:
    """The inbound mappings and scoping filters of users or groups."""
    return (await sources.mapping_set(source, object_type_named(object_type))).to_dict()


@router.get(
    "/sources/{source}/logs",
    response_model=LogPageDocument,
    responses=_READ,
    summary="Source provisioning logs",
)
async def source_logs(
    sources: SourcesDep,
    source: SourceKey,
    status: Annotated[str | None, Query(max_length=40)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    user: Annotated[
        str | None, Query(max_length=400, description="An anchor, objectId or name.")
    ] = None,
    run: Annotated[str | None, Query(max_length=64, description="A sync run or upload id.")] = None,
    since: Annotated[
        str | None, Query(max_length=64, description="ISO 8601, or 15m, 2h...")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    before: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """A source's records, newest first: one per object per action, with steps and errors."""
    found = await sources.get(source)
    try:
        since_at = parse_since(since) if since is not None else None
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("--since", "query parameter since", 1)) from exc
    chosen = SourceLogFilter(
        parse_status(status, option="status"), parse_action(action, option="action"),
        user, run, since_at,
    )  # fmt: skip
    page = await SourceLogStore(sources.database).query(
        found.id, chosen, limit=limit, before=before
    )
    return {"records": json_document(page.records), "nextBefore": page.next_cursor}
