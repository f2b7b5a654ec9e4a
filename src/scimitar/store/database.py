"""The database handle: one async engine per process, migrations applied on open."""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from scimitar.errors import ConfigError
from scimitar.security.filemodes import make_private_sqlite
from scimitar.settings import Settings
from scimitar.store.fastsql import (
    INLINE_BUSY_TIMEOUT_MS,
    AsyncSQL,
    InlineSQLite,
    SingleWriteSQLite,
    SQLConnection,
    is_locked,
    open_sqlite,
)
from scimitar.store.signals import ChangeSignal, take_announced
from scimitar.store.walcheckpoint import WalCheckpointer

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["Database", "open_database"]

MIGRATIONS = Path(__file__).parent / "migrations"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
#: How long a batch write waits for another process's SQLite write lock (as ``write`` does).
BATCH_LOCK_WAIT_SECONDS = 15.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class Database:
    """An async SQLAlchemy engine plus the write discipline its backend needs.

    SQLite allows one writer at a time; writes in this process are serialised by an asyncio
    lock so that concurrent requests queue instead of failing with ``database is locked``.
    Other processes (a CLI next to a running server) wait on SQLite's busy timeout.
    """

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername not in SUPPORTED_DRIVERS:
            raise ConfigError(
                f"database URL {parsed.render_as_string(hide_password=True)!r}: driver "
                f"{parsed.drivername!r} is not supported; use one of {', '.join(SUPPORTED_DRIVERS)}"
            )
        self.url = url
        self.is_sqlite = parsed.drivername.startswith("sqlite")
        if self.is_sqlite and parsed.database not in (None, "", ":memory:"):
            make_private_sqlite(Path(parsed.database))
        self.engine: AsyncEngine = create_async_engine(url, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._write_lock: asyncio.Lock | None = None
        self._inline: sqlite3.Connection | None = None
        self._checkpointer: WalCheckpointer | None = None
        self._batch_depth = 0
        #: Committed changes that should wake the engine (:mod:`scimitar.store.signals`).
        self.changes = ChangeSignal()

    @property
    def write_lock(self) -> asyncio.Lock:
        """The lock that serialises this process's write transactions on SQLite."""
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (no transaction is committed)."""
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, committed on success and rolled back on error.

        What the transaction announced (:func:`scimitar.store.signals.announce`) reaches
        :attr:`changes` once it has committed.
        """
        if not self.is_sqlite:
            async with self.engine.begin() as conn, _announcing(conn) as announced:
                yield conn
        else:
            async with (
                self.write_lock,
                self.engine.begin() as conn,
                _announcing(conn) as announced,
            ):
                yield conn
        self.changes.notify(announced)

    def _inline_connection(self) -> sqlite3.Connection:
        if self._inline is None:
            path = str(make_url(self.url).database)
            self._inline = open_sqlite(path)
            if path not in ("", ":memory:"):
                # Its commits leave checkpoints to a thread (see scimitar.store.walcheckpoint).
                self._inline.execute("PRAGMA wal_autocheckpoint=0")
                self._checkpointer = WalCheckpointer(path)
                self._checkpointer.start()
        return self._inline

    def change_stamp(self) -> int | None:
        """On SQLite, a number that changes whenever another connection commits; else None.

        SQLite's ``PRAGMA data_version`` costs microseconds. A cache of rows that only other
        connections change (tenant settings, changed by the CLI or the admin API) stays valid
        while the stamp stays the same, so a running server sees such changes at once.
        """
        if not self.is_sqlite:
            return None
        row = self._inline_connection().execute("PRAGMA data_version").fetchone()
        return int(row[0])

    @asynccontextmanager
    async def fast_read(self) -> AsyncIterator[SQLConnection]:
        """A read for a request's hot path: inline sqlite3, or pooled async on PostgreSQL.

        The inline read is one short transaction, so it never pins old WAL frames.
        """
        if not self.is_sqlite:
            async with self.engine.connect() as conn:
                yield AsyncSQL(conn)
            return
        connection = self._inline_connection()
        if self._batch_depth:
            yield InlineSQLite(connection)
            return
        connection.execute("BEGIN")
        try:
            yield InlineSQLite(connection)
        finally:
            connection.execute("COMMIT")

    def fast_write(
        self, *, is_single_write: bool = False
    ) -> AbstractAsyncContextManager[SQLConnection]:
        """A write transaction for a request's hot path (see :mod:`scimitar.store.fastsql`).

        Callers must not await anything but the connection's methods inside it.

        Args:
            is_single_write: The unit writes with one statement, its last (reads may come
                before it). Inside a batch such a unit needs no savepoint, since SQLite undoes
                a failed statement by itself; its connection refuses statements after the
                write, and an error raised after it fails the whole batch.
        """
        if self._batch_depth and is_single_write:
            return _SingleWriteUnit(self._inline_connection())
        return self._fast_write()

    @asynccontextmanager
    async def _fast_write(self) -> AsyncIterator[SQLConnection]:
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                yield AsyncSQL(conn)
            return
        connection = self._inline_connection()
        if self._batch_depth:
            # One name for every unit: units nest last-in first-out, and SQLite's ROLLBACK TO
            # and RELEASE act on the newest savepoint of a name, so a constant name is enough,
            # and its statements stay in the connection's statement cache.
            connection.execute("SAVEPOINT unit")
            try:
                yield InlineSQLite(connection)
            except BaseException:
                connection.execute("ROLLBACK TO unit")
                connection.execute("RELEASE unit")
                raise
            connection.execute("RELEASE unit")
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield InlineSQLite(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @asynccontextmanager
    async def fast_batch(self) -> AsyncIterator[None]:
        """One SQLite transaction around many :meth:`fast_write` units (a Bulk request's).

        Inside it each ``fast_write`` is a savepoint (a single-write unit needs none): a unit
        that fails rolls back alone, the others commit together at the end, so a batch pays
        for one commit instead of one per unit. Callers must not await anything but inline
        store work inside it. On PostgreSQL it does nothing: each unit stays its own
        transaction.
        """
        if not self.is_sqlite:
            yield
            return
        connection = self._inline_connection()
        connection.execute("BEGIN IMMEDIATE")
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")
        finally:
            self._batch_depth -= 1

    @asynccontextmanager
    async def batch_write(self) -> AsyncIterator[SQLConnection]:
        """A write transaction of plain SQL for large batches (a sync cycle's pages).

        On SQLite it runs inline like :meth:`fast_write` (a batch of hundreds of rows costs a
        few milliseconds instead of a worker thread's round trips per statement), but it also
        holds this process's write lock, so it never waits on a transaction of this process,
        and it waits for another process's lock as long as :meth:`write` does, sleeping
        between attempts instead of blocking the event loop. On PostgreSQL it is :meth:`write`.
        Callers must not await anything but the connection's methods inside it.
        """
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                yield AsyncSQL(conn)
            return
        async with self.write_lock:
            connection = self._inline_connection()
            await _begin_immediate(connection)
            try:
                yield InlineSQLite(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    async def migrate(self) -> None:
        """Apply every Alembic migration not yet applied (idempotent).

        A store already at the newest migration, which is every command after the first, is
        recognised with one query and without importing Alembic (about a third of a short
        command's start-up, ``bench/cli.py``).
        """
        head = migrations_head()
        if head is not None and await self._revision() == head:
            return
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade_to_head)

    async def _revision(self) -> str | None:
        """The store's migration, or None when it has none yet (or no table for it)."""
        try:
            async with self.engine.connect() as conn:
                found = await conn.execute(text("SELECT version_num FROM alembic_version"))
                rows = found.all()
        except DBAPIError:
            return None
        return str(rows[0][0]) if len(rows) == 1 else None

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        await self.engine.dispose()


@asynccontextmanager
async def _announcing(conn: AsyncConnection) -> AsyncIterator[set[str]]:
    """Collects the transaction's announcements; a rolled-back transaction announces nothing."""
    announced: set[str] = set()
    try:
        yield announced
    except BaseException:
        take_announced(conn)
        raise
    announced.update(take_announced(conn))


class _SingleWriteUnit:
    """A single-write unit inside a batch: no savepoint (see :meth:`Database.fast_write`)."""

    __slots__ = ("_connection",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = SingleWriteSQLite(connection)

    async def __aenter__(self) -> SQLConnection:
        return self._connection

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _trace: object
    ) -> None:
        if error is not None and self._connection.has_written:
            # Its write cannot be undone alone: the batch must roll back.
            raise RuntimeError("a single-write unit failed after its write") from error


_REVISION = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision\s*=\s*(?:None|["\']([^"\']+)["\'])', re.M)


@functools.cache
def migrations_head() -> str | None:
    """The newest migration's revision, read from the migration files' text (no Alembic).

    None when the files do not have the one linear history this expects; callers then ask
    Alembic. A test checks it against Alembic's own head.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        text_ = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text_), _DOWN.search(text_)
        if revision is None or down is None:
            if path.name == "__init__.py":
                continue
            return None
        revisions.add(revision.group(1))
        if down.group(1) is not None:
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at Scimitar's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade_to_head(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


async def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """Open the store the settings name and bring its schema up to date."""
    database = Database(settings.resolved_database_url)
    if migrate:
        try:
            await database.migrate()
        except Exception:
            await database.dispose()
            raise
    return database


async def _begin_immediate(connection: sqlite3.Connection) -> None:
    """Take SQLite's write lock, retrying while another process holds it (about 15 s)."""
    delay = 0.002
    deadline = time.monotonic() + BATCH_LOCK_WAIT_SECONDS
    connection.execute("PRAGMA busy_timeout=0")  # wait here, asleep, not in SQLite's loop
    try:
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_locked(exc) or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
    finally:
        connection.execute(f"PRAGMA busy_timeout={INLINE_BUSY_TIMEOUT_MS}")
