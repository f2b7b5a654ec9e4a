"""Applying a batch of user records to the directory, in one transaction.

Each record is scoped and mapped (the source's inbound mapping set), linked to the directory
user it fed before or matched to an existing one (matching attributes in precedence order), or
created; only the attributes this source wins by precedence are written. Rows go out in
``executemany`` batches through the directory's row shape, and every change enters the change
feed in the same transaction, so the apps' incremental cycles pick them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar import jsontext
from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.errors import AttributeValueError
from scimitar.directory.model import ObjectType, User, coerce_attributes, user_defaults
from scimitar.directory.rows import merge_attributes, new_object_id, user_row_values
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import USER_COLUMNS, user_from_row
from scimitar.engine.core.records import ErrorCode, ProvisioningAction, StepType
from scimitar.errors import ObjectError
from scimitar.mapping.scoping import evaluate_scope
from scimitar.sources import links
from scimitar.sources.config import DeletionRule
from scimitar.sources.logrecords import ObjectOutcome, changed_properties
from scimitar.sources.logstore import append_records
from scimitar.sources.matching import AMBIGUOUS, MatchIndex
from scimitar.sources.precedence import winning_attributes
from scimitar.sources.reader import SourceRecord
from scimitar.sources.run import BatchWrites, RunContext
from scimitar.store.queries import is_among
from scimitar.store.tables.directory import USER

__all__ = ["MappedRecord", "apply_user_batch", "map_record", "write_rows"]

_CHUNK = 500
_MAPPING_HINT = "Fix the value in the source, or the source's mapping of it."


@dataclass(slots=True)
class MappedRecord:
    """A record through scoping and mappings, with its log outcome."""

    record: SourceRecord
    outcome: ObjectOutcome
    values: dict[str, Any]
    link: links.Link | None = None
    reference: str | None = None
    object_id: str | None = None
    match_detail: str = ""

    @property
    def is_failed(self) -> bool:
        """Whether mapping (or a later step) failed."""
        return self.outcome.error is not None


def map_record(
    ctx: RunContext, record: SourceRecord, object_type: str, link: links.Link | None
) -> MappedRecord | None:
    """Scope and map one record; ``None`` when it is out of scope (the run treats it as gone)."""
    outcome = ObjectOutcome(
        object_type, record.anchor, record.attributes, ctx.change_id(record.anchor)
    )
    outcome.step(StepType.IMPORT, f"Read {record.anchor} from source {ctx.source.name!r}")
    compiled = ctx.sets[object_type]
    decision = evaluate_scope(compiled.mapping_set.scoping_filters, record.attributes)
    if not decision.is_in_scope:
        ctx.gone[object_type][record.anchor] = decision.describe()
        return None
    outcome.step(StepType.SCOPING, decision.describe())
    ctx.seen[object_type].add(record.anchor)
    kind = ObjectType.USER if object_type == "User" else ObjectType.GROUP
    mapped = MappedRecord(record, outcome, {}, link)
    try:
        values = dict(compiled.apply(record.attributes, is_create=link is None).values)
        reference = values.pop("manager", None) if kind is ObjectType.USER else None
        mapped.values = coerce_attributes(kind, values)
    except ObjectError as exc:
        missing = "MandatoryFieldsMissing" in str(exc)
        outcome.fail(
            ErrorCode.MANDATORY_FIELDS_MISSING if missing else "MappingError",
            str(exc),
            _MAPPING_HINT,
        )
        return mapped
    except AttributeValueError as exc:
        outcome.fail("InvalidAttributeValue", str(exc), _MAPPING_HINT)
        return mapped
    mapped.reference = None if reference in (None, "") else str(reference)
    return mapped


async def write_rows(
    conn: AsyncConnection,
    table: Table,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
) -> None:
    """Insert and update directory rows (by objectId) in ``executemany`` batches."""
    for start in range(0, len(inserts), _CHUNK * 10):
        await conn.execute(insert(table), inserts[start : start + _CHUNK * 10])
    if not updates:
        return
    names = [name for name in updates[0] if name != "object_id"]
    statement = (
        update(table)
        .where(table.c.object_id == bindparam("b_object_id"))
        .values({name: bindparam(f"b_{name}") for name in names})
    )
    await conn.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in updates])


async def _users(conn: AsyncConnection, object_ids: Sequence[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    ids = sorted(set(object_ids))
    for start in range(0, len(ids), _CHUNK):
        query = select(*USER_COLUMNS).where(
            is_among(conn, USER.c.object_id, ids[start : start + _CHUNK])
        )
        found.update((row.object_id, user_from_row(row)) for row in await conn.execute(query))
    return found


async def _upn_holders(conn: AsyncConnection, upns: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    keys = sorted({upn.lower() for upn in upns})
    for start in range(0, len(keys), _CHUNK):
        query = select(USER.c.upn_key, USER.c.object_id).where(
            is_among(conn, USER.c.upn_key, keys[start : start + _CHUNK])
        )
        found.update((row.upn_key, row.object_id) for row in await conn.execute(query))
    return found


class _UserBatch:
    """One batch in progress."""

    def __init__(self, conn: AsyncConnection, ctx: RunContext, matcher: MatchIndex) -> None:
        self.conn, self.ctx, self.matcher = conn, ctx, matcher
        self.writes = BatchWrites()
        #: Anchor → objectId of the users this source feeds, as far as the batch knows them:
        #: managers named by these are set with the user, the others at the end of the run.
        self.known: dict[str, str] = {}

    def _manager(self, mapped: MappedRecord, object_id: str) -> tuple[bool, str | None]:
        """Whether the record's manager is known yet, and its objectId (``None``: no manager)."""
        reference = mapped.reference
        if reference is None:
            return True, None
        found = self.known.get(reference)
        if found is None or found == object_id:
            return False, None
        return True, found

    async def match(self, unlinked: list[MappedRecord]) -> None:
        """Find the directory user of each unlinked record by the matching attributes."""
        pending = [m for m in unlinked if not m.is_failed]
        for mapping in self.ctx.sets["User"].matching_mappings:
            target = mapping.target
            wanted = [m for m in pending if m.object_id is None and m.values.get(target)]
            found = await self.matcher.lookup(self.conn, target, [m.values[target] for m in wanted])
            for mapped in wanted:
                object_id = found.get(str(mapped.values[target]).strip().lower())
                if object_id == AMBIGUOUS:
                    mapped.outcome.fail(
                        ErrorCode.DUPLICATE_TARGET_ENTRIES,
                        f"several directory users have {target} {mapped.values[target]!r}",
                    )
                elif object_id is not None:
                    mapped.object_id = object_id
                    mapped.match_detail = f"Matched directory user {object_id} by {target}"
            pending = [m for m in pending if m.object_id is None and not m.is_failed]
        await self._refuse_taken(unlinked)

    async def _refuse_taken(self, unlinked: list[MappedRecord]) -> None:
        """A directory user fed by another anchor of this source cannot be matched again."""
        matched = [m for m in unlinked if m.object_id is not None and not m.is_failed]
        if not matched:
            return
        claimed: dict[str, str] = {}
        ids = sorted({m.object_id for m in matched if m.object_id})
        from scimitar.sources.model import SOURCE_OBJECT

        for start in range(0, len(ids), _CHUNK):
            query = select(SOURCE_OBJECT.c.object_id, SOURCE_OBJECT.c.anchor).where(
                SOURCE_OBJECT.c.source_id == self.ctx.source.id,
                SOURCE_OBJECT.c.object_type == "User",
                SOURCE_OBJECT.c.object_id.in_(ids[start : start + _CHUNK]),
            )
            claimed.update((row.object_id, row.anchor) for row in await self.conn.execute(query))
        for mapped in matched:
            holder = claimed.get(mapped.object_id or "")
            if holder is not None and holder != mapped.record.anchor:
                mapped.outcome.fail(
                    ErrorCode.DUPLICATE_SOURCE_ENTRIES,
                    f"directory user {mapped.object_id} is already fed by {holder!r} of "
                    "this source",
                )
                mapped.object_id = None
            elif mapped.object_id is not None:
                claimed[mapped.object_id] = mapped.record.anchor

    async def plan(self, mapped_records: list[MappedRecord]) -> None:
        """Decide the write of every record of the batch."""
        for mapped in mapped_records:
            if mapped.link is not None:
                mapped.object_id = mapped.link.object_id
        live = [m for m in mapped_records if not m.is_failed]
        ids = [m.object_id for m in live if m.object_id]
        users = await _users(self.conn, ids)
        others = await links.other_links(self.conn, self.ctx.source.id, ids)
        references = [m.reference for m in live if m.reference]
        self.known = await links.object_ids_by_anchor(
            self.conn, self.ctx.source.id, "User", references
        )
        upns = [str(m.values.get("userPrincipalName") or "") for m in live]
        holders = await _upn_holders(self.conn, [u for u in upns if u])
        for mapped in mapped_records:
            if not mapped.is_failed:
                current = users.get(mapped.object_id or "")
                other_sources = [
                    self.ctx.sources[link.source_id]
                    for link in others.get(mapped.object_id or "", [])
                    if link.source_id in self.ctx.sources
                ]
                self._plan_one(mapped, current, other_sources, holders)
            self.writes.records.append(self.ctx.record(mapped.outcome))
            if mapped.is_failed:
                self.ctx.count("failed")

    def _upn_taken(self, mapped: MappedRecord, holders: dict[str, str], own_id: str) -> bool:
        upn = str(mapped.values.get("userPrincipalName") or "").lower()
        holder = holders.get(upn)
        if upn and holder is not None and holder != own_id:
            mapped.outcome.fail(
                ErrorCode.ENTRY_CONFLICT,
                f"userPrincipalName {upn!r} is taken by directory user {holder}; make the "
                "source's value unique, or match on it (source mappings --matching)",
            )
            return True
        if upn:
            holders[upn] = own_id
        return False

    def _plan_one(
        self,
        mapped: MappedRecord,
        current: User | None,
        other_sources: list[Any],
        holders: dict[str, str],
    ) -> None:
        ctx, outcome = self.ctx, mapped.outcome
        mapped_targets = ctx.source.mapped_targets("User")
        won = winning_attributes(ctx.source, "User", other_sources, mapped_targets)
        contributed = dict(mapped.values)
        if "manager" in mapped_targets:
            contributed["manager"] = mapped.reference
        if current is None:
            self._plan_create(mapped, contributed, holders)
            return
        outcome.step(
            StepType.MATCHING,
            mapped.match_detail or f"Linked to directory user {current.object_id}",
        )
        previous = mapped.link.contributed if mapped.link else {}
        wanted = {name: value for name, value in mapped.values.items() if name in won}
        for name in won - set(mapped.values) - {"manager"}:
            if previous.get(name) is not None:
                wanted[name] = None  # the source cleared a value it gave
        vanished = mapped.link is not None and mapped.link.vanished_at is not None
        if (
            vanished
            and ctx.source.deletion_rule is DeletionRule.DISABLE
            and "accountEnabled" not in wanted
        ):
            wanted["accountEnabled"] = True
        if current.is_deleted and not vanished:
            outcome.fail(
                "ObjectDeleted",
                f"directory user {current.object_id} is deleted by hand; restore it "
                "(scimitar directory user restore) for the source to feed it again",
                "Restore the user, or remove it from the source.",
            )
            return
        if "userPrincipalName" in wanted and self._upn_taken(mapped, holders, current.object_id):
            return
        if "manager" in won:
            is_known, manager = self._manager(mapped, current.object_id)
            if not is_known:
                ctx.managers.append((current.object_id, mapped.reference))
            elif manager is not None or previous.get("manager") is not None:
                wanted["manager"] = manager
        merged, changed = merge_attributes(current.attributes, wanted)
        self._finish_update(
            mapped, current, merged, changed, contributed, is_restore=current.is_deleted
        )
        self.known[mapped.record.anchor] = current.object_id

    def _plan_create(
        self, mapped: MappedRecord, contributed: dict[str, Any], holders: dict[str, str]
    ) -> None:
        ctx, outcome = self.ctx, mapped.outcome
        outcome.step(StepType.MATCHING, "No directory user matches: a new one is created")
        if not mapped.values.get("userPrincipalName"):
            outcome.fail(
                ErrorCode.MANDATORY_FIELDS_MISSING,
                "a new directory user needs a userPrincipalName; the source's mappings gave none",
            )
            return
        object_id = new_object_id(None)
        if self._upn_taken(mapped, holders, object_id):
            return
        values = dict(mapped.values)
        if "manager" in ctx.source.mapped_targets("User"):
            is_known, manager = self._manager(mapped, object_id)
            if is_known:
                values["manager"] = manager
            else:
                ctx.managers.append((object_id, mapped.reference))
        self.known[mapped.record.anchor] = object_id
        user = User(object_id, user_defaults(values))
        self.writes.inserts.append(user_row_values(user, ctx.now))
        self.writes.pending.append(PendingChange(ChangeKind.CREATED, ObjectType.USER, object_id))
        self._link(mapped, object_id, contributed)
        self.matcher.remember(object_id, user.attributes)
        outcome.action, outcome.object_id = ProvisioningAction.CREATE, object_id
        outcome.object_name = user.user_principal_name
        outcome.properties = changed_properties({}, user.attributes, tuple(user.attributes))
        outcome.step(StepType.EXPORT, f"Created directory user {object_id}")
        ctx.count("created")

    def _finish_update(
        self,
        mapped: MappedRecord,
        current: User,
        merged: dict[str, Any],
        changed: list[str],
        contributed: dict[str, Any],
        *,
        is_restore: bool,
    ) -> None:
        ctx, outcome, object_id = self.ctx, mapped.outcome, current.object_id
        outcome.object_id, outcome.object_name = object_id, str(merged.get("userPrincipalName"))
        self._link(mapped, object_id, contributed)
        if is_restore:
            self.writes.restores.append(object_id)
            self.writes.pending.append(
                PendingChange(ChangeKind.RESTORED, ObjectType.USER, object_id)
            )
        if changed:
            user = User(object_id, merged, current.deleted_at if not is_restore else None)
            self.writes.updates.append(user_row_values(user, ctx.now))
            self.writes.pending.append(
                PendingChange(ChangeKind.UPDATED, ObjectType.USER, object_id, tuple(changed))
            )
            outcome.properties = changed_properties(current.attributes, merged, changed)
        if is_restore:
            outcome.action = ProvisioningAction.ENABLE
            outcome.step(
                StepType.EXPORT, f"Restored directory user {object_id}: back in the source"
            )
            ctx.count("restored")
        elif changed:
            outcome.action = ProvisioningAction.UPDATE
            outcome.step(StepType.EXPORT, f"Updated {', '.join(changed)}")
            ctx.count("updated")
        else:
            outcome.skip("RedundantImport", "No change: the directory already holds these values")
            ctx.count("unchanged")

    def _link(self, mapped: MappedRecord, object_id: str, contributed: dict[str, Any]) -> None:
        """Link the record's anchor to ``object_id`` (a new link, or the existing one moved)."""
        row = {
            "object_id": object_id,
            "contributed": jsontext.dumps(contributed),
            "vanished_at": None,
            "updated_at": self.ctx.now,
        }
        if mapped.link is None:
            extra = {"source_id": self.ctx.source.id, "object_type": "User"}
            self.writes.new_links.append({**extra, "anchor": mapped.record.anchor, **row})
        else:
            self.writes.link_updates.append({"id": mapped.link.id, **row})

    async def write(self) -> None:
        """Write the batch's rows, links, changes and log records."""
        writes, now = self.writes, self.ctx.now
        await write_rows(self.conn, USER, writes.inserts, writes.updates)
        for start in range(0, len(writes.restores), _CHUNK):
            chunk = writes.restores[start : start + _CHUNK]
            await self.conn.execute(
                update(USER)
                .where(USER.c.object_id.in_(chunk))
                .values(deleted_at=None, updated_at=now)
            )
        await links.insert_links(self.conn, writes.new_links)
        await links.update_links(self.conn, writes.link_updates)
        await record_changes(self.conn, writes.pending, now)
        await append_records(self.conn, self.ctx.source.id, self.ctx.source.name, writes.records)


async def apply_user_batch(
    conn: AsyncConnection, ctx: RunContext, records: Sequence[SourceRecord], matcher: MatchIndex
) -> None:
    """Apply user records (the last of each anchor wins) inside the caller's transaction."""
    latest: dict[str, SourceRecord] = {}
    for record in records:
        latest[record.anchor] = record
    present = []
    for record in latest.values():
        if record.deleted:
            ctx.gone["User"][record.anchor] = "deleted in the source"
        else:
            present.append(record)
    existing = await links.links_by_anchor(conn, ctx.source.id, "User", [r.anchor for r in present])
    mapped_records = [
        mapped
        for record in present
        if (mapped := map_record(ctx, record, "User", existing.get(record.anchor))) is not None
    ]
    batch = _UserBatch(conn, ctx, matcher)
    await batch.match([m for m in mapped_records if m.link is None])
    await batch.plan(mapped_records)
    await batch.write()
