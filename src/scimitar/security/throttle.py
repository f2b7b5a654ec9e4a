"""Backing off authentication failures per client address and per account, in the store.

Failed portal sign-ins and 401s of the admin API and the SCIM target are counted per key: the
client's address (``portal:addr:203.0.113.7``) and the account tried (``portal:account:admin``,
``api:key:<key id>``, ``target:tenant:<tenant id>``). The first ``free_failures`` failures in a
window cost nothing; each one after blocks its keys for twice as long as the one before
(1 s, 2 s, 4 s ... up to ``max_delay``), and a blocked key is answered 429 with ``Retry-After``
without its credentials being checked. Failures that arrive while a key is blocked (requests that
were in flight together) neither count nor extend the block. A success clears the account's
count.

The counts live in the ``auth_throttle`` table, so every process sharing the store (``scimitar
serve`` behind a load balancer, over PostgreSQL) backs off together. A library such as
``limits`` keeps its counters in memory, Redis or Memcached; Scimitar's deployments have only
the store, so this small limiter keeps them there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.clock import utcnow
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.security import AUTH_THROTTLE as table

__all__ = ["AuthThrottle", "ThrottlePolicy", "ThrottledError", "client_address"]


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """How failures are forgiven and punished.

    Attributes:
        free_failures: Failures in a window before the first delay.
        window: How long failures are remembered (counting starts at the first).
        max_delay: The longest block one failure can cause.
    """

    free_failures: int = 10
    window: timedelta = timedelta(minutes=15)
    max_delay: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        """The policy ``SCIMITAR_AUTH_*`` sets."""
        return cls(
            settings.auth_free_failures,
            timedelta(seconds=settings.auth_failure_window_seconds),
            timedelta(seconds=settings.auth_max_delay_seconds),
        )

    def delay_after(self, failures: int) -> timedelta | None:
        """How long the ``failures``-th failure in a window blocks, if at all."""
        over = failures - self.free_failures
        if over < 0:
            return None
        seconds = min(self.max_delay.total_seconds(), 2.0 ** min(over, 32))
        return timedelta(seconds=seconds)


_BLOCKED_SQL = "SELECT key, blocked_until FROM auth_throttle WHERE blocked_until IS NOT NULL AND ("
#: How long this process trusts what it read of the blocks (seconds).
_KNOWN_FOR = 1.0
_MAX_KNOWN = 10_000


class ThrottledError(Exception):
    """Too many failures: answer 429 with ``Retry-After``.

    Attributes:
        retry_after: Whole seconds until the block ends.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; retry after {retry_after} seconds")
        self.retry_after = retry_after


class AuthThrottle:
    """Counts authentication failures in the store and says when a client must wait.

    Args:
        database: The store.
        policy: The thresholds.
        clock: The current time (injectable so tests can move it).
    """

    def __init__(
        self,
        database: Database,
        policy: ThrottlePolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self.policy = policy or ThrottlePolicy()
        self._clock = clock
        self._known: dict[str, datetime | None] = {}
        self._read_at = 0.0

    async def check(self, keys: Sequence[str]) -> None:
        """Pass if none of ``keys`` is blocked.

        Raises:
            ThrottledError: One is; with the seconds until the last of them is free.
        """
        now = self._clock()
        known = self._known_blocks()
        missing = [key for key in dict.fromkeys(keys) if key not in known]
        if missing:
            found = await self._read_blocks(missing)
            for key in missing:
                known[key] = found.get(key)
        until = [moment for key in keys if (moment := known[key]) is not None and moment > now]
        if until:
            raise ThrottledError(_seconds(max(until) - now))

    def _known_blocks(self) -> dict[str, datetime | None]:
        """What this process last read of each key's block, for up to a second.

        Every request of the target passes :meth:`check`: a store read each time cost about
        50 us on SQLite (inline), a tenth of a small request, and even asking SQLite whether
        another connection wrote (``PRAGMA data_version``) costs 15 to 20 us here. So what was
        read is trusted for :data:`_KNOWN_FOR` seconds: a block this process sets applies at
        once (counting a failure forgets what was read), one set by another process at most
        that much later.
        """
        moment = time.monotonic()
        if moment - self._read_at > _KNOWN_FOR or len(self._known) > _MAX_KNOWN:
            self._known = {}
            self._read_at = moment
        return self._known

    async def _read_blocks(self, keys: Sequence[str]) -> dict[str, datetime]:
        names = {f"k{index}": key for index, key in enumerate(keys)}
        sql = _BLOCKED_SQL + " OR ".join(f"key = :{name}" for name in names) + ")"
        async with self._db.fast_read() as conn:
            rows = await conn.fetch_all(sql, names)
        return {str(row[0]): _moment(row[1]) for row in rows}

    async def failed(self, keys: Sequence[str]) -> int | None:
        """Count a failure against each key; the seconds they are now blocked for, if any."""
        now = self._clock()
        blocked: list[timedelta] = []
        self._known = {}
        async with self._db.write() as conn:
            await self._sweep(conn, now)
            for key in dict.fromkeys(keys):
                delay = await self._count(conn, key, now)
                if delay is not None:
                    blocked.append(delay)
        return _seconds(max(blocked)) if blocked else None

    async def succeeded(self, keys: Sequence[str]) -> None:
        """Forget the failures of ``keys`` (an account that signed in)."""
        self._known = {}
        async with self._db.write() as conn:
            await conn.execute(delete(table).where(table.c.key.in_(list(keys))))

    async def _count(self, conn: AsyncConnection, key: str, now: datetime) -> timedelta | None:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        await conn.execute(
            insert(table)
            .values(key=key, failures=0, window_started_at=now, blocked_until=None)
            .on_conflict_do_nothing(index_elements=[table.c.key])
        )
        row = (await conn.execute(select(table).where(table.c.key == key).with_for_update())).one()
        if row.blocked_until is not None and _moment(row.blocked_until) > now:
            # Sent before the block was known (requests in flight together): such a burst is
            # one step of backoff, not one per request, or 64 requests in flight with a token
            # just revoked would block their address for the longest delay at once.
            return _moment(row.blocked_until) - now
        is_stale = _moment(row.window_started_at) + self.policy.window <= now
        failures = 1 if is_stale else row.failures + 1
        delay = self.policy.delay_after(failures)
        await conn.execute(
            update(table)
            .where(table.c.key == key)
            .values(
                failures=failures,
                window_started_at=now if is_stale else row.window_started_at,
                blocked_until=None if delay is None else now + delay,
            )
        )
        return delay

    async def _sweep(self, conn: AsyncConnection, now: datetime) -> None:
        """Drop counts whose window is over and that block nothing (the table stays small)."""
        await conn.execute(
            delete(table).where(
                and_(
                    table.c.window_started_at <= now - self.policy.window,
                    or_(table.c.blocked_until.is_(None), table.c.blocked_until <= now),
                )
            )
        )


def client_address(scope: Mapping[str, Any]) -> str:
    """The client's address as the server saw it (behind a proxy: see docs/security.md)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _moment(value: datetime | str) -> datetime:
    """A stored time as timezone-aware UTC (inline SQLite reads give text)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _seconds(span: timedelta) -> int:
    return max(1, math.ceil(span.total_seconds()))
