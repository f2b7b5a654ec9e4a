"""Validation runs started through the admin API (``POST /api/v1/validate``), followed by polling.

Each run is a task of the serving process; the registry keeps the running ones and the last
:data:`KEPT_FINISHED` finished ones (oldest dropped first), on the object the API holds.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog

from scimitar.errors import NotFoundError, ScimitarError
from scimitar.validate.model import Report
from scimitar.validate.runner import ValidateOptions, validate

__all__ = ["KEPT_FINISHED", "ValidationJob", "ValidationJobs"]

log = structlog.get_logger(__name__)

#: Finished runs kept for polling.
KEPT_FINISHED = 20


@dataclass
class ValidationJob:
    """One validation run: ``running``, then ``passed``, ``failed`` or ``refused``."""

    id: str
    url: str
    dialect: str
    status: str = "running"
    report: Report | None = None
    error: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: the status, then the report (as ``--json`` prints it) or the error."""
        return {
            "validationId": self.id,
            "url": self.url,
            "dialect": self.dialect,
            "status": self.status,
            "report": None if self.report is None else self.report.to_dict(),
            "error": self.error,
        }


class ValidationJobs:
    """The validation runs of a serving process, by id."""

    def __init__(self) -> None:
        self._jobs: dict[str, ValidationJob] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, options: ValidateOptions) -> ValidationJob:
        """Begin a run in the background."""
        job = ValidationJob(uuid.uuid4().hex, options.url, options.choice.name)
        self._jobs[job.id] = job
        self._tasks[job.id] = asyncio.create_task(self._run(job, options))
        self._forget_old()
        return job

    def get(self, validation_id: str) -> ValidationJob:
        """A run by id.

        Raises:
            NotFoundError: No such run (or it was dropped).
        """
        job = self._jobs.get(validation_id)
        if job is None:
            raise NotFoundError(
                f"no validation run {validation_id!r} (runs are kept while the server runs, the "
                f"last {KEPT_FINISHED}); start one with POST /api/v1/validate"
            )
        return job

    async def _run(self, job: ValidationJob, options: ValidateOptions) -> None:
        try:
            job.report = await validate(options)
            job.status = "passed" if job.report.is_ok else "failed"
        except ScimitarError as exc:
            job.status, job.error = "refused", str(exc)
        except Exception as exc:
            log.exception("validation_failed", validation_id=job.id)
            job.status, job.error = "failed", f"unexpected {type(exc).__name__}"
        finally:
            job.done.set()
            self._tasks.pop(job.id, None)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.id not in self._tasks]
        for job in finished[: max(0, len(finished) - KEPT_FINISHED)]:
            del self._jobs[job.id]
