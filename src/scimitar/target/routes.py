"""Route handlers of the target, one factory per endpoint family (RFC 7644 §3)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scimitar.scim.errors import InvalidValueError, SCIMError
from scimitar.scim.urns import LIST_RESPONSE
from scimitar.target import discovery
from scimitar.target import repository as repo
from scimitar.target.bulk import run_bulk
from scimitar.target.documents import RequestContext, etag
from scimitar.target.openapi import openapi_document
from scimitar.target.profiles import TargetProfile
from scimitar.target.query import ListQuery, run_query
from scimitar.target.responses import scim_response
from scimitar.target.service import Projection, not_found

if TYPE_CHECKING:
    from scimitar.target.http import TargetApp

__all__ = ["Handler", "bulk", "collection", "group_members", "resource", "search"]

Handler = Callable[[Request, RequestContext, TargetProfile], Awaitable[Response]]
GROUP_MEMBERS = "urn:scim:schemas:extension:cisco:webexidentity:2.0:GroupMembers"
MEMBERS_PAGE_MAX = 500
MAX_PAGING_VALUE = 2**31 - 1
"""The largest ``startIndex`` or ``count`` accepted (docs/target.md, "Limits")."""


def _csv(value: Any) -> list[str] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    cleaned = [str(item).strip() for item in items if str(item).strip()]
    return cleaned or None


def _flag(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise SCIMError(400, "invalidValue", f"{name} must be true or false, got {value!r}")


def _integer(value: Any, name: str, default: int | None, *, is_clamped: bool = False) -> int | None:
    """A paging value (RFC 7644 §3.4.2.4): an integer up to :data:`MAX_PAGING_VALUE`.

    Values below the range are the caller's to clamp (a ``startIndex`` under 1 means 1, a
    negative ``count`` means 0). Above it, a ``count`` is clamped (the page is cut to the
    server's maximum anyway) and a ``startIndex`` refused: no page starts there. An empty
    value (``count=``) is no integer: refused, as the tenant's OpenAPI document says.
    """
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:37]}..."
        raise InvalidValueError(f"{name} must be an integer, got {shown}") from exc
    if number > MAX_PAGING_VALUE and is_clamped:
        return MAX_PAGING_VALUE
    if number > MAX_PAGING_VALUE:
        raise InvalidValueError(
            f"{name} must be at most {MAX_PAGING_VALUE}; no page starts beyond that"
        )
    return number


def _lookup(params: Any, name: str) -> Any:
    """A query or body parameter, matched case-insensitively."""
    lowered = name.lower()
    for key in params:
        if key.lower() == lowered:
            return params[key]
    return None


def projection_from(params: Any) -> Projection:
    """``attributes``, ``excludedAttributes`` and Webex's switches from a query or body."""
    return Projection(
        _csv(_lookup(params, "attributes")),
        _csv(_lookup(params, "excludedAttributes")),
        include_members=_flag(_lookup(params, "includeMembers"), "includeMembers"),
        return_groups=_flag(_lookup(params, "returnGroups"), "returnGroups"),
    )


def parse_list_query(params: Any) -> ListQuery:
    """A list request from URL parameters or a ``.search`` body (RFC 7644 §3.4.3)."""
    sort_order = str(_lookup(params, "sortOrder") or "ascending")
    if sort_order.lower() not in ("ascending", "descending"):
        raise InvalidValueError("sortOrder must be 'ascending' or 'descending'")
    return ListQuery(
        filter=_lookup(params, "filter"),
        start_index=_integer(_lookup(params, "startIndex"), "startIndex", 1) or 1,
        count=_integer(_lookup(params, "count"), "count", None, is_clamped=True),
        sort_by=_lookup(params, "sortBy"),
        sort_order=sort_order,
        view=projection_from(params),
    )


def _with_etag(doc: dict[str, Any], version: int, location: str, status: int = 200) -> Response:
    return scim_response(doc, status, {"ETag": etag(version), "Location": location})


async def _list(
    target: TargetApp, ctx: RequestContext, resource_type: str | None, query: ListQuery
) -> Response:
    max_page = target.settings.target_max_page
    if ctx.imperfections.ignores_filter(query.filter):
        # Quirk switch: an unsupported filter answered as if nothing matched, not 400.
        return scim_response(_empty_list(query))
    if resource_type is not None:
        body = await run_query(target.database, target.service, ctx, resource_type, query, max_page)
        return scim_response(body)
    users = await run_query(
        target.database,
        target.service,
        ctx,
        "User",
        ListQuery(query.filter, 1, max_page, query.sort_by, query.sort_order, query.view),
        max_page,
    )
    groups = await run_query(
        target.database,
        target.service,
        ctx,
        "Group",
        ListQuery(query.filter, 1, max_page, query.sort_by, query.sort_order, query.view),
        max_page,
    )
    everything = users["Resources"] + groups["Resources"]
    start = max(query.start_index, 1)
    count = max_page if query.count is None else max(0, min(query.count, max_page))
    page = everything[start - 1 : start - 1 + count]
    return scim_response(
        {
            **users,
            "totalResults": users["totalResults"] + groups["totalResults"],
            "itemsPerPage": len(page),
            "startIndex": start,
            "Resources": page,
        }
    )


def _empty_list(query: ListQuery) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": 0,
        "itemsPerPage": 0,
        "startIndex": max(query.start_index, 1),
        "Resources": [],
    }


def search(resource_type: str | None, target: TargetApp) -> Handler:
    """``POST /.search`` (RFC 7644 §3.4.3), per type or at the root."""

    async def handle(request: Request, ctx: RequestContext, _p: TargetProfile) -> Response:
        body = await target.read_json(request)
        if not isinstance(body, dict):
            raise SCIMError(400, "invalidSyntax", "a SearchRequest body must be a JSON object")
        return await _list(target, ctx, resource_type, parse_list_query(body))

    return handle


def collection(resource_type: str, target: TargetApp) -> Handler:
    """``GET`` (list/filter) and ``POST`` (create) on /Users or /Groups."""

    async def handle(request: Request, ctx: RequestContext, _p: TargetProfile) -> Response:
        if request.method == "GET":
            return await _list(target, ctx, resource_type, parse_list_query(request.query_params))
        body = ctx.imperfections.drop_from_resource(await target.read_json(request))
        doc, version = await target.service.create(ctx, resource_type, body)
        return _with_etag(doc, version, ctx.location(resource_type, doc["id"]), 201)

    return handle


def resource(resource_type: str, target: TargetApp) -> Handler:
    """``GET``, ``PUT``, ``PATCH`` and ``DELETE`` on one resource."""

    async def handle(request: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        resource_id = request.path_params["id"]
        location = ctx.location(resource_type, resource_id)
        if_match = request.headers.get("if-match")
        service = target.service
        if request.method == "GET":
            doc, version = await service.get(
                ctx, resource_type, resource_id, projection_from(request.query_params)
            )
            return _with_etag(doc, version, location)
        if request.method == "DELETE":
            await service.delete(ctx, resource_type, resource_id, if_match)
            return Response(status_code=204)
        body = await target.read_json(request)
        view = projection_from(request.query_params)
        switches = ctx.imperfections
        if request.method == "PUT":
            doc, version = await service.replace(
                ctx, resource_type, resource_id, switches.drop_from_resource(body), if_match, view
            )
        else:
            if isinstance(body, dict):
                switches.refuse_patch(resource_type, body.get("Operations"))
            # Entra expects 204 for a group PATCH; a generic target need not echo a member list
            # that may be huge (RFC 7644 §3.5.2 allows either), Webex answers 200 with the group.
            quiet = resource_type == "Group" and profile.group_member_cap is None
            kept = switches.drop_from_patch(body)
            if _is_emptied(body, kept):
                # Quirk switch: every write went to dropped attributes; accepted, nothing stored.
                doc, version = await service.get(ctx, resource_type, resource_id, view)
            else:
                doc, version = await service.patch(
                    ctx, resource_type, resource_id, kept, if_match, render=not quiet, view=view
                )
            if quiet:
                return Response(status_code=204, headers={"ETag": etag(version)})
        return _with_etag(doc, version, location)

    return handle


def _is_emptied(body: Any, kept: Any) -> bool:
    """Whether dropping attributes left a PATCH that had operations with nothing to do."""
    if kept is body or not isinstance(kept, dict) or not isinstance(body, dict):
        return False
    return bool(body.get("Operations")) and not kept.get("Operations")


def group_members(target: TargetApp) -> Handler:
    """Webex's ``GET /Groups/{id}/Members``: paged, at most 500 a page (docs/entra.md, Webex)."""

    async def handle(request: Request, ctx: RequestContext, _p: TargetProfile) -> Response:
        params = request.query_params
        group_id = request.path_params["id"]
        start = max(_integer(_lookup(params, "startIndex"), "startIndex", 1) or 1, 1)
        count = _integer(_lookup(params, "count"), "count", MEMBERS_PAGE_MAX, is_clamped=True) or 0
        count = max(0, min(count, MEMBERS_PAGE_MAX))
        member_type = _lookup(params, "memberType")
        async with target.database.fast_read() as conn:
            group = await repo.load_resource(conn, ctx.tenant_id, "Group", group_id)
            if group is None:
                raise not_found("Group", group_id)
            size = await repo.count_members(conn, ctx.tenant_id, group_id, member_type)
            members = await repo.list_members(
                conn,
                ctx.tenant_id,
                group_id,
                offset=start - 1,
                limit=count,
                member_type=member_type,
            )
        return scim_response(
            {
                "schemas": [GROUP_MEMBERS],
                "displayName": group.data.get("displayName"),
                "memberSize": size,
                "itemsPerPage": len(members),
                "startIndex": start,
                "members": [
                    {
                        "value": m.value,
                        "type": m.type,
                        "display": m.display,
                        "$ref": ctx.location(
                            "Group" if m.type.lower() == "group" else "User", m.value
                        ),
                    }
                    for m in members
                ],
            }
        )

    return handle


def bulk(target: TargetApp) -> Handler:
    """``POST /Bulk`` (RFC 7644 §3.7)."""

    async def handle(request: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        body = await target.read_json(request)
        errors_as = profile if ctx.quirks == "vendor" else None
        result = await run_bulk(
            target.service,
            ctx,
            body,
            lambda err: target.error_body(err, errors_as, uuid.uuid4().hex),
        )
        return scim_response(result)

    return handle


def unknown_endpoint() -> Handler:
    """Any other path under a tenant: a SCIM 404 rather than a bare one."""

    async def handle(request: Request, _c: RequestContext, _p: TargetProfile) -> Response:
        raise SCIMError(
            404,
            None,
            f"no SCIM endpoint at {request.url.path}; this target serves "
            "/Users, /Groups, /Bulk, /.search and the discovery endpoints",
        )

    return handle


def discovery_spc(target: TargetApp) -> Handler:
    """``GET /ServiceProviderConfig``."""

    async def handle(_r: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        settings = target.settings
        return scim_response(
            discovery.service_provider_config(
                profile, ctx.base_url, settings.max_request_bytes, settings.target_max_page
            )
        )

    return handle


def discovery_types() -> Handler:
    """``GET /ResourceTypes``."""

    async def handle(_r: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        return scim_response(discovery.resource_types(profile, ctx.base_url))

    return handle


def discovery_type() -> Handler:
    """``GET /ResourceTypes/{name}``."""

    async def handle(request: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        return scim_response(
            discovery.resource_type(profile, ctx.base_url, request.path_params["name"])
        )

    return handle


def discovery_schemas() -> Handler:
    """``GET /Schemas``."""

    async def handle(_r: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        return scim_response(discovery.schemas(profile, ctx.base_url))

    return handle


def discovery_schema() -> Handler:
    """``GET /Schemas/{id}``."""

    async def handle(request: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        return scim_response(
            discovery.schema_by_id(profile, ctx.base_url, request.path_params["name"])
        )

    return handle


def discovery_webex() -> Handler:
    """Webex's ``GET /Schemas/SCIM2/User|Group|{schemaId}``."""

    async def handle(request: Request, _c: RequestContext, profile: TargetProfile) -> Response:
        return scim_response(discovery.webex_schema(profile, request.path_params["name"]))

    return handle


def discovery_openapi() -> Handler:
    """``GET /openapi.json``: this tenant's endpoints as an OpenAPI document."""

    async def handle(_r: Request, ctx: RequestContext, profile: TargetProfile) -> Response:
        return JSONResponse(openapi_document(profile, ctx.base_url))

    return handle
