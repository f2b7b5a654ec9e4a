"""Inbound uploads: accepted at once (202 and a tracking id), processed in the background.

An upload is stored with its accepted operations and the ones rejected on arrival; the worker
(one per ``scimitar serve`` process) takes queued uploads in arrival order, applies each
through the source's mappings as one sync run whose id is the tracking id, logs one record
per operation (``bulkId`` as the change id; rejected operations as failures), and keeps the
counts. ``GET`` on the tracking id tells where it is.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
import structlog
from sqlalchemy import func, insert, select, update

from scimitar import jsontext
from scimitar.clock import utcnow
from scimitar.engine.core.records import ErrorInformation, Initiator, StepType
from scimitar.errors import NotFoundError
from scimitar.ids import uuid7
from scimitar.sources.config import SourceDefinition
from scimitar.sources.inbound import CheckedRequest, flatten_user
from scimitar.sources.logrecords import ObjectOutcome
from scimitar.sources.logstore import SourceLogFilter, SourceLogStore, append_records
from scimitar.sources.model import SOURCE_LOG, SOURCE_UPLOAD
from scimitar.sources.reader import ReadResult, SourceRecord
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database

__all__ = ["QUEUED", "UploadService", "UploadWorker"]

QUEUED, PROCESSING, COMPLETED, FAILED = "queued", "processing", "completed", "failed"
#: Per-operation results listed in a status answer (the log holds them all).
_RESULTS_SHOWN = 1000
#: Operations applied together in one run: queued uploads are taken together up to this many.
MAX_BATCH_OPERATIONS = 2000
log = structlog.get_logger("scimitar.sources")


class UploadService:
    """Uploads to inbound API sources: accept, process, report."""

    def __init__(
        self,
        database: Database,
        sources: SourceService,
        sync: SourceSync,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database = database
        self._sources = sources
        self._sync = sync
        self._clock = clock

    async def accept(self, source: SourceDefinition, checked: CheckedRequest) -> str:
        """Queue a checked request; returns its tracking id."""
        upload_id = uuid7()
        summary = {
            "accepted": len(checked.accepted),
            "rejected": [r.to_dict() for r in checked.rejected],
        }
        values = {
            "id": upload_id,
            "source_id": source.id,
            "status": QUEUED,
            "operations": checked.count,
            "payload": jsontext.dumps([op.to_dict() for op in checked.accepted]),
            "summary": json.dumps(summary, ensure_ascii=False),
            "received_at": self._clock(),
            "finished_at": None,
        }
        async with self._database.write() as conn:
            await conn.execute(insert(SOURCE_UPLOAD).values(values))
        return upload_id

    async def requeue_interrupted(self) -> int:
        """Queue again the uploads left ``processing`` by a process that stopped; how many.

        Applying an upload twice is harmless (operations are upserts by ``externalId``); its
        log then holds the records of both runs.
        """
        async with self._database.write() as conn:
            result = await conn.execute(
                update(SOURCE_UPLOAD)
                .where(SOURCE_UPLOAD.c.status == PROCESSING)
                .values(status=QUEUED)
            )
        return int(result.rowcount or 0)

    async def claim(self, *, max_operations: int = MAX_BATCH_OPERATIONS) -> list[str]:
        """Claim the oldest queued uploads of one source (``processing``), up to about
        ``max_operations`` operations; none when nothing is queued."""
        async with self._database.write() as conn:
            query = (
                select(SOURCE_UPLOAD.c.id, SOURCE_UPLOAD.c.source_id, SOURCE_UPLOAD.c.operations)
                .where(SOURCE_UPLOAD.c.status == QUEUED)
                .order_by(SOURCE_UPLOAD.c.received_at, SOURCE_UPLOAD.c.id)
                .limit(100)
            )
            rows = (await conn.execute(query)).all()
            chosen: list[str] = []
            total = 0
            for row in rows:
                if row.source_id != rows[0].source_id:
                    break
                if chosen and total + row.operations > max_operations:
                    break
                chosen.append(str(row.id))
                total += row.operations
            if chosen:
                await conn.execute(
                    update(SOURCE_UPLOAD)
                    .where(SOURCE_UPLOAD.c.id.in_(chosen), SOURCE_UPLOAD.c.status == QUEUED)
                    .values(status=PROCESSING)
                )
        return chosen

    async def process(self, upload_ids: Sequence[str]) -> None:
        """Apply claimed uploads of one source through its mappings, in arrival order, and
        keep the outcome.

        Uploads go together in one sync run (one transaction per 1,000 records) until one
        names an ``externalId`` an earlier one of the run named; that one starts the next run,
        so the later operation is applied after the earlier, as it arrived.
        """
        async with self._database.read() as conn:
            query = select(SOURCE_UPLOAD).where(SOURCE_UPLOAD.c.id.in_(list(upload_ids)))
            rows = sorted((await conn.execute(query)).all(), key=lambda r: (r.received_at, r.id))
        if not rows:
            return
        status, error = COMPLETED, None
        try:
            source = await self._sources.get(rows[0].source_id)
            # Stored by accept() from checked JSON: orjson reads it back as it was written.
            operations = {row.id: orjson.loads(row.payload or "[]") for row in rows}
            for group in _without_repeats(rows, operations):
                await self._apply(source, group, operations)
        except Exception as exc:  # noqa: BLE001 - the uploads must end, whatever happened
            log.warning("source_upload_failed", uploads=list(upload_ids), error=str(exc))
            status, error = FAILED, f"{type(exc).__name__}: {exc}"
        async with self._database.write() as conn:
            for row in rows:
                summary = json.loads(row.summary)
                if error is not None:
                    summary["error"] = error
                await conn.execute(
                    update(SOURCE_UPLOAD)
                    .where(SOURCE_UPLOAD.c.id == row.id)
                    .values(
                        status=status,
                        payload=None,
                        summary=json.dumps(summary, ensure_ascii=False),
                        finished_at=self._clock(),
                    )
                )

    async def _apply(
        self, source: SourceDefinition, rows: list[Any], operations: dict[str, Any]
    ) -> None:
        records: list[SourceRecord] = []
        change_ids: dict[str, str] = {}
        run_ids: dict[str, str] = {}
        for row in rows:
            for op in operations[row.id]:
                records.append(SourceRecord(op["anchor"], "user", flatten_user(op["data"])))
                change_ids[op["anchor"]] = op["bulkId"]
                run_ids[op["anchor"]] = row.id
        initiator = Initiator("bulkUpload", "application")
        await self._sync.apply(
            source,
            ReadResult(records, complete=False),
            run_id=rows[0].id,
            change_ids=change_ids,
            run_ids=run_ids,
            initiator=initiator,
        )
        for row in rows:
            rejected = json.loads(row.summary)["rejected"]
            await self._log_rejected(source, row.id, rejected, initiator)

    async def _log_rejected(
        self,
        source: SourceDefinition,
        upload_id: str,
        rejected: list[dict[str, Any]],
        initiator: Initiator,
    ) -> None:
        if not rejected:
            return
        from scimitar.sources.run import RunContext

        ctx = RunContext(source, {}, {}, upload_id, self._clock(), False, initiator=initiator)
        records = []
        for item in rejected:
            anchor = item.get("externalId") or ""
            outcome = ObjectOutcome("User", anchor, {}, item.get("bulkId") or "")
            outcome.step(StepType.IMPORT, f"Operation {item.get('bulkId')!r} of upload {upload_id}")
            outcome.fail(
                "InvalidBulkOperation",
                str(item["detail"]),
                "Fix the operation and send it again in a new upload.",
            )
            records.append(ctx.record(outcome))
        async with self._database.write() as conn:
            await append_records(conn, source.id, source.name, records)

    async def status(self, source: SourceDefinition, upload_id: str) -> dict[str, Any]:
        """Where an upload is, its counts, and one result per operation once processed.

        Raises:
            NotFoundError: No such upload for this source.
        """
        async with self._database.read() as conn:
            query = select(SOURCE_UPLOAD).where(
                SOURCE_UPLOAD.c.id == upload_id, SOURCE_UPLOAD.c.source_id == source.id
            )
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFoundError(f"no upload {upload_id!r} for source {source.name!r}")
        summary = json.loads(row.summary)
        document: dict[str, Any] = {
            "id": row.id,
            "source": source.name,
            "status": row.status,
            "operations": row.operations,
            "accepted": summary.get("accepted", 0),
            "rejected": summary.get("rejected", []),
            "receivedAt": row.received_at.isoformat(),
            "finishedAt": row.finished_at.isoformat() if row.finished_at else None,
        }
        if "error" in summary:
            document["error"] = summary["error"]
        if row.status == COMPLETED:
            page = await SourceLogStore(self._database).query(
                source.id, SourceLogFilter(run=upload_id), limit=_RESULTS_SHOWN
            )
            document["results"] = [_result(entry.record) for entry in page.records]
            document["counts"] = await self._counts(source.id, upload_id)
        return document

    async def _counts(self, source_id: str, upload_id: str) -> dict[str, int]:
        """What the upload did, from its log records."""
        query = (
            select(SOURCE_LOG.c.action, SOURCE_LOG.c.status, func.count())
            .where(SOURCE_LOG.c.source_id == source_id, SOURCE_LOG.c.run_id == upload_id)
            .group_by(SOURCE_LOG.c.action, SOURCE_LOG.c.status)
        )
        counts = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
        async with self._database.read() as conn:
            for action, status, count in await conn.execute(query):
                if status == "failure":
                    name = "failed"
                elif action == "create":
                    name = "created"
                elif action == "skip":
                    name = "unchanged"
                else:
                    name = "updated" if action in ("update", "enable") else action
                counts[name] = counts.get(name, 0) + int(count)
        return counts


def _without_repeats(rows: list[Any], operations: dict[str, Any]) -> list[list[Any]]:
    """Uploads in arrival order, grouped so that no anchor comes twice in one group."""
    groups: list[list[Any]] = []
    anchors: set[str] = set()
    for row in rows:
        mine = {op["anchor"] for op in operations[row.id]}
        if not groups or anchors & mine:
            groups.append([])
            anchors = set()
        groups[-1].append(row)
        anchors |= mine
    return groups


def _result(record: Any) -> dict[str, Any]:
    error: ErrorInformation | None = record.error
    return {
        "bulkId": record.change_id,
        "externalId": record.source_identity.id,
        "action": record.action.value,
        "status": record.status.value,
        "objectId": record.target_identity.id,
        "error": None if error is None else {"code": error.error_code, "reason": error.reason},
    }


class UploadWorker:
    """Processes queued uploads in the background, woken when one arrives.

    Args:
        uploads: The upload service.
        poll_seconds: How often to look for uploads queued by other processes (or before a
            restart).
    """

    def __init__(self, uploads: UploadService, *, poll_seconds: float = 2.0) -> None:
        self._uploads = uploads
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start processing in the background."""
        self._task = asyncio.create_task(self._loop(), name="scimitar-source-uploads")

    def notify(self) -> None:
        """An upload was queued: process it now."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop after the upload being processed, if any."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def drain(self) -> int:
        """Process every queued upload now; returns how many."""
        done = 0
        while not self._stopping and (claimed := await self._uploads.claim()):
            await self._uploads.process(claimed)
            done += len(claimed)
        return done

    async def _loop(self) -> None:
        try:
            requeued = await self._uploads.requeue_interrupted()
            if requeued:
                log.info("source_uploads_requeued", uploads=requeued)
        except Exception:
            log.exception("source_uploads_requeue_failed")
        while not self._stopping:
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("source_uploads_failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            except TimeoutError:
                continue
