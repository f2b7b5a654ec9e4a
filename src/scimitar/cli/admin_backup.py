"""``scimitar admin backup|restore``: a consistent snapshot of the store, and its key apart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import text

from scimitar.admin.backup import backup_store, restore_store
from scimitar.cli.output import JsonOption, emit, run
from scimitar.errors import ConfigError
from scimitar.secrets import SecretBox
from scimitar.settings import Settings
from scimitar.store import Database, open_database

__all__ = ["backup", "restore"]

FileArgument = Annotated[Path, typer.Argument(metavar="FILE", help="The backup file.")]
KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        metavar="KEYFILE",
        help="Where the secrets' key is saved (backup) or read from (restore); "
        "default: FILE.secret-key.",
    ),
]


def backup(
    file: FileArgument,
    key_file: KeyFileOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite FILE and the key file if they exist.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write a consistent snapshot of the store to FILE while scimitar serve runs.

    The key that encrypts the stored secrets goes to a separate file (FILE.secret-key): keep it
    apart from the backup; without it the backup's secrets cannot be decrypted.
    """

    async def body() -> None:
        settings = Settings()
        # Open (and migrate) first: a missing store is an error, not an empty backup.
        database = await open_database(settings)
        await database.dispose()
        made = backup_store(settings, file, key_path=key_file, force=force)

        def render(console: Console) -> None:
            console.print(
                f"Backup of the {made.backend} store written to {made.path}", markup=False
            )
            if made.key_path is None:
                console.print("The store has no key file yet, so it holds no encrypted secrets.")
                return
            console.print(f"Its secrets' key written to {made.key_path}", markup=False)
            console.print(
                "Keep the key apart from the backup (another disk, a secrets vault): the backup "
                "without its key cannot decrypt the app tokens and other secrets it holds, and "
                "the key with the backup gives them away."
            )

        emit(
            {
                "backup": str(made.path),
                "keyFile": str(made.key_path) if made.key_path else None,
                "backend": made.backend,
                "bytes": made.size,
            },
            as_json=as_json,
            render=render,
        )

    run(body)


def restore(
    file: FileArgument,
    key_file: KeyFileOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Overwrite a store that holds data, and a different key file."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Replace the store (SCIMITAR_DATA_DIR or SCIMITAR_DATABASE_URL) with backup FILE.

    Stop scimitar serve first. A store holding data is overwritten only with --force. The
    secrets' key is restored from FILE.secret-key (or --key-file) when it is there.
    """

    async def body() -> None:
        settings = Settings()
        done = restore_store(settings, file, key_path=key_file, force=force)
        database = await open_database(settings)  # brings an older backup up to date
        try:
            undecryptable = await _undecryptable_tokens(database, settings)
        finally:
            await database.dispose()

        def render(console: Console) -> None:
            console.print(f"Restored {done.path} into the {done.backend} store {done.store}")
            if not done.key_restored:
                console.print(
                    "No key file came with the backup: the store's secrets cannot be decrypted "
                    "unless the data dir's secret.key is the one the backup was taken with."
                )
            if undecryptable:
                console.print(
                    f"{undecryptable} app token(s) cannot be decrypted with the key in place: "
                    "restore the backup's key (--key-file) or enter the tokens again with "
                    "scimitar app credentials."
                )

        emit(
            {
                "restored": str(done.path),
                "backend": done.backend,
                "store": done.store,
                "keyRestored": done.key_restored,
                "undecryptableTokens": undecryptable,
            },
            as_json=as_json,
            render=render,
        )

    run(body)


async def _undecryptable_tokens(database: Database, settings: Settings) -> int:
    """How many stored app tokens the key in place cannot decrypt."""
    async with database.read() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT token_ciphertext FROM provisioning_job "
                    "WHERE token_ciphertext IS NOT NULL"
                )
            )
        ).all()
    if not rows:
        return 0
    box = SecretBox.from_settings(settings)
    failed = 0
    for (ciphertext,) in rows:
        try:
            box.decrypt(ciphertext)
        except ConfigError:
            failed += 1
    return failed
