"""Applying group records: attributes as for users, and the membership the source gives.

A group's ``members`` are anchors of the same source (users or groups); the membership of a
group the source feeds is set to exactly those (members added by hand are removed, the group
belongs to the source). Anchors the source has not fed are skipped, with a warning in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar import jsontext
from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.members import membership_change
from scimitar.directory.model import Group, Member, ObjectType, group_defaults
from scimitar.directory.rows import group_row_values, merge_attributes, new_object_id
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import GROUP_COLUMNS, group_from_row
from scimitar.engine.core.records import (
    ErrorCode,
    ModifiedProperty,
    ProvisioningAction,
    RecordStatus,
    StepType,
)
from scimitar.sources import links
from scimitar.sources.logrecords import changed_properties
from scimitar.sources.logstore import append_records
from scimitar.sources.matching import AMBIGUOUS, MatchIndex
from scimitar.sources.precedence import winning_attributes
from scimitar.sources.reader import SourceRecord
from scimitar.sources.run import RunContext
from scimitar.sources.users import MappedRecord, map_record, write_rows
from scimitar.store.tables.directory import GROUP, MEMBER

__all__ = ["apply_group_batch"]


class _GroupBatch:
    def __init__(self, conn: AsyncConnection, ctx: RunContext, matcher: MatchIndex) -> None:
        self.conn, self.ctx, self.matcher = conn, ctx, matcher
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.pending: list[PendingChange] = []
        self.records: list[Any] = []
        self.memberships: list[tuple[MappedRecord, str]] = []

    async def match(self, unlinked: list[MappedRecord]) -> None:
        for mapping in self.ctx.sets["Group"].matching_mappings:
            target = mapping.target
            wanted = [
                m
                for m in unlinked
                if m.object_id is None and not m.is_failed and m.values.get(target)
            ]
            found = await self.matcher.lookup(self.conn, target, [m.values[target] for m in wanted])
            for mapped in wanted:
                object_id = found.get(str(mapped.values[target]).strip().lower())
                if object_id == AMBIGUOUS:
                    mapped.outcome.fail(
                        ErrorCode.DUPLICATE_TARGET_ENTRIES,
                        f"several directory groups have {target} {mapped.values[target]!r}",
                    )
                elif object_id is not None:
                    mapped.object_id = object_id
                    mapped.match_detail = f"Matched directory group {object_id} by {target}"

    async def plan(self, mapped_records: list[MappedRecord]) -> None:
        for mapped in mapped_records:
            if mapped.link is not None:
                mapped.object_id = mapped.link.object_id
        ids = [m.object_id for m in mapped_records if m.object_id and not m.is_failed]
        query = select(*GROUP_COLUMNS).where(GROUP.c.object_id.in_(ids or [""]))
        groups = {row.object_id: group_from_row(row) for row in await self.conn.execute(query)}
        others = await links.other_links(self.conn, self.ctx.source.id, ids)
        new_links: list[dict[str, Any]] = []
        link_updates: list[dict[str, Any]] = []
        for mapped in mapped_records:
            if not mapped.is_failed:
                other_sources = [
                    self.ctx.sources[link.source_id]
                    for link in others.get(mapped.object_id or "", [])
                    if link.source_id in self.ctx.sources
                ]
                self._plan_one(mapped, groups.get(mapped.object_id or ""), other_sources)
                if mapped.object_id and not mapped.is_failed:
                    row = {
                        "object_id": mapped.object_id,
                        "contributed": jsontext.dumps(mapped.values),
                        "vanished_at": None,
                        "updated_at": self.ctx.now,
                    }
                    if mapped.link is None:
                        new_links.append(
                            {
                                "source_id": self.ctx.source.id,
                                "object_type": "Group",
                                "anchor": mapped.record.anchor,
                                **row,
                            }
                        )
                    else:
                        link_updates.append({"id": mapped.link.id, **row})
        await write_rows(self.conn, GROUP, self.inserts, self.updates)
        await links.insert_links(self.conn, new_links)
        await links.update_links(self.conn, link_updates)

    def _plan_one(
        self, mapped: MappedRecord, current: Group | None, other_sources: list[Any]
    ) -> None:
        ctx, outcome = self.ctx, mapped.outcome
        if current is None:
            outcome.step(StepType.MATCHING, "No directory group matches: a new one is created")
            if not mapped.values.get("displayName"):
                outcome.fail(
                    ErrorCode.MANDATORY_FIELDS_MISSING,
                    "a new directory group needs a displayName; the mappings gave none",
                )
                return
            object_id = new_object_id(None)
            group = Group(object_id, group_defaults(mapped.values))
            self.inserts.append(group_row_values(group, ctx.now))
            self.pending.append(PendingChange(ChangeKind.CREATED, ObjectType.GROUP, object_id))
            mapped.object_id = outcome.object_id = object_id
            outcome.object_name = group.display_name
            outcome.action = ProvisioningAction.CREATE
            outcome.properties = changed_properties({}, group.attributes, tuple(group.attributes))
            self.matcher.remember(object_id, group.attributes)
            ctx.count("created")
            return
        outcome.step(
            StepType.MATCHING,
            mapped.match_detail or f"Linked to directory group {current.object_id}",
        )
        won = winning_attributes(
            ctx.source, "Group", other_sources, ctx.source.mapped_targets("Group")
        )
        wanted = {name: value for name, value in mapped.values.items() if name in won}
        is_restore = (
            current.is_deleted and mapped.link is not None and mapped.link.vanished_at is not None
        )
        if current.is_deleted and not is_restore:
            outcome.fail(
                "ObjectDeleted",
                f"directory group {current.object_id} is deleted by hand; "
                "restore it for the source to feed it again",
                "Restore the group.",
            )
            return
        merged, changed = merge_attributes(current.attributes, wanted)
        outcome.object_id, outcome.object_name = current.object_id, str(merged.get("displayName"))
        if changed or is_restore:
            self.updates.append(group_row_values(Group(current.object_id, merged), ctx.now))
        if is_restore:
            self.pending.append(
                PendingChange(ChangeKind.RESTORED, ObjectType.GROUP, current.object_id)
            )
        if changed:
            self.pending.append(
                PendingChange(
                    ChangeKind.UPDATED, ObjectType.GROUP, current.object_id, tuple(changed)
                )
            )
            outcome.properties = changed_properties(current.attributes, merged, changed)
        outcome.action = (
            ProvisioningAction.UPDATE if changed or is_restore else ProvisioningAction.OTHER
        )
        ctx.count("restored" if is_restore else "updated" if changed else "unchanged")

    async def members(self, mapped_records: list[MappedRecord]) -> None:
        """Set each group's membership to the members its record lists."""
        wanted = [
            m
            for m in mapped_records
            if not m.is_failed and m.object_id and m.record.members is not None
        ]
        anchors = sorted({a for m in wanted for a in m.record.members or ()})
        users = await links.object_ids_by_anchor(self.conn, self.ctx.source.id, "User", anchors)
        groups = await links.object_ids_by_anchor(self.conn, self.ctx.source.id, "Group", anchors)
        for mapped in wanted:
            await self._set_members(mapped, users, groups)

    async def _set_members(
        self, mapped: MappedRecord, users: dict[str, str], groups: dict[str, str]
    ) -> None:
        group_id = mapped.object_id or ""
        desired: dict[str, Member] = {}
        unknown: list[str] = []
        for anchor in mapped.record.members or ():
            if anchor in users:
                desired[users[anchor]] = Member(users[anchor], ObjectType.USER)
            elif anchor in groups and groups[anchor] != group_id:
                desired[groups[anchor]] = Member(groups[anchor], ObjectType.GROUP)
            else:
                unknown.append(anchor)
        query = select(MEMBER.c.member_id, MEMBER.c.member_type).where(
            MEMBER.c.group_id == group_id
        )
        current = {
            row.member_id: Member(row.member_id, ObjectType(row.member_type))
            for row in await self.conn.execute(query)
        }
        added = [m for object_id, m in desired.items() if object_id not in current]
        removed = [m for object_id, m in current.items() if object_id not in desired]
        if added:
            await self.conn.execute(
                insert(MEMBER),
                [
                    {
                        "group_id": group_id,
                        "member_id": m.object_id,
                        "member_type": m.object_type.value,
                    }
                    for m in added
                ],
            )
            self.pending += [membership_change(ChangeKind.MEMBER_ADDED, group_id, m) for m in added]
        if removed:
            await self.conn.execute(
                delete(MEMBER).where(
                    MEMBER.c.group_id == group_id,
                    MEMBER.c.member_id.in_([m.object_id for m in removed]),
                )
            )
            self.pending += [
                membership_change(ChangeKind.MEMBER_REMOVED, group_id, m) for m in removed
            ]
        outcome = mapped.outcome
        if added or removed:
            outcome.properties = (
                *outcome.properties,
                ModifiedProperty(
                    "members",
                    f"{len(current)} members",
                    f"{len(desired)} members (+{len(added)} -{len(removed)})",
                ),
            )
            if outcome.action is ProvisioningAction.OTHER:
                outcome.action = ProvisioningAction.UPDATE
                self.ctx.counts["unchanged"] -= 1
                self.ctx.count("updated")
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            outcome.step(
                StepType.REFERENCE_RESOLUTION,
                f"{len(unknown)} members are not objects this source feeds: {shown}",
                RecordStatus.WARNING,
            )

    async def finish(self, mapped_records: list[MappedRecord]) -> None:
        for mapped in mapped_records:
            outcome = mapped.outcome
            if outcome.error is None and outcome.action is ProvisioningAction.OTHER:
                outcome.skip(
                    "RedundantImport", "No change: the directory already holds these values"
                )
            elif outcome.error is None:
                outcome.step(
                    StepType.EXPORT, f"{outcome.action.value.capitalize()}d directory group"
                )
            if outcome.error is not None:
                self.ctx.count("failed")
            self.records.append(self.ctx.record(outcome))
        await record_changes(self.conn, self.pending, self.ctx.now)
        await append_records(self.conn, self.ctx.source.id, self.ctx.source.name, self.records)


async def apply_group_batch(
    conn: AsyncConnection, ctx: RunContext, records: Sequence[SourceRecord], matcher: MatchIndex
) -> None:
    """Apply group records (after every user record of the run) inside one transaction."""
    latest: dict[str, SourceRecord] = {}
    for record in records:
        latest[record.anchor] = record
    present = []
    for record in latest.values():
        if record.deleted:
            ctx.gone["Group"][record.anchor] = "deleted in the source"
        else:
            present.append(record)
    existing = await links.links_by_anchor(
        conn, ctx.source.id, "Group", [r.anchor for r in present]
    )
    mapped_records = [
        mapped
        for record in present
        if (mapped := map_record(ctx, record, "Group", existing.get(record.anchor))) is not None
    ]
    batch = _GroupBatch(conn, ctx, matcher)
    await batch.match([m for m in mapped_records if m.link is None])
    await batch.plan(mapped_records)
    await batch.members(mapped_records)
    await batch.finish(mapped_records)
