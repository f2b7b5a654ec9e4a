"""Backups of the store, and their restore (``scimitar admin backup|restore``).

SQLite: an online snapshot through SQLite's backup API (https://sqlite.org/backup.html), taken
in one step, so it is one consistent read of the database while ``scimitar serve`` goes on
writing (the store runs in WAL mode: a reader never blocks the writer). PostgreSQL: the command
drives ``pg_dump --format=custom`` and ``pg_restore``, which take a consistent snapshot too.

The key that encrypts the secrets at rest (``secret.key`` in the data dir) is never inside the
backup: it is written to a file of its own next to it, named so that nobody mistakes it for
part of the backup. Keep the two apart; a backup without its key restores everything but the
secrets (app tokens, client secrets, the SMTP password), which must then be entered again.
See docs/operations.md, "Backups".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from scimitar.errors import ConfigError, ScimitarError
from scimitar.security.filemodes import make_private_directory
from scimitar.settings import Settings

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_store",
    "key_file_for",
    "restore_store",
]

#: What a key file saved next to backup ``FILE`` is called.
KEY_SUFFIX = ".secret-key"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_CUSTOM_MAGIC = b"PGDMP"
_PRIVATE = 0o600


class BackupError(ScimitarError):
    """A backup or restore that cannot be done as asked; the message says why and the fix."""


@dataclass(frozen=True)
class BackupResult:
    """What ``backup_store`` wrote."""

    path: Path
    key_path: Path | None
    backend: str
    size: int


@dataclass(frozen=True)
class RestoreResult:
    """What ``restore_store`` replaced."""

    path: Path
    backend: str
    store: str
    key_restored: bool


def key_file_for(backup: Path) -> Path:
    """Where the key of backup ``backup`` is saved by default."""
    return backup.with_name(backup.name + KEY_SUFFIX)


def backup_store(
    settings: Settings, destination: Path, *, key_path: Path | None = None, force: bool = False
) -> BackupResult:
    """Write a consistent snapshot of the store to ``destination``, and its key beside it.

    Raises:
        BackupError: ``destination`` (or the key's file) exists and ``force`` is off, a path
            cannot be written, the store is missing, or ``pg_dump`` fails.
    """
    try:
        return _backup_store(settings, destination, key_path=key_path, force=force)
    except OSError as exc:
        raise BackupError(_os_problem(exc, destination)) from exc


def restore_store(
    settings: Settings, source: Path, *, key_path: Path | None = None, force: bool = False
) -> RestoreResult:
    """Replace the store (and its key) with backup ``source``.

    A store that holds data is overwritten only with ``force``; so is a key file that differs
    from the backup's. The store is then migrated by the caller's next open.

    Raises:
        BackupError: ``source`` is not a backup of this store's kind, the store holds data and
            ``force`` is off, a path cannot be read or written, or the key file given does
            not exist.
    """
    try:
        return _restore_store(settings, source, key_path=key_path, force=force)
    except OSError as exc:
        raise BackupError(_os_problem(exc, source)) from exc


def _os_problem(exc: OSError, given: Path) -> str:
    where = exc.filename if exc.filename is not None else given
    shown = str(where) if len(str(where)) <= 120 else str(where)[:117] + "..."
    return f"{shown}: {exc.strerror or exc}; give a path that can be read and written"


def _backup_store(
    settings: Settings, destination: Path, *, key_path: Path | None = None, force: bool = False
) -> BackupResult:
    _check_file_path(destination, "the backup FILE")
    if key_path is not None:
        _check_file_path(key_path, "--key-file")
    key_to = key_path or key_file_for(destination)
    if key_to.resolve() == destination.resolve():
        raise BackupError("the key file and the backup must be two different files")
    for path, what in ((destination, "the backup"), (key_to, "the key file")):
        if path.exists() and not force:
            raise BackupError(f"{what} {path} exists; choose another path or pass --force")
    make_private_directory(destination.parent)
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        size = _backup_sqlite(Path(url.database or ""), destination)
        backend = "sqlite"
    else:
        size = _pg_dump(settings.resolved_database_url, destination)
        backend = "postgresql"
    saved_key = _copy_private(settings.key_file, key_to) if settings.key_file.exists() else None
    return BackupResult(destination, saved_key, backend, size)


def _restore_store(
    settings: Settings, source: Path, *, key_path: Path | None = None, force: bool = False
) -> RestoreResult:
    _check_file_path(source, "the backup FILE")
    if key_path is not None:
        _check_file_path(key_path, "--key-file")
    if not source.is_file():
        raise BackupError(f"the backup {source} does not exist or is not a file")
    with source.open("rb") as handle:
        head = handle.read(16)
    url = make_url(settings.resolved_database_url)
    backend = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    kind = (
        "sqlite"
        if head.startswith(_SQLITE_MAGIC)
        else "postgresql"
        if head.startswith(_PG_CUSTOM_MAGIC)
        else None
    )
    if kind is None:
        raise BackupError(
            f"{source} is neither a SQLite database nor a pg_dump custom-format archive; "
            "give a file written by scimitar admin backup"
        )
    if kind != backend:
        raise BackupError(
            f"{source} is a {kind} backup but this store is {backend} "
            f"({_safe_url(settings.resolved_database_url)}); restore it into a {kind} store"
        )
    key_from = key_path or key_file_for(source)
    if key_path is not None and not key_path.is_file():
        raise BackupError(f"the key file {key_path} does not exist")
    key_restored = key_from.is_file()
    if (
        key_restored
        and not force
        and settings.key_file.exists()
        and settings.key_file.read_bytes().strip() != key_from.read_bytes().strip()
    ):
        raise BackupError(
            f"{settings.key_file} holds another key than the backup's ({key_from}); "
            "pass --force to replace it"
        )
    if backend == "sqlite":
        target = Path(url.database or "")
        if _sqlite_holds_data(target) and not force:
            raise BackupError(
                f"the store {target} holds data; stop scimitar serve and pass --force to "
                "overwrite it, or point SCIMITAR_DATA_DIR at a fresh directory"
            )
        _restore_sqlite(source, target)
    else:
        _pg_restore(settings.resolved_database_url, source, force=force)
    if key_restored:
        _copy_private(key_from, settings.key_file)
    return RestoreResult(source, backend, _safe_url(settings.resolved_database_url), key_restored)


def _check_file_path(path: Path, what: str) -> None:
    if not path.name or path.is_dir() or str(path).endswith(("/", "\\")):
        raise BackupError(
            f"{what} must name a file, not {str(path)!r}: for example /backups/scimitar.sqlite3"
        )


def _backup_sqlite(database: Path, destination: Path) -> int:
    if not database.is_file():
        raise BackupError(f"there is no store at {database} to back up")
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
        try:
            copy = sqlite3.connect(partial)
            try:
                # One step (pages=-1): a single read transaction, so the copy is one snapshot.
                source.backup(copy, pages=-1)
                _check_integrity(copy, destination)
            finally:
                copy.close()
        finally:
            source.close()
        os.chmod(partial, _PRIVATE)
        _fsync(partial)
        os.replace(partial, destination)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup of {database} failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size


def _restore_sqlite(source: Path, target: Path) -> None:
    make_private_directory(target.parent)
    partial = target.with_name(f".{target.name}.restoring")
    partial.unlink(missing_ok=True)
    try:
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            _check_integrity(backup, source)
            copy = sqlite3.connect(partial)
            try:
                backup.backup(copy, pages=-1)
            finally:
                copy.close()
        finally:
            backup.close()
        os.chmod(partial, _PRIVATE)
        _fsync(partial)
        for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            stale.unlink(missing_ok=True)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"{source} cannot be restored: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def _check_integrity(connection: sqlite3.Connection, name: Path) -> None:
    verdict = connection.execute("PRAGMA integrity_check").fetchone()
    if verdict is None or verdict[0] != "ok":
        raise BackupError(f"{name} fails SQLite's integrity check: {verdict}")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "alembic_version" not in tables:
        raise BackupError(f"{name} is a SQLite database but not a Scimitar store")


def _sqlite_holds_data(database: Path) -> bool:
    if not database.exists():
        return False
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.Error:
        return True
    try:
        count = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        return True
    finally:
        connection.close()
    return bool(count and count[0])


def _pg_dump(url: str, destination: Path) -> int:
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _run_pg_tool(
            "pg_dump",
            ["--format=custom", "--no-owner", "--file", str(partial)],
            url,
        )
        os.chmod(partial, _PRIVATE)
        _fsync(partial)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size


def _pg_restore(url: str, source: Path, *, force: bool) -> None:
    if not force and _pg_holds_data(url):
        raise BackupError(
            f"the store {_safe_url(url)} holds data; stop scimitar serve and pass --force to "
            "overwrite it, or point SCIMITAR_DATABASE_URL at an empty database"
        )
    _run_pg_tool(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
        url,
    )


def _pg_holds_data(url: str) -> bool:
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    result = _run_pg_tool("psql", ["-At", "-c", query], url)
    return result.strip() not in ("", "0")


def _run_pg_tool(tool: str, arguments: list[str], url: str) -> str:
    executable = _pg_executable(tool)
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = parsed.password
    connection = [
        "--dbname",
        parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - a PostgreSQL client tool found on the PATH
            [executable, *connection, *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
    except OSError as exc:
        raise BackupError(f"{tool} could not run: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{tool} failed: {detail[-1] if detail else done.returncode}")
    return done.stdout


def _pg_executable(tool: str) -> str:
    found = shutil.which(tool)
    if found is not None:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), key=_version_of)
    if candidates:
        return str(candidates[-1])
    raise ConfigError(
        f"{tool} is not installed; install PostgreSQL's client tools "
        "(Debian: apt-get install postgresql-client) and run the command again"
    )


def _version_of(path: Path) -> tuple[int, ...]:
    with contextlib.suppress(ValueError):
        return tuple(int(part) for part in path.parent.parent.name.split("."))
    return (0,)


def _copy_private(source: Path, destination: Path) -> Path:
    make_private_directory(destination.parent)
    partial = destination.with_name(f".{destination.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(source.read_bytes())
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(partial, _PRIVATE)
    os.replace(partial, destination)
    return destination


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
