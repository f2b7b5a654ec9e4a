"""Plain-SQL connections for request hot paths: raw sqlite3 inline, or SQLAlchemy on PostgreSQL.

Measured on these machines (docs/benchmarks.md): one indexed SQLite lookup costs about 450 us
through SQLAlchemy's async engine and aiosqlite's worker thread, 60 us through SQLAlchemy's
sync engine, and 6 us through sqlite3 directly. The embedded target serves thousands of
requests a second, so its statements are written once as portable SQL text with ``:name``
parameters and run by whichever connection fits the backend:

- :class:`InlineSQLite` runs them on the event-loop thread with the sqlite3 module. Its
  awaitables never suspend, so a transaction cannot interleave with another request; a write
  blocked by another process's lock waits at most ``busy_timeout`` and then fails.
- :class:`AsyncSQL` runs them through SQLAlchemy's async engine (asyncpg on PostgreSQL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = [
    "INTEGRITY_ERRORS",
    "AsyncSQL",
    "InlineSQLite",
    "Params",
    "Row",
    "SQLConnection",
    "SingleWriteSQLite",
    "as_sql",
    "in_list",
    "is_locked",
    "json_text",
    "open_sqlite",
    "timestamp",
]

# What a broken uniqueness constraint raises, on either connection kind.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, exc.IntegrityError)
Params = Mapping[str, Any]
Row = Sequence[Any]
INLINE_BUSY_TIMEOUT_MS = 2000


class SQLConnection(Protocol):
    """Run portable SQL text with ``:name`` parameters; rows come back as tuples."""

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``, for the few statements that must differ."""
        ...

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of a query."""
        ...

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, or None."""
        ...

    async def run(self, sql: str, params: Params | None = None) -> int:
        """Run a statement; returns how many rows it changed."""
        ...

    async def run_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement once per parameter set."""
        ...


def is_locked(error: BaseException) -> bool:
    """Whether an error is SQLite reporting another process's write lock."""
    is_operational = isinstance(error, sqlite3.OperationalError | exc.OperationalError)
    return is_operational and "locked" in str(error)


def json_text(conn: SQLConnection, column: str, key: str) -> str:
    """SQL reading the text of ``key`` from a JSON-text column, without parsing it in Python."""
    if conn.dialect == "postgresql":
        return f"(({column})::json ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def as_sql(conn: AsyncConnection | SQLConnection) -> SQLConnection:
    """``conn`` as a :class:`SQLConnection` (an SQLAlchemy connection is wrapped)."""
    return AsyncSQL(conn) if isinstance(conn, AsyncConnection) else conn


def timestamp(conn: SQLConnection, moment: datetime) -> Any:
    """A timezone-aware time as the store keeps it, for a plain-SQL parameter.

    On SQLite, the text SQLAlchemy writes for ``UTCDateTime`` (UTC, microseconds, no zone),
    so rows written here compare and read back like the ORM's; elsewhere the value itself.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; Scimitar stores timezone-aware UTC only")
    if conn.dialect == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def in_list(name: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """``(:name0, :name1, ...)`` and its parameters, for an ``IN`` clause."""
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return "(" + ", ".join(f":{key}" for key in params) + ")", params


def open_sqlite(path: str) -> sqlite3.Connection:
    """A sqlite3 connection in autocommit mode (transactions are explicit), WAL, short busy wait."""
    connection = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, cached_statements=256
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={INLINE_BUSY_TIMEOUT_MS}")
    return connection


class InlineSQLite:
    """A sqlite3 connection behind the async :class:`SQLConnection` methods."""

    __slots__ = ("_connection",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> str:
        """Always ``sqlite``."""
        return "sqlite"

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        return self._connection.execute(sql, params or {}).fetchall()

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        row: Row | None = self._connection.execute(sql, params or {}).fetchone()
        return row

    async def run(self, sql: str, params: Params | None = None) -> int:
        return self._connection.execute(sql, params or {}).rowcount

    async def run_many(self, sql: str, rows: Sequence[Params]) -> None:
        self._connection.executemany(sql, rows)


class SingleWriteSQLite(InlineSQLite):
    """An :class:`InlineSQLite` for a unit whose one write is its last statement.

    SQLite undoes a failed statement by itself, so such a unit needs no savepoint of its own
    inside a batch (:meth:`~scimitar.store.database.Database.fast_write`). Any statement after
    the write would break that, and is refused.
    """

    __slots__ = ("has_written",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        super().__init__(connection)
        self.has_written = False

    def _check_open(self) -> None:
        if self.has_written:
            raise RuntimeError("a single-write unit ran a statement after its write")

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        self._check_open()
        return await super().fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        self._check_open()
        return await super().fetch_one(sql, params)

    async def run(self, sql: str, params: Params | None = None) -> int:
        self._check_open()
        changed = await super().run(sql, params)
        self.has_written = True
        return changed

    async def run_many(self, sql: str, rows: Sequence[Params]) -> None:
        self._check_open()
        if len(rows) > 1:  # executemany is one statement per row: not undone as a whole
            raise RuntimeError("a single-write unit ran a statement for several rows")
        await super().run_many(sql, rows)
        self.has_written = bool(rows)


class AsyncSQL:
    """An SQLAlchemy ``AsyncConnection`` behind the :class:`SQLConnection` methods."""

    __slots__ = ("_connection",)

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> str:
        """The engine's dialect name (``postgresql`` in production)."""
        return str(self._connection.dialect.name)

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        result = await self._connection.execute(text(sql), dict(params or {}))
        return [tuple(row) for row in result]

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        result = await self._connection.execute(text(sql), dict(params or {}))
        row = result.first()
        return None if row is None else tuple(row)

    async def run(self, sql: str, params: Params | None = None) -> int:
        result = await self._connection.execute(text(sql), dict(params or {}))
        return int(result.rowcount)

    async def run_many(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            await self._connection.execute(text(sql), [dict(r) for r in rows])
