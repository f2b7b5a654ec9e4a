"""Applying what a source read to the directory: the inbound half of provisioning.

A run takes a :class:`~scimitar.sources.reader.ReadResult` and, in batches of one transaction
each: scopes and maps every record through the source's inbound mappings, links it to the
directory object it fed before or matches an existing one (the source's matching attributes in
precedence order, e.g. employeeId then userPrincipalName) or creates one, writes the attributes
the source wins by precedence, resolves managers and group members by anchor, and applies the
deletion rule to what vanished (held beyond the delete threshold). Every write goes through the
directory's rows and change feed, so the apps' next incremental cycles carry the changes on; every
object gets a provisioning log record (``scimitar logs --source NAME``).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.clock import utcnow
from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.model import ObjectType
from scimitar.directory.rows import dump_attributes
from scimitar.directory.source import ChangeKind
from scimitar.directory.store import load_attributes
from scimitar.engine.core.records import Initiator
from scimitar.ids import uuid7
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.sources import links
from scimitar.sources.config import SourceDefinition
from scimitar.sources.groups import apply_group_batch
from scimitar.sources.matching import MatchIndex
from scimitar.sources.reader import ReadResult, SourceRecord, reader_for
from scimitar.sources.run import RunContext, SyncSummary
from scimitar.sources.service import RUNNING, SourceService
from scimitar.sources.users import apply_user_batch
from scimitar.sources.vanish import apply_vanished
from scimitar.store import Database
from scimitar.store.tables.directory import USER

__all__ = ["SourceSync", "SyncSummary"]

log = structlog.get_logger("scimitar.sources")

#: Records per transaction: large enough for ``executemany`` to pay, small enough to keep a
#: SQLite write lock short.
BATCH_SIZE = 1000


async def _records(
    records: Iterable[SourceRecord] | AsyncIterable[SourceRecord],
) -> AsyncIterator[SourceRecord]:
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield record
    else:
        for record in records:
            yield record


class SourceSync:
    """Runs syncs of sources into the directory.

    Args:
        database: The store.
        sources: The sources service (definitions, state).
        clock: The current UTC time.
        batch_size: Records per transaction.
    """

    def __init__(
        self,
        database: Database,
        sources: SourceService,
        *,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._database = database
        self._sources = sources
        self._clock = clock
        self._batch_size = batch_size

    async def run(self, key: str, *, full: bool = False) -> SyncSummary:
        """Read a source (incrementally from its watermark, unless ``full``) and apply it.

        Raises:
            ConfigError: The source or what it holds is unusable (nothing was written).
            SourceBusyError: Another sync of the source is running.
            RetryableError: The source could not be reached.
        """
        source = await self._sources.get(key)
        await self._sources.start_run(source, self._clock())
        try:
            since = None if full else source.state.get("watermark")
            result = await reader_for(source).read(
                since=dict(since) if isinstance(since, dict) else None
            )
            summary = await self.apply(source, result)
        except BaseException:
            # The state as read before the run: its watermark, without the running mark.
            state = {k: v for k, v in source.state.items() if k != RUNNING}
            await self._sources.save_state(source.id, state, source.next_run_at)
            raise
        await self.finish(source, summary, watermark=result.watermark)
        return summary

    async def finish(
        self, source: SourceDefinition, summary: SyncSummary, *, watermark: Mapping[str, Any] | None
    ) -> None:
        """Keep the watermark and the run's outcome; schedule the next run."""
        now = self._clock()
        state = {k: v for k, v in source.state.items() if k != RUNNING}
        if watermark is not None:
            state["watermark"] = dict(watermark)
        state["lastRun"] = {
            "at": now.isoformat(),
            "runId": summary.run_id,
            "counts": dict(summary.counts),
            "complete": summary.is_complete,
            "error": None,
        }
        upcoming = (
            now + timedelta(minutes=source.interval_minutes) if source.interval_minutes else None
        )
        await self._sources.save_state(source.id, state, upcoming)

    async def record_failure(self, source: SourceDefinition, error: str) -> None:
        """Keep a failed run's error in the source's state; the next run is at its interval."""
        now = self._clock()
        state = {k: v for k, v in source.state.items() if k != RUNNING}
        state["lastRun"] = {"at": now.isoformat(), "error": error}
        upcoming = (
            now + timedelta(minutes=source.interval_minutes) if source.interval_minutes else None
        )
        await self._sources.save_state(source.id, state, upcoming)

    async def apply(
        self,
        source: SourceDefinition,
        result: ReadResult,
        *,
        run_id: str | None = None,
        change_ids: Mapping[str, str] | None = None,
        run_ids: Mapping[str, str] | None = None,
        initiator: Initiator | None = None,
    ) -> SyncSummary:
        """Apply a read (or an upload's records) to the directory.

        Args:
            source: The source.
            result: The records, and whether the read was complete.
            run_id: The run's id (an upload's tracking id); a new one by default.
            change_ids: Anchor → the id its log record carries (an upload's bulkId).
            run_ids: Anchor → the run id its log record carries (its upload's tracking id,
                when one run applies several uploads).
            initiator: Who started the run, for the log (``None``: the scheduler).
        """
        every = {found.id: found for found in await self._sources.list()}
        every[source.id] = source
        ctx = RunContext(
            source=source,
            sources=every,
            sets={name: CompiledMappingSet(s) for name, s in source.mappings.items()},
            run_id=run_id or uuid7(),
            now=self._clock(),
            is_complete=result.complete,
            change_ids=change_ids or {},
            run_ids=run_ids or {},
            initiator=initiator,
        )
        users, groups = MatchIndex("User"), MatchIndex("Group")
        batch: list[SourceRecord] = []
        group_records: list[SourceRecord] = []
        async for record in _records(result.records):
            if record.kind == "group":
                group_records.append(record)
                continue
            batch.append(record)
            if len(batch) >= self._batch_size:
                await self._users(ctx, batch, users)
                batch = []
        if batch:
            await self._users(ctx, batch, users)
        await self._managers(ctx)
        if group_records and "Group" in ctx.sets:
            async with self._database.write() as conn:
                await apply_group_batch(conn, ctx, group_records, groups)
        await apply_vanished(self._database, ctx)
        log.info("source_synced", source=source.name, run_id=ctx.run_id, counts=ctx.counts)
        return SyncSummary(
            ctx.run_id, source.name, ctx.is_complete, dict(ctx.counts), dict(result.watermark)
        )

    async def _users(self, ctx: RunContext, batch: list[SourceRecord], matcher: MatchIndex) -> None:
        if "User" not in ctx.sets:
            return
        async with self._database.write() as conn:
            await apply_user_batch(conn, ctx, batch, matcher)

    async def _managers(self, ctx: RunContext) -> None:
        """Set the manager of every user whose record named one (by the manager's anchor)."""
        for start in range(0, len(ctx.managers), self._batch_size):
            chunk = ctx.managers[start : start + self._batch_size]
            async with self._database.write() as conn:
                await _set_managers(conn, ctx, chunk)


async def _set_managers(
    conn: AsyncConnection, ctx: RunContext, chunk: list[tuple[str, str | None]]
) -> None:
    anchors = [anchor for _, anchor in chunk if anchor]
    resolved = await links.object_ids_by_anchor(conn, ctx.source.id, "User", anchors)
    ids = [object_id for object_id, _ in chunk]
    query = select(USER.c.object_id, USER.c.data, USER.c.manager_id).where(
        USER.c.object_id.in_(ids)
    )
    rows = {row.object_id: row for row in await conn.execute(query)}
    pending: list[PendingChange] = []
    updates: list[dict[str, Any]] = []
    for object_id, anchor in chunk:
        row = rows.get(object_id)
        manager = resolved.get(anchor) if anchor else None
        if row is None or manager == row.manager_id or manager == object_id:
            continue
        if anchor and manager is None:
            log.info(
                "source_manager_unknown", source=ctx.source.name, user=object_id, manager=anchor
            )
            continue
        data = load_attributes(row.data)
        if manager is None:
            data.pop("manager", None)
        else:
            data["manager"] = manager
        updates.append({"b_id": object_id, "b_data": dump_attributes(data), "b_manager": manager})
        pending.append(PendingChange(ChangeKind.UPDATED, ObjectType.USER, object_id, ("manager",)))
    if updates:
        statement = (
            update(USER)
            .where(USER.c.object_id == bindparam("b_id"))
            .values(data=bindparam("b_data"), manager_id=bindparam("b_manager"), updated_at=ctx.now)
        )
        await conn.execute(statement, updates)
    await record_changes(conn, pending, ctx.now)
