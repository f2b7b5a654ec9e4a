"""Listing and filtering (RFC 7644 §3.4.2, §3.4.3): indexed where it can, a scan where not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scimitar.scim.errors import SCIMError
from scimitar.scim.expressions import Or
from scimitar.scim.filter import Filter, evaluate, parse_filter, render_filter, simple_equality
from scimitar.scim.resource import sort_key
from scimitar.scim.urns import LIST_RESPONSE
from scimitar.store import Database
from scimitar.store.fastsql import SQLConnection
from scimitar.target import repository as repo
from scimitar.target.documents import RequestContext
from scimitar.target.profiles import profile_named
from scimitar.target.service import Projection, TargetService

__all__ = ["ListQuery", "run_query"]

# Indexed lookups: attribute (lower-case path) → (column, whether the value is lower-cased).
_INDEXED = {
    "User": {
        "username": ("user_name_key", True),
        "externalid": ("external_id", False),
        "id": ("id", False),
    },
    "Group": {
        "displayname": ("display_name_key", True),
        "externalid": ("external_id", False),
        "id": ("id", False),
    },
}


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A list or search request, already read from the URL or the ``.search`` body."""

    filter: str | None = None
    start_index: int = 1
    count: int | None = None
    sort_by: str | None = None
    sort_order: str = "ascending"
    view: Projection = field(default_factory=Projection)


def _page_bounds(query: ListQuery, default_count: int, max_page: int) -> tuple[int, int]:
    start = max(query.start_index, 1)
    count = default_count if query.count is None else query.count
    return start, max(0, min(count, max_page))


def _terms(parsed: Filter) -> list[Filter]:
    """The operands of a chain of ``or`` (the filter itself when it is no ``or``)."""
    terms: list[Filter] = []
    pending = [parsed]
    while pending:  # a loop, not recursion: 100 terms nest 100 deep
        node = pending.pop()
        if isinstance(node, Or):
            pending += [node.right, node.left]
        else:
            terms.append(node)
    return terms


def _lookups(resource_type: str, parsed: Filter) -> dict[str, set[str]] | None:
    """Indexed column → the values an ``eq`` (or an ``or`` of them) asks for; None if any
    term is not an equality on an indexed attribute."""
    lookups: dict[str, set[str]] = {}
    for term in _terms(parsed):
        simple = simple_equality(term)
        if simple is None:
            return None
        path, value = simple
        indexed = _INDEXED[resource_type].get(path)
        if indexed is None or not isinstance(value, str):
            return None
        column, lowered = indexed
        lookups.setdefault(column, set()).add(value.lower() if lowered else value)
    return lookups


async def _candidates(
    conn: SQLConnection, ctx: RequestContext, resource_type: str, parsed: Filter | None
) -> list[repo.StoredResource] | None:
    """Resources an indexed lookup narrows the filter to, or None when a scan is needed.

    ``attr eq "v"``, and ``or`` of such terms on indexed attributes (a batch of matching
    queries), are answered from the indexes: one ``IN`` lookup per column, O(k log N) for k
    terms; the filter is still evaluated on each candidate afterwards.
    """
    if parsed is None:
        return None
    lookups = _lookups(resource_type, parsed)
    if lookups is None:
        return None
    found: dict[str, repo.StoredResource] = {}
    for column, values in lookups.items():
        for stored in await repo.find_by_index_values(
            conn, ctx.tenant_id, resource_type, column, sorted(values)
        ):
            found.setdefault(stored.id, stored)
    return sorted(found.values(), key=lambda stored: stored.seq)


async def _filtered(
    conn: SQLConnection, ctx: RequestContext, resource_type: str, parsed: Filter
) -> list[repo.StoredResource]:
    profile = profile_named(ctx.profile_name)
    schema = profile.schema_for(resource_type)
    needs_members = resource_type == "Group" and "members" in render_filter(parsed).lower()
    candidates = await _candidates(conn, ctx, resource_type, parsed)
    chunks = [candidates] if candidates is not None else None
    matched: list[repo.StoredResource] = []
    if chunks is None:
        chunks = [
            chunk async for chunk in repo.iterate_resources(conn, ctx.tenant_id, resource_type)
        ]
    for chunk in chunks:
        for stored in chunk:
            doc = stored.data
            if needs_members:
                members = await repo.list_members(conn, ctx.tenant_id, stored.id)
                doc = {**doc, "members": [{"value": m.value, "type": m.type} for m in members]}
            if evaluate(parsed, doc, schema):
                matched.append(stored)
    return matched


async def _all(
    conn: SQLConnection, ctx: RequestContext, resource_type: str
) -> list[repo.StoredResource]:
    return [
        s
        async for chunk in repo.iterate_resources(conn, ctx.tenant_id, resource_type)
        for s in chunk
    ]


def _sort(
    matched: list[repo.StoredResource], ctx: RequestContext, resource_type: str, query: ListQuery
) -> list[repo.StoredResource]:
    if not query.sort_by:
        return matched
    schema = profile_named(ctx.profile_name).schema_for(resource_type)
    descending = query.sort_order.lower() == "descending"
    if query.sort_order.lower() not in ("ascending", "descending"):
        raise SCIMError(400, "invalidValue", "sortOrder must be 'ascending' or 'descending'")
    return sorted(
        matched, key=lambda s: sort_key(s.data, query.sort_by or "", schema), reverse=descending
    )


async def run_query(
    database: Database,
    service: TargetService,
    ctx: RequestContext,
    resource_type: str,
    query: ListQuery,
    max_page: int,
) -> dict[str, Any]:
    """Run a list request and build the ListResponse (RFC 7644 §3.4.2)."""
    profile = profile_named(ctx.profile_name)
    start, count = _page_bounds(query, profile.default_count, max_page)
    parsed = parse_filter(query.filter) if query.filter and query.filter.strip() else None
    async with database.fast_read() as conn:
        if parsed is None and not query.sort_by:
            total = await repo.count_resources(conn, ctx.tenant_id, resource_type)
            page = await repo.page_resources(conn, ctx.tenant_id, resource_type, start - 1, count)
        else:
            matched = (
                await _filtered(conn, ctx, resource_type, parsed)
                if parsed is not None
                else await _all(conn, ctx, resource_type)
            )
            matched = _sort(matched, ctx, resource_type, query)
            total = len(matched)
            page = matched[start - 1 : start - 1 + count]
        resources = await service.render(conn, ctx, resource_type, page, query.view, single=False)
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start,
        "Resources": resources,
    }
