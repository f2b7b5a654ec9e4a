"""Reading the queue for people: ``scimitar jobs list``, ``GET /api/v1/jobs``, the portal.

Jobs waiting and running, then the most recent finished ones, each with its app, the worker
that took it up (``host:pid``), its age and, for a finished cycle, how it ended. Read from
procrastinate's tables with Scimitar's ``worker_job`` beside them, on the store's connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from scimitar.clock import utcnow
from scimitar.store import Database

__all__ = ["STATUSES", "JobRow", "list_jobs", "live_workers", "queue_exists"]

#: A job's status as shown (procrastinate's status, named for people).
STATUSES = {
    "todo": "queued",
    "doing": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
    "aborted": "aborted",
}

_LIST = """
SELECT j.id, j.queue_name, j.task_name, j.status::text AS status, j.args, j.attempts,
       j.scheduled_at,
       (SELECT min(e.at) FROM procrastinate_events e
         WHERE e.job_id = j.id AND e.type = 'deferred') AS queued_at,
       (SELECT max(e.at) FROM procrastinate_events e
         WHERE e.job_id = j.id AND e.type = 'started') AS started_at,
       (SELECT max(e.at) FROM procrastinate_events e
         WHERE e.job_id = j.id AND e.type IN ('succeeded', 'failed', 'cancelled', 'aborted'))
         AS ended_at,
       w.worker, w.result, w.cycle_id, a.name AS app_name
  FROM procrastinate_jobs j
  LEFT JOIN worker_job w ON w.job_id = j.id
  LEFT JOIN app a ON a.id = j.args ->> 'app_id'
 WHERE j.id IN (
        SELECT id FROM procrastinate_jobs WHERE status IN ('todo', 'doing')
        UNION ALL
        (SELECT id FROM procrastinate_jobs WHERE status NOT IN ('todo', 'doing')
          ORDER BY id DESC LIMIT :recent))
 ORDER BY CASE j.status WHEN 'doing' THEN 0 WHEN 'todo' THEN 1 ELSE 2 END, j.id DESC
"""


@dataclass(frozen=True)
class JobRow:
    """One job as ``jobs list`` shows it."""

    id: int
    status: str
    task: str
    queue: str
    app_id: str | None
    app_name: str | None
    worker: str | None
    attempts: int
    queued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    age_seconds: float | None
    cycle_id: str | None
    error: str | None
    args: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON shape (``--json`` and the admin API)."""
        return {
            "id": self.id,
            "status": self.status,
            "task": self.task,
            "queue": self.queue,
            "app": None if self.app_id is None else {"id": self.app_id, "name": self.app_name},
            "worker": self.worker,
            "attempts": self.attempts,
            "queuedAt": _iso(self.queued_at),
            "startedAt": _iso(self.started_at),
            "endedAt": _iso(self.ended_at),
            "ageSeconds": None if self.age_seconds is None else round(self.age_seconds, 1),
            "cycleId": self.cycle_id,
            "error": self.error,
            "args": self.args,
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


async def queue_exists(database: Database) -> bool:
    """Whether the store has a queue (PostgreSQL whose queue tables exist)."""
    if database.is_sqlite:
        return False
    async with database.read() as conn:
        found = (await conn.execute(text("SELECT to_regclass('procrastinate_jobs')"))).scalar()
    return found is not None


async def live_workers(database: Database, *, within_seconds: float = 60.0) -> int:
    """How many workers sent a heartbeat within ``within_seconds``."""
    if not await queue_exists(database):
        return 0
    query = text(
        "SELECT count(*) FROM procrastinate_workers "
        "WHERE last_heartbeat > now() - make_interval(secs => :within)"
    )
    async with database.read() as conn:
        found = (await conn.execute(query, {"within": within_seconds})).scalar()
    return int(found or 0)


async def list_jobs(database: Database, *, recent: int = 50) -> list[JobRow]:
    """Queued and running jobs, then the ``recent`` most recent finished ones."""
    if not await queue_exists(database):
        return []
    async with database.read() as conn:
        rows = (await conn.execute(text(_LIST), {"recent": recent})).mappings().all()
    now = utcnow()
    return [_job(dict(row), now) for row in rows]


def _job(row: dict[str, Any], now: datetime) -> JobRow:
    args = row["args"] if isinstance(row["args"], dict) else json.loads(row["args"] or "{}")
    result = json.loads(row["result"]) if row["result"] else {}
    status = STATUSES.get(row["status"], row["status"])
    since = {"queued": row["queued_at"], "running": row["started_at"]}.get(status, row["ended_at"])
    error = result.get("error") if isinstance(result, dict) else None
    return JobRow(
        id=int(row["id"]),
        status=status,
        task=row["task_name"],
        queue=row["queue_name"],
        app_id=args.get("app_id"),
        app_name=row["app_name"],
        worker=row["worker"],
        attempts=int(row["attempts"]),
        queued_at=row["queued_at"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        age_seconds=None if since is None else (now - since).total_seconds(),
        cycle_id=row["cycle_id"],
        error=error,
        args=args,
    )
