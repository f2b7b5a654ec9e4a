"""Noticing changes that other processes commit, for ``scimitar serve``'s real-time runner.

A change made in the serving process wakes the runner through the process's
:class:`~scimitar.store.signals.ChangeSignal`. A change made by another process — the CLI
writing to the same SQLite file, an API server on another machine — reaches it here:

- **SQLite**: once a second at most, ``PRAGMA data_version`` (microseconds, no table read)
  says whether any other connection committed since the last look; only then are the three
  stamps read that move with a change (the change feed's counter, the scope change log's
  newest row, the audit log's newest record: every admin edit of a job is audited, the
  engine's own writes are not, so a run does not wake the next). While nothing is written
  nothing is read.
- **PostgreSQL**: a connection of its own ``LISTEN``s on
  :data:`~scimitar.store.signals.CHANNEL`, where every announcing transaction's ``NOTIFY``
  arrives when it commits, whichever machine made it. If that connection drops, every app is
  woken once it is back (a notification may have been missed meanwhile).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy.engine import make_url

from scimitar.store import Database
from scimitar.store.signals import ALL_APPS, CHANNEL

__all__ = ["StoreWatcher"]

log = structlog.get_logger("scimitar.realtime")

_STAMPS = (
    "SELECT (SELECT value FROM directory_counter WHERE name = 'change'), "
    "(SELECT max(id) FROM app_scope_change), (SELECT max(id) FROM audit_record)"
)


class StoreWatcher:
    """Calls ``on_change`` with the apps other processes changed.

    Args:
        database: The store.
        on_change: Called with the changed apps' ids (:data:`ALL_APPS` for all).
        every: Seconds between two looks at a SQLite store (at least 1 by design).
    """

    def __init__(
        self,
        database: Database,
        on_change: Callable[[frozenset[str]], None],
        *,
        every: float = 1.0,
    ) -> None:
        self._db = database
        self._on_change = on_change
        self._every = every
        self._version: int | None = None
        self._stamps: tuple[Any, ...] | None = None
        self.looks = 0  # stamp reads made: what an idle store costs (bench/latency.py)

    async def run(self, stopping: asyncio.Event) -> None:
        """Watch until ``stopping`` is set."""
        if self._db.is_sqlite:
            await self._poll(stopping)
        else:
            await self._listen(stopping)

    async def refresh(self) -> None:
        """Take the store as seen now (a run is about to read it): later changes only count."""
        if self._db.is_sqlite:
            self._version = self._db.change_stamp()
            self._stamps = await self._read_stamps()

    async def _read_stamps(self) -> tuple[Any, ...]:
        self.looks += 1
        async with self._db.fast_read() as conn:
            row = await conn.fetch_one(_STAMPS, {})
        return tuple(row) if row is not None else ()

    async def _poll(self, stopping: asyncio.Event) -> None:
        if self._stamps is None:
            await self.refresh()
        while not await _stopped(stopping, self._every):
            try:
                version = self._db.change_stamp()
                if version == self._version:
                    continue
                self._version = version
                stamps = await self._read_stamps()
                if stamps != self._stamps:
                    self._stamps = stamps
                    self._on_change(frozenset({ALL_APPS}))
            except Exception:  # a busy or briefly locked store: look again next time
                log.exception("store_watch_failed")

    async def _listen(self, stopping: asyncio.Event) -> None:
        import asyncpg  # type: ignore[import-untyped]  # only on PostgreSQL

        dsn = make_url(self._db.url).set(drivername="postgresql").render_as_string(False)
        while not stopping.is_set():
            try:
                conn = await asyncpg.connect(dsn, timeout=10)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                log.warning("store_listen_connect_failed")
                await _stopped(stopping, self._every)
                continue
            try:
                await conn.add_listener(CHANNEL, self._notified)
                self._on_change(frozenset({ALL_APPS}))  # anything missed while not listening
                while not conn.is_closed() and not await _stopped(stopping, self._every):
                    pass
            finally:
                if not conn.is_closed():
                    await conn.close()

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self._on_change(frozenset({str(payload)}))


async def _stopped(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` or until ``stopping``; whether it is set."""
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
