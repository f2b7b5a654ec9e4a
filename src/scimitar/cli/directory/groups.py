"""``scimitar directory group ...``: add, set, show, list, delete, restore, members."""

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
from scimitar.directory.model import Group

__all__ = ["app", "group_document"]

app = typer.Typer(help="Directory groups and their members.", no_args_is_help=True)

GroupArg = Annotated[str, typer.Argument(help="objectId or displayName.")]
MembersArg = Annotated[
    list[str],
    typer.Argument(
        help="Users (objectId or userPrincipalName) or groups (objectId or displayName)."
    ),
]


def group_document(group: Group) -> dict[str, Any]:
    """The group as printed: attributes, direct members, and when it was deleted."""
    document = group.to_attributes()
    document["deletedDateTime"] = group.deleted_at.isoformat() if group.deleted_at else None
    return document


def _show(group: Group, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    document = {**group_document(group), **(extra or {})}
    shown = {**document, "members": [m["objectId"] for m in document["members"]]}
    emit(document, as_json=as_json, render=render_attributes(group.display_name, shown))


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="displayName.")],
    pairs: Annotated[list[str] | None, typer.Argument(help="NAME=VALUE pairs.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a group: `add "Sales EMEA" description="Sales in Europe" securityEnabled=true`."""

    async def body() -> None:
        values = {"displayName": name, **parse_pairs(pairs or [])}
        object_id = values.pop("objectId", None)
        async with open_directory() as directory:
            _show(await directory.groups.create(values, object_id=object_id), as_json)

    run(body)


@app.command("set")
def set_attributes(
    group: GroupArg,
    pairs: Annotated[list[str], typer.Argument(help="NAME=VALUE pairs; NAME= clears.")],
    override_source: OverrideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Change attributes: `set Sales description="All sellers"`."""

    async def body() -> None:
        async with open_directory() as directory:
            changed = await directory.groups.update(
                group, parse_pairs(pairs), override_source=override_source
            )
            _show(changed, as_json)

    run(body)


@app.command("show")
def show(group: GroupArg, as_json: JsonOption = False) -> None:
    """Print one group with its attributes and direct members."""

    async def body() -> None:
        async with open_directory() as directory:
            _show(await directory.groups.get(group), as_json)

    run(body)


@app.command("list")
def list_groups(
    deleted: Annotated[
        bool, typer.Option("--deleted", help="List soft-deleted groups instead.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List groups with their attributes and members."""

    async def body() -> None:
        groups: list[Group] = []
        async with open_directory() as directory:
            cursor: str | None = None
            while True:
                page = await directory.source.read_groups(cursor, 200)
                groups.extend(group for group in page.items if group.is_deleted == deleted)
                if (cursor := page.cursor) is None:
                    break
        emit(
            [group_document(g) for g in groups], as_json=as_json, render=lambda c: _table(c, groups)
        )

    run(body)


def _table(console: Console, groups: list[Group]) -> None:
    table = Table("displayName", "members", "security", "objectId")
    for group in groups:
        security = "yes" if group.attributes.get("securityEnabled") else "no"
        table.add_row(group.display_name, str(len(group.members)), security, group.object_id)
    console.print(table)
    console.print(f"{len(groups)} groups")


@app.command("delete")
def delete(
    group: GroupArg,
    hard: Annotated[bool, typer.Option("--hard", help="Delete for good now.")] = False,
    override_source: OverrideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Soft-delete a group (restorable within the window), or --hard."""

    async def body() -> None:
        async with open_directory() as directory:
            found = await directory.groups.get(group)
            await directory.groups.delete(
                found.object_id, hard=hard, override_source=override_source
            )
        result = {
            "objectId": found.object_id,
            "displayName": found.display_name,
            "deleted": "hard" if hard else "soft",
        }
        emit(
            result,
            as_json=as_json,
            render=lambda c: c.print(f"{result['deleted']}-deleted {found.display_name}"),
        )

    run(body)


@app.command("restore")
def restore(
    group: GroupArg, override_source: OverrideOption = False, as_json: JsonOption = False
) -> None:
    """Bring a soft-deleted group back with its members."""

    async def body() -> None:
        async with open_directory() as directory:
            _show(await directory.groups.restore(group, override_source=override_source), as_json)

    run(body)


@app.command("add-member")
def add_member(
    group: GroupArg,
    members: MembersArg,
    override_source: OverrideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Add direct members; nested groups are stored as members, never expanded."""

    async def body() -> None:
        async with open_directory() as directory:
            changed, count = await directory.groups.add_members(
                group, members, override_source=override_source
            )
        _show(changed, as_json, {"added": count})

    run(body)


@app.command("remove-member")
def remove_member(
    group: GroupArg,
    members: MembersArg,
    override_source: OverrideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Remove direct members (names that are not members are ignored)."""

    async def body() -> None:
        async with open_directory() as directory:
            changed, count = await directory.groups.remove_members(
                group, members, override_source=override_source
            )
        _show(changed, as_json, {"removed": count})

    run(body)
