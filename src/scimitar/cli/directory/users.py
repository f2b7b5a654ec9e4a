"""``scimitar directory user ...``: add, set, show, list, disable, enable, delete, restore."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scimitar.cli.directory.context import (
    OverrideOption,
    open_directory,
    parse_pairs,
    render_attributes,
)
from scimitar.cli.output import JsonOption, emit, run
from scimitar.directory.model import User

__all__ = ["app", "user_document"]

app = typer.Typer(help="Directory users.", no_args_is_help=True)

UserArg = Annotated[str, typer.Argument(help="objectId or userPrincipalName.")]
PairsArg = Annotated[list[str] | None, typer.Argument(help="NAME=VALUE pairs (Entra names).")]


def user_document(user: User) -> dict[str, Any]:
    """The user as printed: its attributes for the mapping engine, and when it was deleted."""
    document = user.to_attributes()
    document["deletedDateTime"] = user.deleted_at.isoformat() if user.deleted_at else None
    return document


def _show(user: User, as_json: bool) -> None:
    document = user_document(user)
    emit(document, as_json=as_json, render=render_attributes(user.user_principal_name, document))


@app.command("add")
def add(
    upn: Annotated[str, typer.Argument(help="userPrincipalName.")],
    pairs: PairsArg = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user: `add ada@contoso.com givenName=Ada jobTitle=Engineer`.

    `objectId=GUID` sets the objectId; other names are Entra attributes, `extension_<name>`
    included. Lists (proxyAddresses) take `a;b`, booleans `true`/`false`.
    """

    async def body() -> None:
        values = {"userPrincipalName": upn, **parse_pairs(pairs or [])}
        object_id = values.pop("objectId", None)
        async with open_directory() as directory:
            _show(await directory.users.create(values, object_id=object_id), as_json)

    run(body)


@app.command("set")
def set_attributes(
    user: UserArg,
    pairs: Annotated[list[str], typer.Argument(help="NAME=VALUE pairs; NAME= clears.")],
    override_source: OverrideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Change attributes: `set ada@contoso.com jobTitle=Engineer mobile=`."""

    async def body() -> None:
        async with open_directory() as directory:
            changed = await directory.users.update(
                user, parse_pairs(pairs), override_source=override_source
            )
            _show(changed, as_json)

    run(body)


@app.command("show")
def show(user: UserArg, as_json: JsonOption = False) -> None:
    """Print one user with every attribute."""

    async def body() -> None:
        async with open_directory() as directory:
            _show(await directory.users.get(user), as_json)

    run(body)


@app.command("list")
def list_users(
    deleted: Annotated[
        bool, typer.Option("--deleted", help="List soft-deleted users instead.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List users with their attributes (live ones, or with --deleted the recycle bin)."""

    async def body() -> None:
        users: list[User] = []
        async with open_directory() as directory:
            cursor: str | None = None
            while True:
                page = await directory.source.read_users(cursor, 1000)
                users.extend(user for user in page.items if user.is_deleted == deleted)
                if (cursor := page.cursor) is None:
                    break
        emit(
            [user_document(user) for user in users],
            as_json=as_json,
            render=lambda c: _table(c, users),
        )

    run(body)


def _table(console: Console, users: list[User]) -> None:
    table = Table(
        "userPrincipalName", "displayName", "jobTitle", "department", "enabled", "objectId"
    )
    for user in users:
        get = user.attributes.get
        enabled = "yes" if get("accountEnabled", True) else "no"
        table.add_row(
            user.user_principal_name,
            get("displayName"),
            get("jobTitle"),
            get("department"),
            enabled,
            user.object_id,
        )
    console.print(table)
    console.print(f"{len(users)} users")


def _enable(user: str, *, is_enabled: bool, override_source: bool, as_json: bool) -> None:
    async def body() -> None:
        async with open_directory() as directory:
            changed = await directory.users.set_enabled(
                user, is_enabled=is_enabled, override_source=override_source
            )
            _show(changed, as_json)

    run(body)


@app.command("disable")
def disable(
    user: UserArg, override_source: OverrideOption = False, as_json: JsonOption = False
) -> None:
    """Block sign-in (accountEnabled=false); provisioning then disables the app account."""
    _enable(user, is_enabled=False, override_source=override_source, as_json=as_json)


@app.command("enable")
def enable(
    user: UserArg, override_source: OverrideOption = False, as_json: JsonOption = False
) -> None:
    """Allow sign-in again (accountEnabled=true)."""
    _enable(user, is_enabled=True, override_source=override_source, as_json=as_json)


@app.command("delete")
def delete(
    user: UserArg,
    hard: Annotated[
        bool, typer.Option("--hard", help="Delete for good now, skipping the recycle bin.")
    ] = False,
    override_source: OverrideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Soft-delete a user (restorable for SCIMITAR_DIRECTORY_SOFT_DELETE_DAYS), or --hard."""

    async def body() -> None:
        async with open_directory() as directory:
            found = await directory.users.get(user)
            await directory.users.delete(user, hard=hard, override_source=override_source)
        result = {
            "objectId": found.object_id,
            "userPrincipalName": found.user_principal_name,
            "deleted": "hard" if hard else "soft",
        }
        emit(
            result,
            as_json=as_json,
            render=lambda c: c.print(f"{result['deleted']}-deleted {found.user_principal_name}"),
        )

    run(body)


@app.command("restore")
def restore(
    user: UserArg, override_source: OverrideOption = False, as_json: JsonOption = False
) -> None:
    """Bring a soft-deleted user back with its attributes and memberships."""

    async def body() -> None:
        async with open_directory() as directory:
            _show(await directory.users.restore(user, override_source=override_source), as_json)

    run(body)
