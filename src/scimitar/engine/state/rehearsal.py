"""A store that forgets: every read and write of a dry run on one transaction, rolled back.

A plan (``scimitar app plan``) runs the cycle's own code — scope, matching, mapping, the
planning table, the deletion threshold, the group and reference phases — so that what it shows
is what the cycle would do, not what a second implementation guesses. That code reads what it
wrote a page earlier (links made by a create, before the group phase sends the members), so
its writes cannot simply be dropped. :class:`RehearsalDatabase` gives it a store in which every
connection is the same one, inside one transaction that :func:`rehearsal` rolls back at the
end: the cycle sees its own writes, nobody else ever does, and nothing stays.

On SQLite the plain-SQL units (a cycle's page writes, link reads) run inline on the sqlite3
connection, and SQLAlchemy's units run through aiosqlite on that same connection, so both see
one transaction (one lock keeps them from running at once); inline, a cycle's page costs what
it costs in a real cycle. The rehearsal holds the store's write lock from its first write to
its end (seconds for an incremental plan); other writers wait for it as they wait for a
cycle's page. On PostgreSQL other sessions go on reading and writing; rows the rehearsal
changed (the job's state) wait for it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from scimitar.store import Database
from scimitar.store.fastsql import AsyncSQL, InlineSQLite, SQLConnection, open_sqlite

__all__ = ["RehearsalDatabase", "rehearsal"]


def _sqlite_rehearsal_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's recipe for real SAVEPOINTs on pysqlite/aiosqlite: the driver must not begin
    # transactions by itself; the "begin" listener below does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


class RehearsalDatabase(Database):
    """A :class:`Database` whose every connection is one connection in one open transaction.

    Write units become savepoints, so a unit that fails rolls back alone, as it would on its
    own transaction. Units of several tasks (pages in flight) take turns on the connection; a
    task may nest units inside its own.
    """

    def __init__(
        self, base: Database, connection: AsyncConnection, raw: sqlite3.Connection | None = None
    ) -> None:
        # Not Database.__init__: no engine of its own, the connection is lent by rehearsal().
        self.url = base.url
        self.is_sqlite = base.is_sqlite
        self.engine = base.engine
        self._connection = connection
        self._raw = raw
        self._turn = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None
        self._depth = 0
        self._write_lock = None
        self._inline = None
        self._checkpointer = None
        self._batch_depth = 0

    @asynccontextmanager
    async def _use(self, *, is_write: bool) -> AsyncIterator[AsyncConnection]:
        task = asyncio.current_task()
        is_nested = self._holder is task and task is not None
        if not is_nested:
            await self._turn.acquire()
            self._holder = task
        self._depth += 1
        try:
            if is_write:
                async with self._connection.begin_nested():
                    yield self._connection
            else:
                yield self._connection
        finally:
            self._depth -= 1
            if not is_nested:
                self._holder = None
                self._turn.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """The rehearsal's connection, for reads."""
        async with self._use(is_write=False) as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A savepoint on the rehearsal's connection."""
        async with self._use(is_write=True) as conn:
            yield conn

    @asynccontextmanager
    async def fast_read(self) -> AsyncIterator[SQLConnection]:
        """The rehearsal's connection, as plain SQL."""
        async with self._use(is_write=False) as conn:
            yield AsyncSQL(conn) if self._raw is None else InlineSQLite(self._raw)

    def fast_write(
        self, *, is_single_write: bool = False
    ) -> AbstractAsyncContextManager[SQLConnection]:
        """A savepoint on the rehearsal's connection, as plain SQL."""
        del is_single_write
        return self._plain_write()

    @asynccontextmanager
    async def _plain_write(self) -> AsyncIterator[SQLConnection]:
        if self._raw is None:
            async with self._use(is_write=True) as conn:
                yield AsyncSQL(conn)
            return
        async with self._use(is_write=False), _Savepoint(self._raw) as unit:
            yield unit

    @asynccontextmanager
    async def fast_batch(self) -> AsyncIterator[None]:
        """Nothing to gather: every unit is already inside the one transaction."""
        yield

    def batch_write(self) -> AbstractAsyncContextManager[SQLConnection]:  # type: ignore[override]
        """A savepoint on the rehearsal's connection, as plain SQL."""
        return self._plain_write()

    def change_stamp(self) -> int | None:
        """No cache may trust a stamp inside the rehearsal."""
        return None

    async def migrate(self) -> None:
        """The store it lends from is migrated already."""

    async def dispose(self) -> None:
        """The connection belongs to :func:`rehearsal`, which closes it."""


class _Savepoint:
    """A unit of plain SQL inside the rehearsal's SQLite transaction (undone alone on error)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def __aenter__(self) -> SQLConnection:
        self._raw.execute("SAVEPOINT rehearsal_unit")
        return InlineSQLite(self._raw)

    async def __aexit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if kind is not None:
            self._raw.execute("ROLLBACK TO rehearsal_unit")
        self._raw.execute("RELEASE rehearsal_unit")


def _engine(database: Database) -> tuple[AsyncEngine, sqlite3.Connection | None]:
    """An engine of one connection; on SQLite, over a sqlite3 connection also used inline."""
    if not database.is_sqlite:
        return create_async_engine(database.url, poolclass=NullPool), None
    raw = open_sqlite(str(make_url(database.url).database))
    raw.execute("PRAGMA busy_timeout=15000")

    async def lend() -> Any:
        return await aiosqlite.Connection(lambda: raw, 64)

    engine = create_async_engine("sqlite+aiosqlite://", poolclass=NullPool, async_creator=lend)
    event.listen(engine.sync_engine, "connect", _sqlite_rehearsal_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine, raw


@asynccontextmanager
async def rehearsal(database: Database) -> AsyncIterator[RehearsalDatabase]:
    """A :class:`RehearsalDatabase` over ``database``; everything done in it is rolled back."""
    engine, raw = _engine(database)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            try:
                yield RehearsalDatabase(database, connection, raw)
            finally:
                await transaction.rollback()
    finally:
        await engine.dispose()
