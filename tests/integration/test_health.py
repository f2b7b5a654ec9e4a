"""Readiness checks against a real store: schema current or not, heartbeats fresh or stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from scimitar.health import readiness
from scimitar.store import Database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@dataclass
class Beat:
    last_beat: datetime | None
    beat_bound_seconds: float = 30.0


async def test_a_migrated_store_is_ready(database: Database) -> None:
    ready, body = await readiness(database)
    assert ready
    assert body["status"] == "ready"
    store = body["checks"]["store"]
    assert store["ok"] is True
    assert store["migration"] == store["head"]
    assert store["head"]


async def test_a_store_behind_the_newest_migration_is_not_ready(database: Database) -> None:
    async with database.write() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    ready, body = await readiness(database)
    assert not ready
    assert body["status"] == "not ready"
    store = body["checks"]["store"]
    assert store["ok"] is False
    assert store["migration"] == "0001"
    assert "newest migration" in store["error"]


async def test_a_stale_or_missing_heartbeat_is_not_ready(database: Database) -> None:
    fresh = Beat(NOW - timedelta(seconds=5))
    ready, body = await readiness(database, heartbeats={"scheduler": fresh}, clock=lambda: NOW)
    assert ready
    assert body["checks"]["scheduler"] == {
        "ok": True,
        "lastBeat": fresh.last_beat.isoformat() if fresh.last_beat else None,
        "ageSeconds": 5.0,
        "boundSeconds": 30.0,
    }

    stale = Beat(NOW - timedelta(seconds=31))
    ready, body = await readiness(database, heartbeats={"scheduler": stale}, clock=lambda: NOW)
    assert not ready
    assert body["checks"]["scheduler"]["ok"] is False
    assert "31 s old" in body["checks"]["scheduler"]["error"]
    assert body["checks"]["store"]["ok"] is True

    ready, body = await readiness(database, heartbeats={"scheduler": Beat(None)}, clock=lambda: NOW)
    assert not ready
    assert body["checks"]["scheduler"]["error"] == "it has not started"
