"""API keys and the admin password in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from scimitar.admin import AdminAuth
from scimitar.audit import Actor
from scimitar.errors import ConfigError, NotFoundError
from scimitar.store import Database


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_created_key_verifies_until_revoked(database: Database) -> None:
    auth = AdminAuth(database)
    made, key = await auth.keys.create("ci-pipeline", actor=Actor.cli("tests"))
    assert key.startswith(f"scimadm_{made.id}_")
    found = await auth.verify_key(key)
    assert found is not None
    assert found.name == "ci-pipeline"
    assert await auth.verify_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert (await auth.keys.revoke("CI-Pipeline", actor=Actor.cli("tests"))).id == made.id
    assert await auth.verify_key(key) is None
    assert await auth.keys.list() == []


@pytest.mark.parametrize(
    "presented",
    ["", "scimadm", "scimadm__", "Bearer x", "scimadm_000000000000_nope", "other_abc_def"],
    ids=["empty", "prefix", "no-id", "garbage", "unknown-id", "other-prefix"],
)
async def test_malformed_or_unknown_keys_are_refused(database: Database, presented: str) -> None:
    auth = AdminAuth(database)
    await auth.keys.create("one", actor=Actor.cli("tests"))
    assert await auth.verify_key(presented) is None


async def test_keys_are_stored_hashed_and_never_listed(database: Database) -> None:
    auth = AdminAuth(database)
    _made, key = await auth.keys.create("ci", actor=Actor.cli("tests"))
    listed = [k.to_dict() for k in await auth.keys.list()]
    assert key not in repr(listed)
    async with database.read() as conn:
        stored = (await conn.execute(text("SELECT * FROM admin_api_key"))).all()
    assert key not in repr(stored)
    assert key.split("_", 2)[2] not in repr(stored)


async def test_last_used_time_is_kept_to_the_minute(database: Database) -> None:
    clock = Clock()
    auth = AdminAuth(database, clock)
    _made, key = await auth.keys.create("ci", actor=Actor.cli("tests"))
    assert (await auth.keys.list())[0].last_used_at is None
    await auth.verify_key(key)
    first = clock.now
    clock.now += timedelta(seconds=30)
    await auth.verify_key(key)
    assert (await auth.keys.list())[0].last_used_at == first
    clock.now += timedelta(minutes=2)
    await auth.verify_key(key)
    assert (await auth.keys.list())[0].last_used_at == clock.now


async def test_key_names_are_unique_and_checked(database: Database) -> None:
    auth = AdminAuth(database)
    await auth.keys.create("ci", actor=Actor.cli("tests"))
    with pytest.raises(ConfigError, match="already exists"):
        await auth.keys.create(" CI ", actor=Actor.cli("tests"))
    with pytest.raises(ConfigError, match="1 to 200 characters"):
        await auth.keys.create("   ", actor=Actor.cli("tests"))
    with pytest.raises(NotFoundError, match="no API key named 'nope'"):
        await auth.keys.revoke("nope", actor=Actor.cli("tests"))


async def test_the_password_is_set_replaced_and_verified(database: Database) -> None:
    auth = AdminAuth(database)
    assert not await auth.has_password()
    assert not await auth.verify_password("correct horse battery")
    await auth.set_password("correct horse battery", actor=Actor.cli("tests"))
    assert await auth.has_password()
    assert await auth.verify_password("correct horse battery")
    assert not await auth.verify_password("wrong horse battery")
    await auth.set_password("another long passphrase", actor=Actor.cli("tests"))
    assert not await auth.verify_password("correct horse battery")
    assert await auth.verify_password("another long passphrase")
    with pytest.raises(ConfigError, match="at least 12"):
        await auth.set_password("short", actor=Actor.cli("tests"))
    assert await auth.verify_password("another long passphrase")
