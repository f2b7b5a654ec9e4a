"""Change signals: a committed change wakes the engine at once instead of at its next cycle.

Every write that changes what an app should hold — a directory change (the change feed's
append), an assignment (the scope change log's append), an admin's edit of a job's settings,
mappings or scoping — calls :func:`announce` inside its transaction. After the transaction
commits, :meth:`scimitar.store.Database.write` hands the announced apps to the process's
:class:`ChangeSignal`, whose listeners (``scimitar serve``'s real-time runner) start a run.
On PostgreSQL :func:`announce` also sends ``NOTIFY`` on :data:`CHANNEL`, which PostgreSQL
delivers to every listening session only if the transaction commits, so a change made on one
machine wakes the engine on another.

A signal is only a hint: the change feed and the scope change log stay the source of truth, so
a lost signal delays a change until the next signal or cycle and never loses it
(docs/provisioning.md "Real-time runs").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["ALL_APPS", "CHANNEL", "ChangeListener", "ChangeSignal", "announce", "take_announced"]

#: The PostgreSQL ``LISTEN``/``NOTIFY`` channel.
CHANNEL = "scimitar_changes"
#: The payload naming every app (a directory change concerns them all).
ALL_APPS = "*"
#: Where a transaction's announcements wait for its commit (the connection's ``info``).
_KEY = "scimitar.announced"

#: Called with the ids of the apps a committed transaction changed (:data:`ALL_APPS` for all).
ChangeListener = Callable[[frozenset[str]], None]


async def announce(conn: AsyncConnection, app_id: str | None = None) -> None:
    """Say that this transaction changes what ``app_id`` (every app when None) should hold."""
    payload = app_id or ALL_APPS
    announced: set[str] = conn.info.setdefault(_KEY, set())
    if payload in announced:
        return
    announced.add(payload)
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
        )


def take_announced(conn: AsyncConnection) -> frozenset[str]:
    """The apps announced in the connection's transaction, forgotten from then on."""
    announced: set[str] | None = conn.info.pop(_KEY, None)
    return frozenset(announced or ())


class ChangeSignal:
    """The process's fan-out of committed changes to whoever listens (no listener: nothing)."""

    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener`` after every announcing commit; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def notify(self, app_ids: Iterable[str]) -> None:
        """Tell every listener that these apps changed."""
        changed = frozenset(app_ids)
        if not changed:
            return
        for listener in list(self._listeners):
            listener(changed)
