"""Shared fixtures: a migrated store on SQLite and on PostgreSQL, and free ports."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from scimitar.settings import Settings
from scimitar.store import Database, open_database

PG_ADMIN_URL = os.environ.get(
    "SCIMITAR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    PostgreSQL is expected at 127.0.0.1:5432 (override with SCIMITAR_TEST_PG_URL); a test run
    without it fails rather than skips, so CI never passes while PostgreSQL is untested.
    """
    name = f"scimitar_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    yield f"{base}/{name}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_postgres(url: str) -> None:
    admin = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings naming an empty store: SQLite in a temp dir, or a wiped PostgreSQL schema."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    url = request.getfixturevalue("pg_server_url")
    asyncio.run(_reset_postgres(url))
    yield Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A migrated, empty store on each backend."""
    db = await open_database(settings)
    try:
        yield db
    finally:
        await db.dispose()
