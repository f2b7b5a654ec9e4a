"""The inbound provisioning API: ``POST /api/v1/sources/{name}/bulkUpload`` and its status.

Authenticated by the api source's own key (``scimitar source add api NAME`` prints it once),
not by an admin API key: an HR system can feed its source and do nothing else. Answers are
SCIM (RFC 7644 §3.12 errors, ``application/scim+json``); limits and errors are listed in
docs/sources.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from scimitar import jsonlimits
from scimitar.errors import NotFoundError
from scimitar.secrets import SecretBox
from scimitar.security.throttle import (
    AuthThrottle,
    ThrottledError,
    ThrottlePolicy,
    client_address,
)
from scimitar.settings import Settings
from scimitar.sources.config import SourceDefinition
from scimitar.sources.inbound import BulkRequestError, check_bulk_request
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.sources.uploads import UploadService, UploadWorker
from scimitar.store import Database

__all__ = ["InboundServices", "inbound_services", "router"]

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_MEDIA_TYPE = "application/scim+json"
log = structlog.get_logger("scimitar.api.inbound")
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class InboundServices:
    """What the inbound routes use, kept on the app's state as ``inbound``."""

    sources: SourceService
    uploads: UploadService
    worker: UploadWorker
    throttle: AuthThrottle


def inbound_services(database: Database, settings: Settings) -> InboundServices:
    """The inbound services over a store (the worker is started by the app's lifespan)."""
    sources = SourceService(database, SecretBox.from_settings(settings))
    uploads = UploadService(database, sources, SourceSync(database, sources))
    throttle = AuthThrottle(database, ThrottlePolicy.from_settings(settings))
    return InboundServices(sources, uploads, UploadWorker(uploads), throttle)


def _error(status: int, detail: str, scim_type: str | None = None, **headers: str) -> JSONResponse:
    body: dict[str, Any] = {"schemas": [SCIM_ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return JSONResponse(body, status, headers=headers or None, media_type=SCIM_MEDIA_TYPE)


async def _authenticate(request: Request, name: str) -> SourceDefinition | JSONResponse:
    services: InboundServices = request.app.state.inbound
    address = client_address(request.scope)
    keys = [f"source:addr:{address}"]
    try:
        await services.throttle.check(keys)
    except ThrottledError as exc:
        return _error(
            429,
            "too many wrong keys from this address; wait and retry",
            **{"Retry-After": str(exc.retry_after)},
        )
    scheme, _, key = (request.headers.get("authorization") or "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and key.strip():
        found = await services.sources.verify_key(name, key.strip())
    if found is None:
        await services.throttle.failed(keys)
        log.warning("source_auth_failed", client=address, source=name)
        return _error(
            401,
            "send 'Authorization: Bearer KEY' with the source's API key "
            "(scimitar source add api NAME prints it; source rotate-key makes a new one)",
            **{"WWW-Authenticate": "Bearer"},
        )
    return found


@router.post("/api/v1/sources/{name}/bulkUpload")
async def bulk_upload(request: Request, name: str) -> JSONResponse:
    """Accept a SCIM BulkRequest of Users: 202 with a tracking id; processed in the background."""
    found = await _authenticate(request, name)
    if isinstance(found, JSONResponse):
        return found
    body = await request.body()
    try:
        document = jsonlimits.loads(body)
        checked = check_bulk_request(document)
    except jsonlimits.JSONLimitError as exc:
        return _error(400, f"the body is {exc.message}", "invalidSyntax")
    except BulkRequestError as exc:
        return _error(exc.status, str(exc), exc.scim_type)
    services: InboundServices = request.app.state.inbound
    upload_id = await services.uploads.accept(found, checked)
    services.worker.notify()
    location = f"/api/v1/sources/{found.name}/bulkUpload/{upload_id}"
    answer = {
        "id": upload_id,
        "status": "queued",
        "operations": checked.count,
        "accepted": len(checked.accepted),
        "rejected": [item.to_dict() for item in checked.rejected],
        "statusUrl": location,
    }
    return JSONResponse(answer, 202, headers={"Location": location}, media_type=SCIM_MEDIA_TYPE)


@router.get("/api/v1/sources/{name}/bulkUpload/{upload_id}")
async def upload_status(request: Request, name: str, upload_id: str) -> JSONResponse:
    """Where an upload is: queued, processing, completed (one result an operation), failed."""
    found = await _authenticate(request, name)
    if isinstance(found, JSONResponse):
        return found
    services: InboundServices = request.app.state.inbound
    try:
        document = await services.uploads.status(found, upload_id)
    except NotFoundError as exc:
        return _error(404, str(exc))
    return JSONResponse(document, 200, media_type=SCIM_MEDIA_TYPE)
