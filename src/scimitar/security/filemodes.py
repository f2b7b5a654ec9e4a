"""File modes of the store's files: the data directory 0700, the database and key files 0600.

What Scimitar creates, it creates private: the data directory (``SCIMITAR_DATA_DIR``) 0700, the
SQLite database and its ``-wal`` and ``-shm`` files 0600 (SQLite gives those two the mode of the
database file), and the key file 0600. An existing database file that others can read is
tightened to 0600 with a warning. An existing key file that others can read is refused: whoever
could read it can decrypt every stored Secret Token, so the admin must see it, tighten it and
consider replacing the tokens (docs/security.md). On Windows, where modes mean little, nothing
is checked.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import structlog

from scimitar.errors import ConfigError

__all__ = [
    "DIRECTORY_MODE",
    "FILE_MODE",
    "check_private_file",
    "make_private_directory",
    "make_private_sqlite",
]

log = structlog.get_logger("scimitar.security")

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
_CHECKS_MODES = os.name == "posix"


def _others_may_access(path: Path) -> int | None:
    """The file's mode if its group or others have any access, else ``None``."""
    mode = stat.S_IMODE(path.stat().st_mode)
    return mode if mode & 0o077 else None


def make_private_directory(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by its owner only; existing ones stay."""
    if path.is_dir():
        return
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    if _CHECKS_MODES:
        # mkdir's mode passes through the umask; say it exactly.
        os.chmod(path, DIRECTORY_MODE)


def make_private_sqlite(database: Path) -> None:
    """Create the SQLite file 0600 before SQLite does, or tighten it (and its WAL files)."""
    make_private_directory(database.parent)
    if not _CHECKS_MODES:
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for suffix in _SQLITE_SUFFIXES:
        path = database.with_name(database.name + suffix)
        try:
            wide = _others_may_access(path)
        except FileNotFoundError:
            continue
        if wide is not None:
            os.chmod(path, FILE_MODE)
            log.warning("store_file_mode_tightened", path=str(path), was=oct(wide), now="0o600")


def check_private_file(path: Path, what: str) -> None:
    """Refuse a secret file that others may read.

    Raises:
        ConfigError: Naming the file, its mode and the command that fixes it.
    """
    if not _CHECKS_MODES:
        return
    wide = _others_may_access(path)
    if wide is not None:
        raise ConfigError(
            f"{what} {path} has mode {oct(wide)[2:]}: other users of this machine may read it, "
            f"and with it decrypt every stored Secret Token. Run `chmod 600 {path}`; if someone "
            "else may have read it, enter each app's Secret Token again after replacing it"
        )
