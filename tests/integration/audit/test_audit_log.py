"""The audit log in the store (SQLite and PostgreSQL): records, filters, retention, append-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from scimitar.audit import (
    ANONYMOUS_PORTAL,
    Actor,
    AuditEntry,
    AuditLog,
    AuditQuery,
    record,
)
from scimitar.errors import ConfigError
from scimitar.store import Database

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ALICE = Actor.cli("alice")
CI = Actor.api("ci")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def _seed(log: AuditLog, clock: Clock) -> None:
    entries = [
        AuditEntry(ALICE, "app.add", "app Webex", "app-1", "Webex", None, {"name": "Webex"}),
        AuditEntry(CI, "settings.update", "settings", "app-1", "Webex", {"a": 1}, {"a": 2}),
        AuditEntry(CI, "mappings.set", "User mappings", "app-2", "Slack", {"m": []}, {"m": [1]}),
        AuditEntry(Actor.portal("key:ci", "s"), "apikey.create", "API key ops", after={"n": 1}),
    ]
    for minutes, entry in enumerate(entries):
        clock.now = T0 + timedelta(minutes=minutes)
        await log.append(entry)


async def test_a_record_commits_with_its_change_or_not_at_all(database: Database) -> None:
    log = AuditLog(database)
    entry = AuditEntry(ALICE, "password.set", "admin password")

    async def failing_change() -> None:
        async with database.write() as conn:
            await record(conn, entry)
            raise RuntimeError("the change failed after its record was written")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert (await log.query()).records == []
    async with database.write() as conn:
        await record(conn, entry)
    (found,) = (await log.query()).records
    assert (found.actor, found.action, found.session) == ("cli:alice", "password.set", None)


async def test_filters_narrow_by_app_actor_action_and_time(database: Database) -> None:
    clock = Clock()
    log = AuditLog(database, clock=clock)
    await _seed(log, clock)

    async def actions(where: AuditQuery) -> list[str]:
        return [r.action for r in (await log.query(where)).records]

    assert await actions(AuditQuery()) == [
        "apikey.create",
        "mappings.set",
        "settings.update",
        "app.add",
    ]
    assert await actions(AuditQuery(app="webex")) == ["settings.update", "app.add"]
    assert await actions(AuditQuery(app="app-2")) == ["mappings.set"]
    assert await actions(AuditQuery(actor="api:ci")) == ["mappings.set", "settings.update"]
    assert await actions(AuditQuery(actor="portal")) == ["apikey.create"]
    assert await actions(AuditQuery(actor="portal:key")) == ["apikey.create"]
    assert await actions(AuditQuery(actor="api:c")) == []
    assert await actions(AuditQuery(action="mappings")) == ["mappings.set"]
    assert await actions(AuditQuery(action="app.add")) == ["app.add"]
    assert await actions(AuditQuery(since=T0 + timedelta(minutes=2))) == [
        "apikey.create",
        "mappings.set",
    ]


async def test_records_keep_who_when_and_both_documents(database: Database) -> None:
    clock = Clock()
    log = AuditLog(database, clock=clock)
    await _seed(log, clock)
    page = await log.query(AuditQuery(action="settings"))
    (found,) = page.records
    assert found.to_dict() == {
        "id": found.id,
        "at": (T0 + timedelta(minutes=1)).isoformat(),
        "actor": "api:ci",
        "session": None,
        "action": "settings.update",
        "object": "settings",
        "appId": "app-1",
        "app": "Webex",
        "before": {"a": 1},
        "after": {"a": 2},
    }
    portal = (await log.query(AuditQuery(actor="portal"))).records[0]
    assert portal.session == Actor.portal("key:ci", "s").session


async def test_pages_follow_the_cursor_to_the_oldest(database: Database) -> None:
    clock = Clock()
    log = AuditLog(database, clock=clock)
    await _seed(log, clock)
    first = await log.query(limit=3)
    assert [r.action for r in first.records][-1] == "settings.update"
    assert first.next_cursor is not None
    second = await log.query(limit=3, before=first.next_cursor)
    assert [r.action for r in second.records] == ["app.add"]
    assert second.next_cursor is None
    with pytest.raises(ConfigError, match="nextBefore"):
        await log.query(before="yesterday")
    with pytest.raises(ConfigError, match="1 to 5000"):
        await log.query(limit=0)


async def test_secrets_never_reach_a_record(database: Database) -> None:
    log = AuditLog(database)
    token = "scimtgt_Zm9vYmFyYmF6cXV4LXNlY3JldA"
    await log.append(
        AuditEntry(
            ALICE,
            "credentials.set",
            f"credentials sent as Bearer {token}",
            before={"tenantUrl": "https://a.example/scim", "secretToken": token},
            after={"tenantUrl": "https://b.example/scim", "secretToken": "<changed>"},
        )
    )
    async with database.read() as conn:
        stored = (await conn.execute(text("SELECT * FROM audit_record"))).all()
    assert token not in repr(stored)
    (found,) = (await log.query()).records
    assert found.before == {"tenantUrl": "https://a.example/scim", "secretToken": "<redacted>"}
    assert found.after["secretToken"] == "<changed>"


async def test_retention_prunes_only_records_past_it(database: Database) -> None:
    clock = Clock()
    log = AuditLog(database, retention_days=30, clock=clock)
    await log.append(AuditEntry(ALICE, "app.add", "old"))
    clock.now = T0 + timedelta(days=20)
    await log.append(AuditEntry(ALICE, "app.add", "recent"))
    assert await log.prune(now=T0 + timedelta(days=31)) == 1
    assert [r.object for r in (await log.query()).records] == ["recent"]
    assert await log.prune(now=T0 + timedelta(days=31)) == 0


async def test_stored_records_cannot_be_updated(database: Database) -> None:
    log = AuditLog(database)
    await log.append(AuditEntry(ALICE, "password.set", "admin password"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.write() as conn:
            await conn.execute(text("UPDATE audit_record SET actor = 'cli:mallory'"))
    assert [r.actor for r in (await log.query()).records] == ["cli:alice"]


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM audit_record", "TRUNCATE audit_record"],
    ids=["delete", "truncate"],
)
async def test_on_postgresql_only_pruning_deletes(database: Database, statement: str) -> None:
    log = AuditLog(database)
    await log.append(AuditEntry(ALICE, "password.set", "admin password"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.write() as conn:
            await conn.execute(text(statement))
    assert len((await log.query()).records) == 1
    assert await log.prune(now=datetime.now(UTC) + timedelta(days=400)) == 1


async def test_failed_sign_ins_are_coalesced_per_source(database: Database) -> None:
    clock = Clock()
    log = AuditLog(database, clock=clock)
    for second in range(30):
        clock.now = T0 + timedelta(seconds=second)
        await log.failed(ANONYMOUS_PORTAL, "signin.failed", "10.0.0.9", method="password")
    clock.now = T0 + timedelta(minutes=2)
    assert await log.failed(ANONYMOUS_PORTAL, "signin.failed", "10.0.0.9", method="password")
    records = (await log.query(AuditQuery(action="signin.failed"))).records
    assert [r.after["attempts"] for r in records] == [30, 1]
    assert records[0].actor == "portal:anonymous"
    assert records[0].after == {"source": "10.0.0.9", "attempts": 30, "method": "password"}
