"""WAL checkpoints run on their own thread, not in the inline connection's commits."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from scimitar.store import Database
from scimitar.store.walcheckpoint import WalCheckpointer

ROW = "x" * 2000


def _checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("scimitar-wal-checkpoint:")]


async def test_the_inline_connection_leaves_checkpoints_to_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    database = Database(f"sqlite+aiosqlite:///{path}")
    before = set(_checkpointers())
    try:
        async with database.batch_write() as conn:
            await conn.run("CREATE TABLE probe (id INTEGER PRIMARY KEY, data TEXT)")
        checkpointer = database._checkpointer
        assert isinstance(checkpointer, WalCheckpointer)
        assert checkpointer.is_running
        async with database.fast_read() as conn:
            row = await conn.fetch_one("PRAGMA wal_autocheckpoint")
        assert row is not None
        assert row[0] == 0
        # 4 MiB in ten commits, a little apart: the thread checkpoints between them, so the
        # WAL is reused from its start instead of growing (nothing else checkpoints here).
        for _ in range(10):
            async with database.batch_write() as conn:
                rows = [{"data": ROW} for _ in range(200)]
                await conn.run_many("INSERT INTO probe (data) VALUES (:data)", rows)
            await asyncio.sleep(0.25)
        assert checkpointer.checkpoints > 10
        assert Path(f"{path}-wal").stat().st_size < 2 * 1024 * 1024
    finally:
        await database.dispose()
    assert set(_checkpointers()) - before == set()


async def test_a_store_in_memory_has_no_checkpoint_thread() -> None:
    database = Database("sqlite+aiosqlite:///:memory:")
    try:
        async with database.fast_read() as conn:
            await conn.fetch_one("SELECT 1")
        assert database._checkpointer is None
    finally:
        await database.dispose()


def test_a_failing_checkpoint_is_logged_and_tried_again(tmp_path: Path) -> None:
    """The thread outlives errors: if it died, the WAL would only grow."""
    not_a_database = tmp_path / "garbage.sqlite3"
    not_a_database.write_bytes(b"this is not an SQLite file" * 200)
    checkpointer = WalCheckpointer(str(not_a_database), interval=0.01)
    checkpointer.start()
    try:
        for _ in range(200):
            if not checkpointer.is_running:
                break
            threading.Event().wait(0.005)
        assert checkpointer.is_running
    finally:
        checkpointer.stop()
    assert not checkpointer.is_running
