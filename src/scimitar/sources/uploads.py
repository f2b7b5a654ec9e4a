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
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import insert, select, update

from scimitar.engine.records import ErrorInformation, Initiator, StepType
from scimitar.errors import NotFoundError
from scimitar.ids import uuid7
from scimitar.sources.config import SourceDefinition
from scimitar.sources.inbound import CheckedRequest, flatten_user
from scimitar.sources.logrecords import ObjectOutcome
from scimitar.sources.logstore import SourceLogFilter, SourceLogStore, append_records
from scimitar.sources.model import SOURCE_UPLOAD
from scimitar.sources.reader import ReadResult, SourceRecord
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database
from scimitar.store.tables.base import utcnow

__all__ = ["QUEUED", "UploadService", "UploadWorker"]

QUEUED, PROCESSING, COMPLETED, FAILED = "queued", "processing", "completed", "failed"
#: Per-operation results listed in a status answer (the log holds them all).
_RESULTS_SHOWN = 1000
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
            "payload": json.dumps([op.to_dict() for op in checked.accepted], ensure_ascii=False),
            "summary": json.dumps(summary, ensure_ascii=False),
            "received_at": self._clock(),
            "finished_at": None,
        }
        async with self._database.write() as conn:
            await conn.execute(insert(SOURCE_UPLOAD).values(values))
        return upload_id

    async def next_queued(self) -> str | None:
        """Claim the oldest queued upload (``processing``), if there is one."""
        async with self._database.write() as conn:
            query = (
                select(SOURCE_UPLOAD.c.id)
                .where(SOURCE_UPLOAD.c.status == QUEUED)
                .order_by(SOURCE_UPLOAD.c.received_at, SOURCE_UPLOAD.c.id)
                .limit(1)
            )
            upload_id = (await conn.execute(query)).scalar()
            if upload_id is None:
                return None
            claimed = await conn.execute(
                update(SOURCE_UPLOAD)
                .where(SOURCE_UPLOAD.c.id == upload_id, SOURCE_UPLOAD.c.status == QUEUED)
                .values(status=PROCESSING)
            )
        return str(upload_id) if claimed.rowcount else None

    async def process(self, upload_id: str) -> None:
        """Apply a claimed upload through its source's mappings, and keep the outcome."""
        async with self._database.read() as conn:
            row = (
                await conn.execute(select(SOURCE_UPLOAD).where(SOURCE_UPLOAD.c.id == upload_id))
            ).one()
        summary = json.loads(row.summary)
        try:
            source = await self._sources.get(row.source_id)
            operations = json.loads(row.payload or "[]")
            records = [
                SourceRecord(op["anchor"], "user", flatten_user(op["data"])) for op in operations
            ]
            change_ids = {op["anchor"]: op["bulkId"] for op in operations}
            initiator = Initiator(f"bulkUpload {upload_id}", "application")
            result = await self._sync.apply(
                source,
                ReadResult(records, complete=False),
                run_id=upload_id,
                change_ids=change_ids,
                initiator=initiator,
            )
            await self._log_rejected(source, upload_id, summary["rejected"], initiator)
            summary["counts"] = dict(result.counts)
            summary["counts"]["failed"] += len(summary["rejected"])
            status = COMPLETED
        except Exception as exc:  # noqa: BLE001 - the upload must end, whatever happened
            log.warning("source_upload_failed", upload=upload_id, error=str(exc))
            summary["error"] = f"{type(exc).__name__}: {exc}"
            status = FAILED
        async with self._database.write() as conn:
            await conn.execute(
                update(SOURCE_UPLOAD)
                .where(SOURCE_UPLOAD.c.id == upload_id)
                .values(
                    status=status,
                    payload=None,
                    summary=json.dumps(summary, ensure_ascii=False),
                    finished_at=self._clock(),
                )
            )

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
        if "counts" in summary:
            document["counts"] = summary["counts"]
        if "error" in summary:
            document["error"] = summary["error"]
        if row.status == COMPLETED:
            page = await SourceLogStore(self._database).query(
                source.id, SourceLogFilter(run=upload_id), limit=_RESULTS_SHOWN
            )
            document["results"] = [_result(entry.record) for entry in page.records]
        return document


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
        while not self._stopping and (upload_id := await self._uploads.next_queued()) is not None:
            await self._uploads.process(upload_id)
            done += 1
        return done

    async def _loop(self) -> None:
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
