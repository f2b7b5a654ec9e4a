"""Portal sessions in the store (SQLite and PostgreSQL): found while live, ended for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scimitar.admin import AdminAuth
from scimitar.admin.sessions import SessionMethod, SessionService
from scimitar.audit import Actor, AuditLog, AuditQuery
from scimitar.store import Database


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_session_lives_until_it_ends_or_expires(database: Database) -> None:
    clock = Clock()
    sessions = SessionService(database, clock, lifetime=timedelta(hours=8))
    first = await sessions.start(SessionMethod.PASSWORD)
    second = await sessions.start(SessionMethod.PASSWORD)
    found = await sessions.find(first.id)
    assert found is not None
    assert found.subject == "admin"
    assert found.csrf == first.csrf
    assert await sessions.end(first.id)
    assert await sessions.find(first.id) is None
    assert not await sessions.end(first.id)
    clock.now += timedelta(hours=8)
    assert await sessions.find(second.id) is None


async def test_the_store_keeps_no_usable_session_id(database: Database) -> None:
    session = await SessionService(database).start(SessionMethod.PASSWORD)
    async with database.read() as conn:
        rows = (await conn.exec_driver_sql("SELECT * FROM portal_session")).all()
    assert session.id not in str(rows)


async def test_key_sessions_are_bound_to_the_key_id_not_its_name(database: Database) -> None:
    auth = AdminAuth(database)
    made, _key = await auth.keys.create("ci", actor=Actor.cli("tests"))
    session = await auth.sessions.start(SessionMethod.KEY, key_id=made.id, key_name=made.name)
    found = await auth.sessions.find(session.id)
    assert found is not None
    assert found.who == "API key ci"
    await auth.keys.revoke("ci", actor=Actor.cli("tests"))
    await auth.keys.create("ci", actor=Actor.cli("tests"))
    assert await auth.sessions.find(session.id) is None


async def test_a_new_password_ends_password_sessions_only(database: Database) -> None:
    auth = AdminAuth(database)
    await auth.set_password("the first passphrase", actor=Actor.cli("tests"))
    made, _key = await auth.keys.create("ops", actor=Actor.cli("tests"))
    by_password = await auth.sessions.start(SessionMethod.PASSWORD)
    by_key = await auth.sessions.start(SessionMethod.KEY, key_id=made.id, key_name=made.name)
    await auth.set_password("the second passphrase", actor=Actor.cli("tests"))
    assert await auth.sessions.find(by_password.id) is None
    assert await auth.sessions.find(by_key.id) is not None


async def test_ending_sessions_is_audited_with_the_change(database: Database) -> None:
    auth = AdminAuth(database)
    await auth.set_password("the first passphrase", actor=Actor.cli("tests"))
    made, _key = await auth.keys.create("ci", actor=Actor.cli("tests"))
    await auth.sessions.start(SessionMethod.PASSWORD)
    await auth.sessions.start(SessionMethod.KEY, key_id=made.id, key_name=made.name)
    await auth.sessions.start(SessionMethod.KEY, key_id=made.id, key_name=made.name)
    await auth.set_password("the second passphrase", actor=Actor.cli("tests"))
    await auth.keys.revoke("ci", actor=Actor.cli("tests"))
    await auth.keys.create("unused", actor=Actor.cli("tests"))
    await auth.keys.revoke("unused", actor=Actor.cli("tests"))  # no sessions: nothing to record
    page = await AuditLog(database).query(AuditQuery(action="session"))
    recorded = [(r.object, r.after) for r in reversed(page.records)]
    assert recorded == [
        ("portal sessions of the admin password", {"sessions": 1, "reason": "password.set"}),
        ("portal sessions of API key ci", {"sessions": 2, "reason": "apikey.revoke"}),
    ]
