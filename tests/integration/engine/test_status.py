"""Job status on SQLite and PostgreSQL: not run, running with progress, finished, links."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.engine.state.status import JobStatusService
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.apps import JOB
from scimitar.store.tables.engine import CYCLE, JOB_STATE, LINK
from tests.integration.engine.logrecords import NOW

COUNTS = {"create": 3, "update": 1, "disable": 0, "skip": 5, "failure": 1}


@pytest.fixture
async def app_id(database: Database, settings: Settings) -> str:
    """An app whose provisioning is on (set in its row: these tests need no credentials)."""
    found = await Apps.create(database, settings).apps.add("scim", "Lab", actor=Actor.cli("tests"))
    await _provisioning(database, found.id, is_on=True)
    return found.id


async def _provisioning(database: Database, app_id: str, *, is_on: bool) -> None:
    async with database.write() as conn:
        await conn.execute(update(JOB).where(JOB.c.app_id == app_id).values(is_on=is_on))


async def _cycle(database: Database, app_id: str, cycle_id: str, **values: object) -> None:
    row: dict[str, object] = {
        "id": cycle_id,
        "app_id": app_id,
        "kind": "incremental",
        "status": "succeeded",
        "started_at": NOW,
        "ended_at": NOW + timedelta(minutes=3),
        "counts": json.dumps(COUNTS),
        "progress": "{}",
    }
    row.update(values)
    async with database.write() as conn:
        await conn.execute(insert(CYCLE), row)


async def _job_state(database: Database, app_id: str, **values: object) -> None:
    async with database.write() as conn:
        await conn.execute(insert(JOB_STATE), {"app_id": app_id, **values})


async def test_a_job_that_never_ran(database: Database, app_id: str) -> None:
    found = await JobStatusService(database).status(app_id)
    assert found.state == "not_run"
    assert found.last_cycle is None
    assert found.running_cycle is None
    assert found.to_dict()["linked"] == {"User": 0, "Group": 0}
    assert found.to_dict()["firstSteadyAt"] is None


async def test_finished_cycles_show_the_latest_with_counts(database: Database, app_id: str) -> None:
    await _cycle(database, app_id, "c-old", kind="initial", started_at=NOW - timedelta(hours=1))
    await _cycle(
        database,
        app_id,
        "c-new",
        status="failed",
        error="401 from the app: check the secret token",
        counts=json.dumps({"create": 2, "failure": 4}),
    )
    await _job_state(
        database,
        app_id,
        state="quarantined",
        watermark="42",
        first_steady_at=NOW - timedelta(minutes=50),
        last_steady_at=NOW - timedelta(minutes=40),
        next_run_at=NOW + timedelta(hours=6),
    )
    found = await JobStatusService(database).status(app_id)
    assert found.state == "quarantined"
    assert found.running_cycle is None
    assert found.last_cycle is not None
    last = found.last_cycle.to_dict()
    assert last["id"] == "c-new"
    assert last["status"] == "failed"
    assert last["counts"] == {"create": 2, "failure": 4}
    assert last["failures"] == 4
    assert last["durationSeconds"] == 180
    assert last["error"] == "401 from the app: check the secret token"
    document = found.to_dict()
    assert document["firstSteadyAt"] == (NOW - timedelta(minutes=50)).isoformat()
    assert document["lastSteadyAt"] == (NOW - timedelta(minutes=40)).isoformat()
    assert document["nextRunAt"] == (NOW + timedelta(hours=6)).isoformat()
    assert document["watermark"] == "42"


async def test_a_running_cycle_shows_its_progress(database: Database, app_id: str) -> None:
    await _cycle(database, app_id, "c-1", started_at=NOW - timedelta(hours=1))
    progress = {"phase": "users", "pages": 3, "objects": 250, "total": 1000, "rate": 50.0}
    await _cycle(
        database,
        app_id,
        "c-2",
        status="running",
        ended_at=None,
        counts=json.dumps({"create": 200, "skip": 50}),
        progress=json.dumps(progress),
    )
    await _job_state(database, app_id, state="active", current_cycle_id="c-2")
    found = await JobStatusService(database).status(app_id)
    assert found.state == "active"
    assert found.last_cycle is not None
    assert found.last_cycle.id == "c-1"
    assert found.running_cycle is not None
    running = found.running_cycle.to_dict()
    assert running["id"] == "c-2"
    assert running["endedAt"] is None
    assert running["counts"] == {"create": 200, "skip": 50}
    assert running["progress"] == {
        **progress,
        "percent": 25.0,
        "etaSeconds": 15.0,
    }


async def test_progress_without_a_total_has_no_percent(database: Database, app_id: str) -> None:
    await _cycle(
        database,
        app_id,
        "c-1",
        status="running",
        ended_at=None,
        progress=json.dumps({"phase": "groups", "pages": 1, "objects": 7, "total": None}),
    )
    found = await JobStatusService(database).status(app_id)
    assert found.state == "not_run"
    assert found.running_cycle is not None
    progress = found.running_cycle.to_dict()["progress"]
    assert progress["percent"] is None
    assert progress["etaSeconds"] is None
    assert progress["phase"] == "groups"


async def test_a_finished_current_cycle_is_not_running(database: Database, app_id: str) -> None:
    await _cycle(database, app_id, "c-1")
    await _job_state(database, app_id, state="paused", current_cycle_id="c-1")
    found = await JobStatusService(database).status(app_id)
    assert found.running_cycle is None
    assert found.last_cycle is not None
    assert found.last_cycle.id == "c-1"


async def test_linked_objects_are_counted_per_type(
    database: Database, app_id: str, settings: Settings
) -> None:
    other = (
        await Apps.create(database, settings).apps.add("scim", "Other", actor=Actor.cli("tests"))
    ).id
    rows = [
        {"app_id": app_id, "object_type": "User", "source_id": f"u-{n}", "is_disabled": n == 0}
        for n in range(3)
    ]
    rows.append(
        {"app_id": app_id, "object_type": "Group", "source_id": "g-1", "is_disabled": False}
    )
    rows.append({"app_id": other, "object_type": "User", "source_id": "u-9", "is_disabled": False})
    async with database.write() as conn:
        await conn.execute(
            insert(LINK), [{"target_id": "t", "last_exported": "{}", **row} for row in rows]
        )
    found = await JobStatusService(database).status(app_id)
    assert found.linked == {"User": 3, "Group": 1}


@pytest.mark.parametrize("stored", ["active", "quarantined", "not_run"])
async def test_provisioning_off_shows_off_with_no_next_cycle(
    database: Database, app_id: str, stored: str
) -> None:
    await _cycle(database, app_id, "c-1")
    await _job_state(database, app_id, state=stored, next_run_at=NOW + timedelta(minutes=40))
    await _provisioning(database, app_id, is_on=False)

    found = await JobStatusService(database).status(app_id)

    assert found.state == "off"
    assert found.next_run_at is None
    assert found.to_dict()["nextRunAt"] is None
    assert found.last_cycle is not None


async def test_an_app_never_turned_on_is_off(database: Database, settings: Settings) -> None:
    other = await Apps.create(database, settings).apps.add(
        "scim", "Never on", actor=Actor.cli("tests")
    )
    assert (await JobStatusService(database).status(other.id)).state == "off"
