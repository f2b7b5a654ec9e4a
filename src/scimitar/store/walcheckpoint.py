"""WAL checkpoints on a thread of their own, off the event loop.

SQLite in WAL mode appends every commit to the ``-wal`` file; a *checkpoint* copies those pages
back into the database file and syncs it to disk. By default the connection that commits
when the WAL passes 1,000 pages runs the checkpoint itself, inside its ``COMMIT``. For the
inline connection Scimitar's hot paths use (a sync cycle's pages, the embedded target's
requests) that is the event loop's thread: every few pages a commit stalls on copying and
``fsync``, and nothing else runs meanwhile.

:class:`WalCheckpointer` turns that off for the inline connection and runs passive
checkpoints from a thread with its own connection instead, a few times a second. A passive
checkpoint waits for no reader or writer: it copies what it can and leaves the rest for the
next one; SQLite releases the GIL while it copies and syncs, so the loop goes on working. The
WAL still stays small: it is reused from the start once a checkpoint has caught up.
"""

from __future__ import annotations

import sqlite3
import threading

import structlog

from scimitar.store.fastsql import is_locked

__all__ = ["CHECKPOINT_INTERVAL_SECONDS", "WalCheckpointer"]

log = structlog.get_logger("scimitar.store")

#: How often the thread checkpoints (a cycle writes about 2 MiB of WAL in that time).
CHECKPOINT_INTERVAL_SECONDS = 0.1


class WalCheckpointer:
    """A daemon thread that checkpoints one SQLite database's WAL until stopped.

    Args:
        path: The database file.
        interval: Seconds between checkpoints.
    """

    def __init__(self, path: str, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self.checkpoints = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"scimitar-wal-checkpoint:{path}", daemon=True
        )

    def start(self) -> None:
        """Start checkpointing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the checkpoint under way, if any (SQLite checkpoints again on close)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def is_running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread.is_alive()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA busy_timeout=0")  # never wait: the next tick tries again
            while not self._stopping.wait(self.interval):
                self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:
            # Busy or locked: another process's checkpoint is running. Either way the next
            # tick tries again; the thread never dies, or the WAL would only grow.
            level = log.debug if is_locked(exc) else log.warning
            level("wal_checkpoint_failed", path=self.path, error=str(exc))
            return
        self.checkpoints += 1
