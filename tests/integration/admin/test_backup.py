"""``scimitar admin backup|restore`` on real stores: SQLite's backup API and pg_dump/pg_restore."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import threading
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scimitar.admin.backup import BackupError, backup_store, key_file_for, restore_store
from scimitar.cli.main import app as scimitar_cli
from scimitar.secrets import Secret, SecretBox
from scimitar.settings import Settings
from scimitar.store import open_database
from tests.conftest import PG_ADMIN_URL, _pg_admin


def _store(data: Path) -> Settings:
    settings = Settings(data_dir=data)

    async def make() -> None:
        database = await open_database(settings)
        await database.dispose()

    asyncio.run(make())
    return settings


def _cli(data: Path, *args: str) -> tuple[int, str, str]:
    env = {"SCIMITAR_DATA_DIR": str(data), "SCIMITAR_DATABASE_URL": None}
    result = CliRunner().invoke(scimitar_cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_a_backup_is_one_snapshot_while_another_connection_writes(tmp_path: Path) -> None:
    settings = _store(tmp_path / "live")
    database = Path(str(settings.resolved_database_url).split("///", 1)[1])
    with sqlite3.connect(database) as setup:
        setup.execute("CREATE TABLE pairs (n INTEGER)")
    stop, writing = threading.Event(), threading.Event()
    written: list[int] = []

    def write_pairs() -> None:
        # Each transaction adds two rows: a consistent snapshot always holds an even count.
        writer = sqlite3.connect(database, timeout=30)
        try:
            while not stop.is_set():
                writer.executemany("INSERT INTO pairs VALUES (?)", [(1,), (2,)])
                writer.commit()
                written.append(2)
                writing.set()
        finally:
            writer.close()

    thread = threading.Thread(target=write_pairs)
    thread.start()
    try:
        assert writing.wait(10)
        copies = [backup_store(settings, tmp_path / f"b{n}.sqlite3") for n in range(3)]
        during = len(written)
    finally:
        stop.set()
        thread.join()
    counts = []
    for made in copies:
        with sqlite3.connect(made.path) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            counts.append(copy.execute("SELECT count(*) FROM pairs").fetchone()[0])
        assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert all(count % 2 == 0 for count in counts), counts
    assert all(0 < count <= 2 * during for count in counts), (counts, during)


def test_backup_saves_the_key_apart_and_restore_brings_both_back(tmp_path: Path) -> None:
    live = tmp_path / "live"
    settings = _store(live)
    code, out, err = _cli(live, "app", "add", "scim", "--name", "Kept")
    assert code == 0, err
    # The token as `app credentials` stores it (that command also reads the app's schema).
    sealed = SecretBox.from_settings(settings).encrypt(Secret("the-secret-token"))
    with sqlite3.connect(live / "scimitar.sqlite3") as conn:
        conn.execute("UPDATE provisioning_job SET token_ciphertext = ?", (sealed,))
    backup = tmp_path / "out" / "store.bak"
    code, out, err = _cli(live, "admin", "backup", str(backup))
    assert code == 0, err
    key = key_file_for(backup)
    assert key.name == "store.bak.secret-key"
    assert key.read_bytes() == (live / "secret.key").read_bytes()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "without its key cannot decrypt" in out
    assert "the-secret-token" not in out + err
    assert b"the-secret-token" not in backup.read_bytes()

    code, _, err = _cli(live, "admin", "backup", str(backup))
    assert code != 0
    assert "exists" in err
    assert "--force" in err

    fresh = tmp_path / "fresh"
    code, out, err = _cli(fresh, "admin", "restore", str(backup), "--json")
    assert code == 0, err
    assert '"undecryptableTokens": 0' in out
    assert (fresh / "secret.key").read_bytes() == key.read_bytes()
    code, out, err = _cli(fresh, "app", "show", "Kept", "--json")
    assert code == 0, err
    assert "Kept" in out

    code, _, err = _cli(fresh, "admin", "restore", str(backup))
    assert code != 0
    assert "holds data" in err
    assert "--force" in err
    code, _, err = _cli(fresh, "admin", "restore", str(backup), "--force")
    assert code == 0, err


def test_restore_refuses_what_is_not_a_backup_and_a_foreign_key(tmp_path: Path) -> None:
    settings = _store(tmp_path / "live")
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    fresh = Settings(data_dir=tmp_path / "fresh")
    with pytest.raises(BackupError, match="neither a SQLite database"):
        restore_store(fresh, not_a_backup)
    with pytest.raises(BackupError, match="does not exist"):
        restore_store(fresh, tmp_path / "missing.bak")
    plain = tmp_path / "plain.sqlite3"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupError, match="not a Scimitar store"):
        restore_store(fresh, plain)

    SecretBox.from_settings(settings)  # creates the live store's key
    made = backup_store(settings, tmp_path / "b.sqlite3")
    SecretBox.from_settings(fresh)  # the fresh store already has a key of its own
    with pytest.raises(BackupError, match="another key"):
        restore_store(fresh, made.path)
    assert not Path(str(fresh.resolved_database_url).split("///", 1)[1]).exists()


@pytest.mark.postgres
def test_postgresql_backup_and_restore_through_pg_dump(tmp_path: Path) -> None:
    names = [f"scimitar_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for name in names:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    source = Settings(data_dir=tmp_path / "a", database_url=f"{base}/{names[0]}")
    target = Settings(data_dir=tmp_path / "b", database_url=f"{base}/{names[1]}")
    try:

        async def make() -> None:
            database = await open_database(source)
            await database.dispose()

        asyncio.run(make())
        made = backup_store(source, tmp_path / "pg.dump")
        assert made.backend == "postgresql"
        assert made.path.read_bytes().startswith(b"PGDMP")
        done = restore_store(target, made.path)
        assert done.backend == "postgresql"
        with pytest.raises(BackupError, match="holds data"):
            restore_store(target, made.path)
        restore_store(target, made.path, force=True)
        with pytest.raises(BackupError, match="is a postgresql backup but this store is sqlite"):
            restore_store(Settings(data_dir=tmp_path / "c"), made.path)
    finally:
        for name in names:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
