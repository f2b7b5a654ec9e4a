"""A store that forgets: every read and write of a dry run on one transaction, rolled back.

A plan (``scimitar app plan``) runs the cycle's own code — scope, matching, mapping, the
planning table, the deletion threshold, the group and reference phases — so that what it shows
is what the cycle would do, not what a second implementation guesses. That code reads what it
wrote a page earlier (links made by a create, before the group phase sends the members), so
its writes cannot simply be dropped. :class:`RehearsalDatabase` gives it a store in which every
connection is the same one, inside one transaction that :func:`rehearsal` rolls back at the
end: the cycle sees its own writes, nobody else ever does, and nothing stays.

On SQLite the rehearsal holds the store's write lock from its first write to its end (seconds
for an incremental plan); other writers wait for it as they wait for a cycle's page. On
PostgreSQL other sessions go on reading and writing; rows the rehearsal changed (the job's
state) wait for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from scimitar.store import Database
from scimitar.store.fastsql import AsyncSQL, SQLConnection

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

    def __init__(self, base: Database, connection: AsyncConnection) -> None:
        # Not Database.__init__: no engine of its own, the connection is lent by rehearsal().
        self.url = base.url
        self.is_sqlite = base.is_sqlite
        self.engine = base.engine
        self._connection = connection
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
            yield AsyncSQL(conn)

    def fast_write(
        self, *, is_single_write: bool = False
    ) -> AbstractAsyncContextManager[SQLConnection]:
        """A savepoint on the rehearsal's connection, as plain SQL."""
        del is_single_write
        return self._plain_write()

    @asynccontextmanager
    async def _plain_write(self) -> AsyncIterator[SQLConnection]:
        async with self._use(is_write=True) as conn:
            yield AsyncSQL(conn)

    @asynccontextmanager
    async def fast_batch(self) -> AsyncIterator[None]:
        """Nothing to gather: every unit is already inside the one transaction."""
        yield

    @asynccontextmanager
    async def batch_write(self) -> AsyncIterator[SQLConnection]:
        """A savepoint on the rehearsal's connection, as plain SQL."""
        async with self._use(is_write=True) as conn:
            yield AsyncSQL(conn)

    def change_stamp(self) -> int | None:
        """No cache may trust a stamp inside the rehearsal."""
        return None

    async def migrate(self) -> None:
        """The store it lends from is migrated already."""

    async def dispose(self) -> None:
        """The connection belongs to :func:`rehearsal`, which closes it."""


@asynccontextmanager
async def rehearsal(database: Database) -> AsyncIterator[RehearsalDatabase]:
    """A :class:`RehearsalDatabase` over ``database``; everything done in it is rolled back."""
    engine = create_async_engine(database.url, poolclass=NullPool)
    if database.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_rehearsal_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            try:
                yield RehearsalDatabase(database, connection)
            finally:
                await transaction.rollback()
    finally:
        await engine.dispose()
