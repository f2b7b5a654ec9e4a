"""``scimitar admin``: API keys for the admin API and the admin password for the portal."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scimitar.admin import MIN_PASSWORD_LENGTH, AdminAuth, APIKey
from scimitar.audit import Actor
from scimitar.cli import admin_backup
from scimitar.cli.output import JsonOption, emit, fail, run
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["app"]

app = typer.Typer(help="Admin sign-in: API keys and the portal password.", no_args_is_help=True)
key_app = typer.Typer(help="API keys of the REST admin API (/api/v1).", no_args_is_help=True)
app.add_typer(key_app, name="key")

KeyNameArgument = Annotated[
    str, typer.Argument(metavar="NAME", help="The key's name, e.g. ci-pipeline.")
]


@asynccontextmanager
async def _open_auth() -> AsyncIterator[AdminAuth]:
    database = await open_database(Settings())
    try:
        yield AdminAuth(database)
    finally:
        await database.dispose()


@key_app.command("create")
def key_create(name: KeyNameArgument, as_json: JsonOption = False) -> None:
    """Create an API key and print it; it is shown this once and stored only hashed."""

    async def body() -> None:
        async with _open_auth() as auth:
            made, key = await auth.keys.create(name, actor=Actor.cli())

        def render(console: Console) -> None:
            console.print(f"API key [bold]{made.name}[/] created:")
            console.print(key, markup=False)
            console.print(
                "It is shown this once; send it as 'Authorization: Bearer KEY'. "
                f"Revoke it with: scimitar admin key revoke {made.name}"
            )

        emit({**made.to_dict(), "key": key}, as_json=as_json, render=render)

    run(body)


@key_app.command("list")
def key_list(as_json: JsonOption = False) -> None:
    """List API keys (names and times; never the keys)."""

    async def body() -> None:
        async with _open_auth() as auth:
            found = await auth.keys.list()
        emit([k.to_dict() for k in found], as_json=as_json, render=_render_keys(found))

    run(body)


def _render_keys(found: list[APIKey]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        if not found:
            console.print("No API keys. Create one with: scimitar admin key create NAME")
            return
        table = Table("name", "id", "created", "last used")
        for item in found:
            used = item.last_used_at.isoformat(timespec="minutes") if item.last_used_at else "never"
            table.add_row(item.name, item.id, item.created_at.isoformat(timespec="minutes"), used)
        console.print(table)

    return render


@key_app.command("revoke")
def key_revoke(name: KeyNameArgument, as_json: JsonOption = False) -> None:
    """Revoke (delete) an API key by name or id; requests with it fail at once."""

    async def body() -> None:
        async with _open_auth() as auth:
            revoked = await auth.keys.revoke(name, actor=Actor.cli())
        emit(
            {"revoked": revoked.to_dict()},
            as_json=as_json,
            render=lambda c: c.print(f"Revoked API key {revoked.name} ({revoked.id})"),
        )

    run(body)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line, as `docker login --password-stdin` reads it; the newline is not part of it.
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("no terminal to prompt for the password on; pipe it with --password-stdin")
    password: str = typer.prompt(
        f"New admin password (at least {MIN_PASSWORD_LENGTH} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )
    return password


@app.command("set-password")
def set_password(
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Set the admin password the portal's sign-in asks for (replaces the old one)."""
    password = _read_password(password_stdin)

    async def body() -> None:
        async with _open_auth() as auth:
            when = await auth.set_password(password, actor=Actor.cli())
        emit(
            {"passwordSet": True, "updatedAt": when.isoformat()},
            as_json=as_json,
            render=lambda c: c.print("Admin password set."),
        )

    run(body)


app.command("backup")(admin_backup.backup)
app.command("restore")(admin_backup.restore)
