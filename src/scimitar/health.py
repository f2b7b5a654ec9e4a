"""Liveness and readiness of a ``scimitar serve`` process, in the form Kubernetes probes expect.

``GET /healthz`` answers 200 while the process serves HTTP at all (a liveness probe restarts a
process that stops answering). ``GET /readyz`` answers 200 only when the process can do its
work: the store answers a query within a few seconds, its schema is at the newest migration,
and the scheduler of this process (when it runs one) has beaten within its bound. Otherwise
503, with every check's outcome in the JSON body, so an operator sees which one failed.
See https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
and docs/operations.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from scimitar.clock import utcnow
from scimitar.store import Database
from scimitar.store.database import alembic_config

__all__ = ["Heartbeat", "ReadinessCheck", "readiness"]

#: How long the store may take to answer the readiness query.
STORE_TIMEOUT_SECONDS = 3.0


class Heartbeat(Protocol):
    """Something that beats while it works (the scheduler): when it last beat, and its bound."""

    @property
    def last_beat(self) -> datetime | None: ...

    @property
    def beat_bound_seconds(self) -> float: ...


@dataclass(frozen=True)
class ReadinessCheck:
    """One check of ``/readyz``: its name, whether it passed, and what it saw."""

    name: str
    ok: bool
    detail: dict[str, Any]


async def readiness(
    database: Database,
    *,
    heartbeats: dict[str, Heartbeat] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[bool, dict[str, Any]]:
    """Run the readiness checks; returns whether all passed and the JSON body to answer."""
    checks = [await _store_and_schema(database)]
    for name, beat in (heartbeats or {}).items():
        checks.append(_heartbeat(name, beat, clock()))
    ready = all(check.ok for check in checks)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {check.name: {"ok": check.ok, **check.detail} for check in checks},
    }
    return ready, body


async def _store_and_schema(database: Database) -> ReadinessCheck:
    try:
        current = await asyncio.wait_for(_current_revision(database), STORE_TIMEOUT_SECONDS)
    except TimeoutError:
        error = f"the store did not answer within {STORE_TIMEOUT_SECONDS:g} s"
        return ReadinessCheck("store", False, {"error": error})
    except Exception as exc:  # noqa: BLE001 - any failure to reach the store means not ready
        return ReadinessCheck("store", False, {"error": _describe(exc)})
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    detail: dict[str, Any] = {"migration": current, "head": head}
    if current != head:
        detail["error"] = (
            "the store's schema is not at the newest migration: start scimitar serve or run "
            "any scimitar command once to migrate it"
        )
    return ReadinessCheck("store", current == head, detail)


async def _current_revision(database: Database) -> str | None:
    async with database.read() as conn:
        await conn.execute(text("SELECT 1"))
        return await conn.run_sync(_revision_of)


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _heartbeat(name: str, beat: Heartbeat, now: datetime) -> ReadinessCheck:
    last = beat.last_beat
    bound = beat.beat_bound_seconds
    if last is None:
        return ReadinessCheck(name, False, {"error": "it has not started", "boundSeconds": bound})
    age = (now - last).total_seconds()
    detail: dict[str, Any] = {
        "lastBeat": last.isoformat(),
        "ageSeconds": round(age, 3),
        "boundSeconds": bound,
    }
    if age > bound:
        detail["error"] = f"its last beat is {age:.0f} s old (bound {bound:g} s)"
    return ReadinessCheck(name, age <= bound, detail)


def _describe(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:300] if message else type(exc).__name__
