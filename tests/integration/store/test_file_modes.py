"""The store's files are private: data directory 0700, SQLite files and key file 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app as scimitar_cli
from scimitar.errors import ConfigError
from scimitar.secrets import SecretBox
from scimitar.settings import Settings
from scimitar.store import Database, open_database


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _open_umask() -> Iterator[None]:
    """A permissive umask, as on many servers: modes must not depend on it."""
    previous = os.umask(0o002)
    yield
    os.umask(previous)


async def test_a_new_store_is_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    SecretBox.from_settings(settings)
    database = await open_database(settings)
    try:
        async with database.write() as conn:
            await conn.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
        files = sorted(path.name for path in settings.data_dir.iterdir())
        assert _mode(settings.data_dir) == 0o700
        for name in files:
            assert _mode(settings.data_dir / name) == 0o600, name
        assert {"scimitar.sqlite3", "scimitar.sqlite3-wal", "secret.key"} <= set(files)
    finally:
        await database.dispose()


async def test_an_existing_database_open_to_others_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.touch()
    path.chmod(0o644)
    database = Database(f"sqlite+aiosqlite:///{path}")
    await database.dispose()
    assert _mode(path) == 0o600


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    SecretBox.from_settings(settings)
    settings.key_file.chmod(0o644)
    with pytest.raises(ConfigError, match=r"mode 644.*chmod 600"):
        SecretBox.from_settings(settings)


def test_the_cli_names_the_key_file_and_the_fix(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    SecretBox.from_settings(settings)
    settings.key_file.chmod(0o640)
    env = {"SCIMITAR_DATA_DIR": str(settings.data_dir), "SCIMITAR_DATABASE_URL": None}
    result = CliRunner().invoke(scimitar_cli, ["app", "list"], env=env)
    assert result.exit_code != 0
    assert f"chmod 600 {settings.key_file}" in result.stderr
    assert "Traceback" not in result.stderr
