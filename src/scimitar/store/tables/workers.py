"""Tables of the distributed workers: which worker runs a queued job, and how it ended.

The queue itself (``procrastinate_jobs`` and its companions) belongs to procrastinate and is
created by it (:mod:`scimitar.jobs.schema`); this table only adds what Scimitar knows about a
job that procrastinate does not keep: the worker's name, the cycle the job ran, and its summary.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = ["WORKER_JOB", "WorkerJob"]


class WorkerJob(Base):
    """A queued job as a worker took it up: who runs it, its cycle, and its outcome (JSON)."""

    __tablename__ = "worker_job"

    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    app_id: Mapped[str] = mapped_column(String(36), index=True)
    worker: Mapped[str] = mapped_column(String(300))
    cycle_id: Mapped[str | None] = mapped_column(String(36))
    result: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


WORKER_JOB = cast(Table, WorkerJob.__table__)
