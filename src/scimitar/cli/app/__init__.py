"""``scimitar app``: apps from the gallery, their assignments and provisioning configuration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scimitar.apps import Assignment
from scimitar.audit import Actor
from scimitar.cli import status
from scimitar.cli.app import (
    accounts,
    attributes,
    config,
    control,
    mappings,
    plan,
    provision,
    provisioning,
    sync,
)
from scimitar.cli.app.context import AppArgument, open_apps, render_config
from scimitar.cli.output import JsonOption, emit, run

__all__ = ["app"]

app = typer.Typer(
    help="Apps (instances of gallery templates): assignments and provisioning.",
    no_args_is_help=True,
)
provisioning.register(app)
control.register(app)
app.add_typer(mappings.mappings_app, name="mappings")
app.add_typer(mappings.scoping_app, name="scoping")
app.add_typer(attributes.attributes_app, name="attributes")
app.add_typer(config.config_app, name="config")
app.command("status")(status.status)
app.command("sync")(sync.sync)
app.command("provision")(provision.provision)
app.command("plan")(plan.plan)
app.command("drift")(accounts.drift)
app.command("orphans")(accounts.orphans)

UserOption = Annotated[
    str | None, typer.Option("--user", help="A user's userPrincipalName or objectId.")
]
GroupOption = Annotated[
    str | None, typer.Option("--group", help="A group's displayName or objectId.")
]
RoleOption = Annotated[
    str | None,
    typer.Option("--role", help="An app role of the template (default: Default Access)."),
]


@app.command("add")
def add(
    template: Annotated[str, typer.Argument(metavar="TEMPLATE", help="A gallery template id.")],
    name: Annotated[str, typer.Option("--name", help="The app's name, unique.")],
    as_json: JsonOption = False,
) -> None:
    """Add an app from a gallery template; prints its id."""

    async def body() -> None:
        async with open_apps() as services:
            added = await services.apps.add(template, name, actor=Actor.cli())
        emit(
            added.to_dict(),
            as_json=as_json,
            render=lambda c: c.print(f"Added {added.name} ({added.template_id}): {added.id}"),
        )

    run(body)


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """List apps."""

    async def body() -> None:
        async with open_apps() as services:
            found = await services.apps.list()
        values = [item.to_dict() for item in found]

        def render(console: Console) -> None:
            table = Table("name", "template", "id")
            for value in values:
                table.add_row(value["name"], value["template"], value["id"])
            console.print(table)

        emit(values, as_json=as_json, render=render)

    run(body)


@app.command("show")
def show(key: AppArgument, as_json: JsonOption = False) -> None:
    """Show an app's provisioning configuration (never its token)."""

    async def body() -> None:
        async with open_apps() as services:
            config = await services.provisioning.config(key)
        document = config.to_dict()
        document["targetAttributes"] = {
            object_type: list(config.target_attributes(object_type))
            for object_type in config.template.object_types
        }
        emit(document, as_json=as_json, render=render_config(config))

    run(body)


@app.command("delete")
def delete(key: AppArgument, as_json: JsonOption = False) -> None:
    """Delete an app, its assignments and its job (accounts in the app stay as they are)."""

    async def body() -> None:
        async with open_apps() as services:
            deleted = await services.apps.delete(key, actor=Actor.cli())
        emit(
            {"deleted": deleted.to_dict()},
            as_json=as_json,
            render=lambda c: c.print(f"Deleted app {deleted.name} ({deleted.id})"),
        )

    run(body)


@app.command("assign")
def assign(
    key: AppArgument,
    user: UserOption = None,
    group: GroupOption = None,
    role: RoleOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign a user or a group (its direct members) to the app with an app role."""

    async def body() -> None:
        async with open_apps() as services:
            made = await services.assignments.assign(
                key, user=user, group=group, role=role, actor=Actor.cli()
            )
        emit(
            made.to_dict(),
            as_json=as_json,
            render=lambda c: c.print(f"Assigned {made.display} as {made.role}"),
        )

    run(body)


@app.command("unassign")
def unassign(
    key: AppArgument,
    user: UserOption = None,
    group: GroupOption = None,
    role: RoleOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a user's or group's assignments (only the one with --role if given)."""

    async def body() -> None:
        async with open_apps() as services:
            removed = await services.assignments.unassign(
                key, user=user, group=group, role=role, actor=Actor.cli()
            )
        emit(
            {"removed": removed},
            as_json=as_json,
            render=lambda c: c.print(f"Removed {removed} assignment(s)"),
        )

    run(body)


@app.command("assignments")
def assignments(key: AppArgument, as_json: JsonOption = False) -> None:
    """List the users and groups assigned to the app, with their roles."""

    async def body() -> None:
        async with open_apps() as services:
            found = await services.assignments.list(key)
        emit([a.to_dict() for a in found], as_json=as_json, render=_render_assignments(found))

    run(body)


def _render_assignments(found: list[Assignment]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table("type", "name", "role", "objectId")
        for item in found:
            table.add_row(item.principal_type.value, item.display, item.role, item.principal_id)
        console.print(table)

    return render
