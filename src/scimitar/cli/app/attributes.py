"""``scimitar app attributes APP list|add|remove``: the target attribute list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from scimitar.apps.attributes import TargetAttributeDefinition, new_custom_attribute, type_named
from scimitar.apps.mappings import object_type_named
from scimitar.audit import Actor
from scimitar.cli.app.context import AppArgument, ObjectOption, open_apps
from scimitar.cli.output import JsonOption, emit, run

__all__ = ["attributes_app"]

attributes_app = typer.Typer(
    help="An app's target attribute list: what mappings can target.", no_args_is_help=True
)
NameArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="e.g. urn:ietf:params:scim:schemas:extension:contoso:2.0:User:badge"
    ),
]


@attributes_app.callback()
def _select_app(ctx: typer.Context, key: AppArgument) -> None:
    ctx.obj = key


def _render(attributes: Sequence[TargetAttributeDefinition]) -> Any:
    def render(console: Console) -> None:
        table = Table("type", "multi-valued", "required", "refers to", "from")
        # Extension URNs are long: fold them rather than cut them.
        table.columns.insert(0, Column("name", overflow="fold"))
        for a in attributes:
            table.add_row(
                a.name,
                a.type.value,
                "yes" if a.is_multi_valued else "",
                "yes" if a.is_required else "",
                a.referenced_object or "",
                a.origin.value,
            )
        console.print(table)

    return render


def _emit(attributes: Sequence[TargetAttributeDefinition], as_json: bool) -> None:
    emit([a.to_dict() for a in attributes], as_json=as_json, render=_render(attributes))


@attributes_app.command("list")
def list_(
    ctx: typer.Context, object_type: ObjectOption = "user", as_json: JsonOption = False
) -> None:
    """List the target attributes of users (or --object group), with their types."""

    async def body() -> None:
        async with open_apps() as services:
            _emit(await services.attributes.list(ctx.obj, object_type), as_json)

    run(body)


@attributes_app.command("add")
def add(
    ctx: typer.Context,
    name: NameArgument,
    kind: Annotated[
        str,
        typer.Option("--type", help="String, Boolean, Integer, DateTime or Reference (any case)."),
    ] = "String",
    is_multi_valued: Annotated[
        bool, typer.Option("--multi-valued", help="The attribute holds several values.")
    ] = False,
    is_required: Annotated[
        bool, typer.Option("--required", help="The app needs a value to create an object.")
    ] = False,
    refers_to: Annotated[
        str | None,
        typer.Option("--refers-to", help="For --type reference: the object type, User or Group."),
    ] = None,
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Add a target attribute (e.g. a custom extension attribute) that mappings can target."""

    async def body() -> None:
        kind_of = object_type_named(object_type)
        attribute = new_custom_attribute(
            kind_of,
            name,
            type_named(kind),
            is_multi_valued=is_multi_valued,
            is_required=is_required,
            referenced_object=refers_to,
        )
        async with open_apps() as services:
            _emit(
                await services.attributes.add(ctx.obj, kind_of, attribute, actor=Actor.cli()),
                as_json,
            )

    run(body)


@attributes_app.command("remove")
def remove(
    ctx: typer.Context,
    name: NameArgument,
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Remove a target attribute you added (remove its mapping first)."""

    async def body() -> None:
        async with open_apps() as services:
            _emit(
                await services.attributes.remove(ctx.obj, object_type, name, actor=Actor.cli()),
                as_json,
            )

    run(body)
