"""The target's resource operations: create, read, replace, patch, delete (RFC 7644 §3.3-3.6).

Protocol errors are raised as :class:`~scimitar.scim.errors.SCIMError`; the HTTP layer renders
them. Writes run in one transaction each, so a failed request leaves nothing half-written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from scimitar.ids import uuid7
from scimitar.scim.errors import InvalidValueError, SCIMError, UniquenessError
from scimitar.scim.patch import apply_patch
from scimitar.scim.resource import project, validate_resource
from scimitar.scim.urns import ENTERPRISE_USER
from scimitar.store import Database
from scimitar.store.fastsql import INTEGRITY_ERRORS, SQLConnection
from scimitar.target import repository as repo
from scimitar.target.documents import (
    RequestContext,
    index_keys,
    matches_if_match,
    now_iso,
    precondition_failed,
    render_group,
    render_user,
)
from scimitar.target.names import check_names
from scimitar.target.profiles import TargetProfile, profile_named

__all__ = ["Projection", "TargetService", "not_found"]


@dataclass(frozen=True, slots=True)
class Projection:
    """What a read returns: ``attributes``/``excludedAttributes`` and Webex's extra switches."""

    attributes: Sequence[str] | None = None
    excluded: Sequence[str] | None = None
    include_members: bool | None = None
    return_groups: bool | None = None

    def wants(self, attribute: str) -> bool:
        """Whether ``attribute`` survives ``attributes``/``excludedAttributes``."""
        lowered = attribute.lower()
        if self.excluded and any(e.lower() == lowered for e in self.excluded):
            return False
        if self.attributes:
            return any(a.lower().split(".")[0] == lowered for a in self.attributes)
        return True


def not_found(resource_type: str, resource_id: str) -> SCIMError:
    """404 for an id this tenant does not hold."""
    return SCIMError(404, None, f"{resource_type} {resource_id!r} not found in this tenant")


def _uniqueness(doc: dict[str, Any]) -> UniquenessError:
    return UniquenessError(
        f"userName {doc.get('userName')!r} is already taken in this tenant (compared "
        'case-insensitively); look the user up with filter=userName eq "..." and update it'
    )


class TargetService:
    """SCIM resource operations for one database, across tenants."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- reads ---------------------------------------------------------------------------

    async def get(
        self, ctx: RequestContext, resource_type: str, resource_id: str, view: Projection
    ) -> tuple[dict[str, Any], int]:
        """One resource as the client asked to see it, with its version."""
        async with self._db.fast_read() as conn:
            stored = await repo.load_resource(conn, ctx.tenant_id, resource_type, resource_id)
            if stored is None:
                raise not_found(resource_type, resource_id)
            docs = await self.render(conn, ctx, resource_type, [stored], view, single=True)
        return docs[0], stored.version

    async def render(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        resource_type: str,
        stored: Sequence[repo.StoredResource],
        view: Projection,
        *,
        single: bool,
    ) -> list[dict[str, Any]]:
        """Stored resources as returned: meta, members or groups, then the projection."""
        profile = profile_named(ctx.profile_name)
        schema = profile.schema_for(resource_type)
        if resource_type == "User":
            groups = await self._groups_for(conn, ctx, profile, stored, view)
            docs = [render_user(s.data, s.version, ctx, groups.get(s.id)) for s in stored]
        else:
            docs = [
                render_group(
                    s.data,
                    s.version,
                    ctx,
                    await self._members_for(conn, ctx, profile, s.id, view, single),
                )
                for s in stored
            ]
        return [project(doc, schema, view.attributes, view.excluded) for doc in docs]

    async def _groups_for(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        profile: TargetProfile,
        stored: Sequence[repo.StoredResource],
        view: Projection,
    ) -> dict[str, list[tuple[str, str | None]]]:
        wanted = (
            view.return_groups if view.return_groups is not None else not profile.group_member_cap
        )
        if not wanted or not view.wants("groups"):
            return {}
        return await repo.groups_of(conn, ctx.tenant_id, [s.id for s in stored])

    async def _members_for(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        profile: TargetProfile,
        group_id: str,
        view: Projection,
        single: bool,
    ) -> list[repo.Member] | None:
        if not view.wants("members"):
            return None
        included = view.include_members
        if included is None:
            included = single or profile.list_includes_members
        if not included:
            return None
        cap = profile.group_member_cap
        return await repo.list_members(conn, ctx.tenant_id, group_id, limit=cap)

    # -- writes --------------------------------------------------------------------------

    def batch(self) -> AbstractAsyncContextManager[None]:
        """One transaction around many writes (a Bulk request's operations), where it can.

        Each write still succeeds or fails on its own (a savepoint on SQLite).
        """
        return self._db.fast_batch()

    async def create(
        self, ctx: RequestContext, resource_type: str, body: Any, *, render: bool = True
    ) -> tuple[dict[str, Any], int]:
        """Create a resource from a request body (RFC 7644 §3.3); returns it and its version.

        With ``render`` false the stored document is returned as is (Bulk answers carry only
        a location and a version, RFC 7644 §3.7.3, so nothing is rendered for them).
        """
        profile = profile_named(ctx.profile_name)
        doc = validate_resource(_object(body), profile.schema_for(resource_type), mode="create")
        check_names(resource_type, doc)
        members = doc.pop("members", None) if resource_type == "Group" else None
        if resource_type == "User" and ctx.quirks == "vendor":
            doc = profile.normalise_user(doc)
        now = now_iso()
        doc["id"] = uuid7()  # time-ordered: new rows land at the end of the id index
        doc["meta"] = {
            "resourceType": _label(profile, resource_type),
            "created": now,
            "lastModified": now,
        }
        # Without members to add or a document to read back, the insert is the only write.
        async with self._db.fast_write(is_single_write=not members and not render) as conn:
            await self._check_manager(conn, ctx, doc)
            pairs = await self._resolve_members(conn, ctx, profile, members) if members else []
            try:
                await repo.insert_resource(
                    conn,
                    ctx.tenant_id,
                    resource_type,
                    doc["id"],
                    index_keys(resource_type, doc),
                    doc,
                )
            except INTEGRITY_ERRORS as exc:
                raise _uniqueness(doc) from exc
            if pairs:
                await repo.add_members(conn, ctx.tenant_id, doc["id"], pairs)
            if not render:
                return doc, 1
            stored = repo.StoredResource(0, doc["id"], 1, doc)
            out = await self.render(conn, ctx, resource_type, [stored], Projection(), single=True)
        return out[0], 1

    async def replace(
        self,
        ctx: RequestContext,
        resource_type: str,
        resource_id: str,
        body: Any,
        if_match: str | None,
        view: Projection = Projection(),
    ) -> tuple[dict[str, Any], int]:
        """Replace a resource wholesale (RFC 7644 §3.5.1); ``id`` and ``meta.created`` stay.

        The answer is rendered as ``view`` asks (RFC 7644 §3.9).
        """
        profile = profile_named(ctx.profile_name)
        doc = validate_resource(_object(body), profile.schema_for(resource_type), mode="replace")
        check_names(resource_type, doc)
        members = doc.pop("members", None) if resource_type == "Group" else None
        if resource_type == "User" and ctx.quirks == "vendor":
            doc = profile.normalise_user(doc)
        async with self._db.fast_write() as conn:
            current = await self._current(conn, ctx, resource_type, resource_id, if_match)
            doc["id"] = resource_id
            doc["meta"] = {**current.data.get("meta", {}), "lastModified": now_iso()}
            await self._check_manager(conn, ctx, doc)
            if resource_type == "Group":
                pairs = await self._resolve_members(conn, ctx, profile, members or [])
                await repo.remove_members(
                    conn,
                    ctx.tenant_id,
                    resource_id,
                    [m.value for m in await repo.list_members(conn, ctx.tenant_id, resource_id)],
                )
                await repo.add_members(conn, ctx.tenant_id, resource_id, pairs)
            return await self._save(conn, ctx, resource_type, current, doc, view=view)

    async def patch(
        self,
        ctx: RequestContext,
        resource_type: str,
        resource_id: str,
        body: Any,
        if_match: str | None,
        *,
        render: bool = True,
        view: Projection = Projection(),
    ) -> tuple[dict[str, Any], int]:
        """Apply a PatchOp (RFC 7644 §3.5.2), accepting Entra's dialect as Entra sends it.

        With ``render`` false the resource is not read back (the caller answers 204); else it
        is rendered as ``view`` asks (RFC 7644 §3.9): a member PATCH answered with
        ``excludedAttributes=members`` reads no member list back.
        """
        profile = profile_named(ctx.profile_name)
        operations = _operations(body)
        member_changes = _member_only(operations) if resource_type == "Group" else None
        async with self._db.fast_write() as conn:
            current = await self._current(conn, ctx, resource_type, resource_id, if_match)
            if member_changes is not None:
                await self._patch_members(conn, ctx, profile, resource_id, member_changes)
                doc = {
                    **current.data,
                    "meta": {**current.data.get("meta", {}), "lastModified": now_iso()},
                }
                return await self._save(
                    conn, ctx, resource_type, current, doc, render=render, view=view
                )
            before: list[repo.Member] = []
            source = dict(current.data)
            # Only operations that may touch the members need them: a rename of a group of
            # 100,000 members reads none of them.
            with_members = resource_type == "Group" and _touches_members(operations)
            if with_members:
                before = await repo.list_members(conn, ctx.tenant_id, resource_id)
                source["members"] = [{"value": m.value, "type": m.type} for m in before]
            doc = apply_patch(source, operations, profile.schema_for(resource_type))
            check_names(resource_type, doc)
            if resource_type == "Group" and not with_members:
                doc.pop("members", None)
            elif resource_type == "Group":
                await self._apply_member_changes(
                    conn, ctx, profile, resource_id, before, doc.pop("members", None) or []
                )
            doc["id"] = resource_id
            doc["meta"] = {**current.data.get("meta", {}), "lastModified": now_iso()}
            await self._check_manager(conn, ctx, doc)
            return await self._save(
                conn, ctx, resource_type, current, doc, render=render, view=view
            )

    async def _patch_members(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        profile: TargetProfile,
        group_id: str,
        changes: Sequence[tuple[str, list[dict[str, Any]]]],
    ) -> None:
        """Member adds and removes as set operations, without reading the whole member list.

        A PATCH of k members into a group of N costs O(k log N) (index lookups and inserts),
        where applying the PatchOp to the full list would copy every member (RFC 7644 §3.5.2
        semantics kept: adding a member twice or removing an absent one changes nothing).
        Consecutive operations of one kind run as one (a hundred ``members[value eq "id"]``
        removals are one statement).
        """
        for op, members in _runs(changes):
            if op == "remove":
                ids = [str(m["value"]) for m in members]
                await repo.remove_members(conn, ctx.tenant_id, group_id, ids)
                continue
            pairs = await self._resolve_members(conn, ctx, profile, members)
            await repo.add_members(conn, ctx.tenant_id, group_id, pairs)

    async def delete(
        self, ctx: RequestContext, resource_type: str, resource_id: str, if_match: str | None
    ) -> None:
        """Delete a resource and its memberships (RFC 7644 §3.6)."""
        async with self._db.fast_write() as conn:
            await self._current(conn, ctx, resource_type, resource_id, if_match)
            await repo.delete_resource(conn, ctx.tenant_id, resource_type, resource_id)
            await repo.remove_member_everywhere(conn, ctx.tenant_id, resource_id)

    # -- helpers -------------------------------------------------------------------------

    async def _current(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        resource_type: str,
        resource_id: str,
        if_match: str | None,
    ) -> repo.StoredResource:
        current = await repo.load_resource(conn, ctx.tenant_id, resource_type, resource_id)
        if current is None:
            raise not_found(resource_type, resource_id)
        if not matches_if_match(if_match, current.version):
            raise precondition_failed(resource_type, resource_id, current.version)
        return current

    async def _save(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        resource_type: str,
        current: repo.StoredResource,
        doc: dict[str, Any],
        *,
        render: bool = True,
        view: Projection = Projection(),
    ) -> tuple[dict[str, Any], int]:
        version = current.version + 1
        try:
            await repo.update_resource(
                conn,
                ctx.tenant_id,
                resource_type,
                current.id,
                index_keys(resource_type, doc),
                version,
                doc,
            )
        except INTEGRITY_ERRORS as exc:
            raise _uniqueness(doc) from exc
        if not render:
            return doc, version
        stored = repo.StoredResource(current.seq, current.id, version, doc)
        out = await self.render(conn, ctx, resource_type, [stored], view, single=True)
        return out[0], version

    async def _resolve_members(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        profile: TargetProfile,
        members: Sequence[Any],
    ) -> list[tuple[str, str]]:
        """Check every member exists in this tenant; returns ``(id, type)`` without repeats."""
        values: dict[str, str | None] = {}
        for member in members:
            value = member.get("value") if isinstance(member, dict) else None
            if not isinstance(value, str) or not value:
                raise InvalidValueError("every element of members needs a string 'value' (an id)")
            given = member.get("type")
            values.setdefault(value, given if isinstance(given, str) and given else None)
        found = await repo.find_types(conn, ctx.tenant_id, values, with_names=False)
        missing = [v for v in values if v not in found]
        if missing:
            raise InvalidValueError(
                f"members: {', '.join(repr(v) for v in missing[:5])} is not the id of a user or "
                "group in this tenant; create the member first, then add it by its id"
            )
        lower = profile.group_resource_type.islower()
        return [
            (v, given or (found[v][0].lower() if lower else found[v][0]))
            for v, given in values.items()
        ]

    async def _apply_member_changes(
        self,
        conn: SQLConnection,
        ctx: RequestContext,
        profile: TargetProfile,
        group_id: str,
        before: Sequence[repo.Member],
        after: Sequence[Any],
    ) -> None:
        old = {m.value for m in before}
        new_values = [m for m in after if isinstance(m, dict)]
        new = {str(m.get("value")) for m in new_values}
        added = [m for m in new_values if str(m.get("value")) not in old]
        pairs = await self._resolve_members(conn, ctx, profile, added)
        await repo.remove_members(conn, ctx.tenant_id, group_id, [v for v in old if v not in new])
        await repo.add_members(conn, ctx.tenant_id, group_id, pairs)

    async def _check_manager(
        self, conn: SQLConnection, ctx: RequestContext, doc: dict[str, Any]
    ) -> None:
        """Webex: a manager that is a user of this organisation gets its displayName.

        Webex documents that the manager must be a user of the same organisation, but Entra
        only ever sends ids it provisioned, and RFC clients (scim2-tester among them) send
        arbitrary ones; the reference target stores what it is sent (Entra: "store values
        exactly as sent") and adds the display name when it can.
        """
        if ctx.profile_name != "webex":
            return
        manager = (doc.get(ENTERPRISE_USER) or {}).get("manager")
        if not isinstance(manager, dict) or not manager.get("value"):
            return
        found = await repo.find_types(conn, ctx.tenant_id, [str(manager["value"])])
        kind = found.get(str(manager["value"]))
        if kind is not None and kind[0] == "User" and kind[1] is not None:
            manager["displayName"] = kind[1]


def _label(profile: TargetProfile, resource_type: str) -> str:
    return "User" if resource_type == "User" else profile.group_resource_type


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SCIMError(400, "invalidSyntax", "the request body must be a JSON object")
    return body


def _member_values(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    members = [m for m in value if isinstance(m, dict)]
    values = [m.get("value") for m in members]
    if len(members) != len(value) or not all(isinstance(v, str) and v for v in values):
        return None
    return [
        {"value": m["value"], **({"type": m["type"]} if m.get("type") else {})} for m in members
    ]


_MEMBER_FILTER = re.compile(r'^members\[\s*value\s+eq\s+"([^"\\]+)"\s*\]$', re.IGNORECASE)


def _member_only(operations: Sequence[Any]) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """The operations as member adds/removes, when that is all they are (else None).

    Recognised: ``add`` of ``members`` with a value list; ``remove`` of ``members`` with a
    value list (Entra's default dialect); ``remove`` of ``members[value eq "id"]``.
    """
    changes: list[tuple[str, list[dict[str, Any]]]] = []
    for operation in operations:
        if not isinstance(operation, dict):
            return None
        fields = {str(k).lower(): v for k, v in operation.items()}
        op, path = str(fields.get("op", "")).lower(), str(fields.get("path", "")).strip()
        values = _member_values(fields.get("value"))
        matched = _MEMBER_FILTER.match(path)
        if op in ("add", "remove") and path.lower() == "members" and values is not None:
            changes.append((op, values))
        elif op == "remove" and matched is not None and "value" not in fields:
            changes.append(("remove", [{"value": matched.group(1)}]))
        else:
            return None
    return changes


def _runs(
    changes: Sequence[tuple[str, list[dict[str, Any]]]],
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Consecutive changes of the same kind merged, in order."""
    merged: list[tuple[str, list[dict[str, Any]]]] = []
    for op, members in changes:
        if merged and merged[-1][0] == op:
            merged[-1][1].extend(members)
        else:
            merged.append((op, list(members)))
    return merged


def _touches_members(operations: Sequence[Any]) -> bool:
    """Whether any operation may read or write ``members`` (a path-less one may name it)."""
    for operation in operations:
        if not isinstance(operation, dict):
            return True
        fields = {str(k).lower(): v for k, v in operation.items()}
        path = fields.get("path")
        if path is None or not isinstance(path, str) or not path.strip():
            value = fields.get("value")
            if not isinstance(value, dict) or any(
                str(k).lower().split(":")[-1].split(".")[0] == "members" for k in value
            ):
                return True
            continue
        attribute = path.strip().split("[")[0].split(":")[-1].split(".")[0]
        if attribute.lower() == "members":
            return True
    return False


def _operations(body: Any) -> list[dict[str, Any]]:
    operations = _object(body).get("Operations")
    if operations is None:
        operations = next((v for k, v in body.items() if k.lower() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise SCIMError(
            400,
            "invalidSyntax",
            "a PatchOp body needs a non-empty 'Operations' array (RFC 7644 §3.5.2)",
        )
    return operations
