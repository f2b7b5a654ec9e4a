"""Objects that vanished from a source: the deletion rule, the delete threshold, letting go.

A complete read's absent anchors, and the records a source marks deleted or that left its
scoping filters, are gone. An object another source still feeds is let go (its attributes fall
back to the next source by precedence); otherwise the source's deletion rule applies: soft
delete (restorable from the recycle bin) or disable (``accountEnabled`` false; groups are soft
deleted). Beyond the source's delete threshold nothing is deleted: every deletion is held and
logged, like Entra's accidental-deletions prevention.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.model import Group, ObjectType, User
from scimitar.directory.rows import group_row_values, merge_attributes, user_row_values
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import GROUP_COLUMNS, USER_COLUMNS, group_from_row, user_from_row
from scimitar.engine.core.records import ProvisioningAction, RecordStatus, StepType
from scimitar.sources import links
from scimitar.sources.config import DeletionRule
from scimitar.sources.logrecords import ObjectOutcome, changed_properties
from scimitar.sources.logstore import append_records
from scimitar.sources.precedence import fallback_values
from scimitar.sources.run import RunContext
from scimitar.store import Database
from scimitar.store.tables.directory import GROUP, USER

__all__ = ["apply_vanished"]

_CHUNK = 500


async def _gone_links(
    conn: AsyncConnection, ctx: RunContext, object_type: str
) -> list[tuple[links.Link, str]]:
    explicit = ctx.gone[object_type]
    found = await links.links_by_anchor(conn, ctx.source.id, object_type, list(explicit))
    gone = [(link, explicit[anchor]) for anchor, link in found.items() if link.vanished_at is None]
    if ctx.is_complete:
        live = await links.live_anchors(conn, ctx.source.id, object_type)
        absent = sorted(set(live) - ctx.seen[object_type] - set(explicit))
        absent_links = await links.links_by_anchor(conn, ctx.source.id, object_type, absent)
        gone += [(absent_links[a], "no longer in the source") for a in absent if a in absent_links]
    return gone


async def apply_vanished(database: Database, ctx: RunContext) -> None:
    """Apply the deletion rule (or hold) to every object gone from the source in this run."""
    for object_type in ("User", "Group"):
        if not ctx.is_complete and not ctx.gone[object_type]:
            continue
        async with database.read() as conn:
            gone = await _gone_links(conn, ctx, object_type)
            unlinked = sorted(set(ctx.gone[object_type]) - {link.anchor for link, _ in gone})
        await _log_out_of_scope(database, ctx, object_type, unlinked)
        threshold = ctx.source.delete_threshold
        if threshold is not None and len(gone) > threshold:
            await _hold(database, ctx, object_type, gone, threshold)
            continue
        for start in range(0, len(gone), _CHUNK):
            async with database.write() as conn:
                await _Vanish(conn, ctx, object_type).apply(gone[start : start + _CHUNK])


async def _log_out_of_scope(
    database: Database, ctx: RunContext, object_type: str, anchors: Sequence[str]
) -> None:
    records = []
    for anchor in anchors:
        reason = ctx.gone[object_type][anchor]
        outcome = ObjectOutcome(object_type, anchor, {}, ctx.change_id(anchor))
        outcome.step(StepType.IMPORT, f"Read {anchor} from source {ctx.source.name!r}")
        outcome.skip(
            "NotEffectivelyEntitled" if reason.startswith("Out of scope") else "Deleted", reason
        )
        records.append(ctx.record(outcome))
        ctx.count("skipped")
    for start in range(0, len(records), 5000):
        async with database.write() as conn:
            await append_records(
                conn, ctx.source.id, ctx.source.name, records[start : start + 5000]
            )


async def _hold(
    database: Database,
    ctx: RunContext,
    object_type: str,
    gone: list[tuple[links.Link, str]],
    threshold: int,
) -> None:
    records = []
    for link, reason in gone:
        outcome = ObjectOutcome(object_type, link.anchor, {}, ctx.change_id(link.anchor))
        outcome.object_id = link.object_id
        outcome.step(StepType.IMPORT, f"{link.anchor}: {reason}")
        outcome.status = RecordStatus.SKIPPED
        outcome.action = ProvisioningAction.SKIP
        outcome.skip_reason = "DeleteThresholdExceeded"
        outcome.step(
            StepType.PROCESSING,
            f"Held: {len(gone)} {object_type.lower()}s vanished from the source, more than its "
            f"delete threshold of {threshold}; nothing was deleted. Check the source, then raise "
            "the threshold (scimitar source settings NAME --delete-threshold N) and sync again",
            RecordStatus.SKIPPED,
        )
        records.append(ctx.record(outcome))
    ctx.count("held", len(gone))
    for start in range(0, len(records), 5000):
        async with database.write() as conn:
            await append_records(
                conn, ctx.source.id, ctx.source.name, records[start : start + 5000]
            )


class _Vanish:
    def __init__(self, conn: AsyncConnection, ctx: RunContext, object_type: str) -> None:
        self.conn, self.ctx, self.object_type = conn, ctx, object_type
        self.kind = ObjectType.USER if object_type == "User" else ObjectType.GROUP
        self.table = USER if object_type == "User" else GROUP
        self.pending: list[PendingChange] = []
        self.records: list[Any] = []

    async def _objects(self, ids: list[str]) -> dict[str, User | Group]:
        columns = USER_COLUMNS if self.object_type == "User" else GROUP_COLUMNS
        query = select(*columns).where(self.table.c.object_id.in_(ids))
        convert = user_from_row if self.object_type == "User" else group_from_row
        return {row.object_id: convert(row) for row in await self.conn.execute(query)}

    async def apply(self, gone: list[tuple[links.Link, str]]) -> None:
        ids = [link.object_id for link, _ in gone]
        objects = await self._objects(ids)
        others = await links.other_links(self.conn, self.ctx.source.id, ids)
        for link, reason in gone:
            outcome = ObjectOutcome(
                self.object_type, link.anchor, {}, self.ctx.change_id(link.anchor)
            )
            outcome.object_id = link.object_id
            outcome.step(StepType.IMPORT, f"{link.anchor}: {reason}")
            found = objects.get(link.object_id)
            remaining = others.get(link.object_id, [])
            if found is None:
                outcome.skip("ObjectGone", "the directory object is gone already")
                await links.drop_links(self.conn, [link.id])
            elif remaining:
                await self._let_go(link, found, remaining, outcome)
            else:
                await self._rule(link, found, outcome)
            self.records.append(self.ctx.record(outcome))
        await record_changes(self.conn, self.pending, self.ctx.now)
        await append_records(self.conn, self.ctx.source.id, self.ctx.source.name, self.records)

    async def _let_go(
        self,
        link: links.Link,
        found: User | Group,
        remaining: list[links.Link],
        outcome: ObjectOutcome,
    ) -> None:
        pairs = [
            (self.ctx.sources[r.source_id], r.contributed)
            for r in remaining
            if r.source_id in self.ctx.sources
        ]
        values = fallback_values(self.ctx.source, self.object_type, pairs)
        values.pop("manager", None)
        merged, changed = merge_attributes(found.attributes, values)
        if changed:
            await self._write(found, merged)
            self.pending.append(
                PendingChange(ChangeKind.UPDATED, self.kind, found.object_id, tuple(changed))
            )
            outcome.properties = changed_properties(found.attributes, merged, changed)
        await links.drop_links(self.conn, [link.id])
        names = ", ".join(sorted(source.name for source, _ in pairs))
        outcome.action = ProvisioningAction.UPDATE if changed else ProvisioningAction.OTHER
        outcome.step(StepType.EXPORT, f"Let go: still fed by {names}, whose values now apply")
        self.ctx.count("released")

    async def _write(self, found: User | Group, merged: dict[str, Any]) -> None:
        if isinstance(found, User):
            row = user_row_values(User(found.object_id, merged, found.deleted_at), self.ctx.now)
        else:
            row = group_row_values(
                Group(found.object_id, merged, (), found.deleted_at), self.ctx.now
            )
        row.pop("object_id")
        await self.conn.execute(
            update(self.table).where(self.table.c.object_id == found.object_id).values(row)
        )

    async def _rule(self, link: links.Link, found: User | Group, outcome: ObjectOutcome) -> None:
        now = self.ctx.now
        disable = self.ctx.source.deletion_rule is DeletionRule.DISABLE and isinstance(found, User)
        await links.update_links(
            self.conn,
            [
                {
                    "id": link.id,
                    "object_id": link.object_id,
                    "contributed": json.dumps(link.contributed, default=str),
                    "vanished_at": now,
                    "updated_at": now,
                }
            ],
        )
        if found.deleted_at is not None:
            outcome.skip("ObjectDeleted", "the directory object is deleted already")
            return
        if disable:
            if found.attributes.get("accountEnabled") is False:
                outcome.skip("RedundantImport", "the directory user is disabled already")
                return
            merged, changed = merge_attributes(found.attributes, {"accountEnabled": False})
            await self._write(found, merged)
            self.pending.append(
                PendingChange(ChangeKind.UPDATED, self.kind, found.object_id, tuple(changed))
            )
            outcome.properties = changed_properties(found.attributes, merged, changed)
            outcome.action = ProvisioningAction.DISABLE
            outcome.step(StepType.EXPORT, "Disabled (the source's deletion rule)")
            self.ctx.count("disabled")
            return
        await self.conn.execute(
            update(self.table)
            .where(self.table.c.object_id == found.object_id)
            .values(deleted_at=now, updated_at=now)
        )
        self.pending.append(PendingChange(ChangeKind.SOFT_DELETED, self.kind, found.object_id))
        outcome.action = ProvisioningAction.DELETE
        outcome.step(
            StepType.EXPORT,
            "Soft-deleted (the source's deletion rule); restorable from the recycle bin",
        )
        self.ctx.count("deleted")
