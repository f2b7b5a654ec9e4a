"""``scimitar source mappings NAME ...`` and ``scimitar source scoping NAME ...``.

Inbound mappings: targets are the directory's attributes (userPrincipalName, givenName,
department, manager...), sources are the source's attribute names; the same expression
language, matching precedence and scoping filters as ``app mappings``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scimitar import jsonlimits
from scimitar.apps.mapping_edits import MappingEdit
from scimitar.apps.mappings import object_type_named
from scimitar.audit import Actor
from scimitar.cli.app.context import render_mapping_set
from scimitar.cli.files import read_text, write_text
from scimitar.cli.output import JsonOption, emit, fail, run
from scimitar.cli.source.context import SourceArgument, open_sources, render_source
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import FlowType, MappingSet, SourceType, TargetType

__all__ = ["mappings_app", "scoping_app"]

mappings_app = typer.Typer(
    help="A source's inbound attribute mappings and matching.", no_args_is_help=True
)
scoping_app = typer.Typer(
    help="A source's scoping filters (on the source's attributes).", no_args_is_help=True
)
ObjectOption = Annotated[str, typer.Option("--object", help="user or group: which object mapping.")]
TargetArgument = Annotated[str, typer.Argument(metavar="TARGET", help="A directory attribute.")]
FilterOption = Annotated[str, typer.Option("--filter", help="The scoping filter's name.")]
_APPLY = {"always": FlowType.ALWAYS, "create": FlowType.OBJECT_ADD_ONLY}


@mappings_app.callback()
@scoping_app.callback()
def _select_source(ctx: typer.Context, key: SourceArgument) -> None:
    ctx.obj = key


def _emit_set(mapping_set: MappingSet, as_json: bool) -> None:
    emit(mapping_set.to_dict(), as_json=as_json, render=render_mapping_set(mapping_set))


@mappings_app.command("show")
def show(
    ctx: typer.Context, object_type: ObjectOption = "user", as_json: JsonOption = False
) -> None:
    """Show the inbound mappings of users (or --object group)."""

    async def body() -> None:
        async with open_sources() as services:
            _emit_set(await services.sources.mapping_set(ctx.obj, object_type), as_json)

    run(body)


@mappings_app.command("set")
def set_(
    ctx: typer.Context,
    target: TargetArgument,
    source: Annotated[str | None, typer.Option("--source", help="A source attribute.")] = None,
    constant: Annotated[str | None, typer.Option("--constant", help="A constant.")] = None,
    expression: Annotated[str | None, typer.Option("--expression", help="An expression.")] = None,
    matching: Annotated[
        int | None, typer.Option("--matching", help="Matching precedence N (0: not matching).")
    ] = None,
    default: Annotated[
        str | None, typer.Option("--default", help="Default if null ('' clears).")
    ] = None,
    apply: Annotated[
        str | None, typer.Option("--apply", help="always, or create (only on creation).")
    ] = None,
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Add or change the mapping of TARGET (a directory attribute); the next sync reads in full.

    A manager is mapped to the manager's anchor in the source (AD: resolved from its DN).
    """
    given = [
        (k, v)
        for k, v in (
            (SourceType.ATTRIBUTE, source),
            (SourceType.CONSTANT, constant),
            (SourceType.EXPRESSION, expression),
        )
        if v is not None
    ]
    if len(given) > 1:
        fail("give one of --source, --constant and --expression")
    if apply is not None and apply.lower() not in _APPLY:
        fail(f"--apply {apply!r}: use always or create")
    if matching is not None and matching < 0:
        fail("--matching must be 0 (not matching) or a precedence from 1")
    kind, text = given[0] if given else (None, None)
    target_type = (
        TargetType.BOOLEAN if target.strip() in ("accountEnabled", "securityEnabled") else None
    )

    async def body() -> None:
        edit = MappingEdit(
            target.strip(),
            kind,
            text,
            matching,
            default,
            _APPLY[apply.lower()] if apply else None,
            target_type,
        )
        async with open_sources() as services:
            _emit_set(
                await services.sources.set_mapping(ctx.obj, object_type, edit, actor=Actor.cli()),
                as_json,
            )

    run(body)


@mappings_app.command("remove")
def remove(
    ctx: typer.Context,
    target: TargetArgument,
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Remove the mapping of TARGET."""

    async def body() -> None:
        async with open_sources() as services:
            _emit_set(
                await services.sources.remove_mapping(
                    ctx.obj, object_type, target, actor=Actor.cli()
                ),
                as_json,
            )

    run(body)


@mappings_app.command("export")
def export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the JSON.")],
    as_json: JsonOption = False,
) -> None:
    """Write every mapping set to a JSON file (``import`` reads it back)."""

    async def body() -> None:
        async with open_sources() as services:
            found = await services.sources.get(ctx.obj)
        document = {name: s.to_dict() for name, s in found.mappings.items()}
        write_text(path, json.dumps(document, indent=2, ensure_ascii=False))
        emit(
            {"path": str(path), "objectTypes": list(document)},
            as_json=as_json,
            render=lambda c: c.print(f"wrote {path}"),
        )

    run(body)


@mappings_app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False, help="A JSON file.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Replace mapping sets from a JSON file (``{"User": {...}, "Group": {...}}``)."""
    text = read_text(path, "the mappings file")

    async def body() -> None:
        try:
            data = jsonlimits.loads(text, allow_controls=True)
        except jsonlimits.JSONLimitError as exc:
            raise ConfigError(f"the mappings file: {exc.message}") from exc
        if not isinstance(data, dict):
            raise ConfigError("the mappings file must hold a JSON object of mapping sets")
        sets = {}
        for key, value in data.items():
            name = object_type_named(key)
            if not isinstance(value, dict):
                raise ConfigError(f"{name} mappings: expected a mapping set object")
            sets[name] = MappingSet.from_dict({**value, "objectType": name})
        async with open_sources() as services:
            found = await services.sources.replace_mappings(ctx.obj, sets, actor=Actor.cli())
        emit(found.to_dict(), as_json=as_json, render=render_source(found))

    run(body)


@mappings_app.command("restore-defaults")
def restore_defaults(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Put back the kind's default mappings (and no scoping filters)."""

    async def body() -> None:
        async with open_sources() as services:
            found = await services.sources.restore_defaults(ctx.obj, actor=Actor.cli())
        emit(found.to_dict(), as_json=as_json, render=render_source(found))

    run(body)


@scoping_app.command("show")
def scoping_show(
    ctx: typer.Context, object_type: ObjectOption = "user", as_json: JsonOption = False
) -> None:
    """Show the scoping filters (with the mappings they belong to)."""

    async def body() -> None:
        async with open_sources() as services:
            mapping_set = await services.sources.mapping_set(ctx.obj, object_type)
        emit(
            [g.to_dict() for g in mapping_set.scoping_filters],
            as_json=as_json,
            render=render_mapping_set(mapping_set),
        )

    run(body)


@scoping_app.command("add")
def scoping_add(
    ctx: typer.Context,
    attribute: Annotated[str, typer.Argument(help="A source attribute, e.g. department.")],
    operator: Annotated[str, typer.Argument(help="EQUALS, NOT EQUALS, IS TRUE, REGEX MATCH ...")],
    value: Annotated[str | None, typer.Argument(help="The value, for binary operators.")] = None,
    filter_name: FilterOption = "Filter 1",
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Add a clause to a scoping filter (clauses AND, filters OR); out of scope = gone."""

    async def body() -> None:
        async with open_sources() as services:
            mapping_set = await services.sources.add_scoping_clause(
                ctx.obj, object_type, filter_name, (attribute, operator, value), actor=Actor.cli()
            )
        _emit_set(mapping_set, as_json)

    run(body)


@scoping_app.command("remove")
def scoping_remove(
    ctx: typer.Context,
    filter_name: FilterOption = "Filter 1",
    clause: Annotated[
        int | None, typer.Option("--clause", help="Only this clause (from 1).")
    ] = None,
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Remove a scoping filter, or one clause of it."""

    async def body() -> None:
        async with open_sources() as services:
            mapping_set = await services.sources.remove_scoping(
                ctx.obj, object_type, filter_name, clause, actor=Actor.cli()
            )
        _emit_set(mapping_set, as_json)

    run(body)


@scoping_app.command("clear")
def scoping_clear(
    ctx: typer.Context, object_type: ObjectOption = "user", as_json: JsonOption = False
) -> None:
    """Remove every scoping filter."""

    async def body() -> None:
        async with open_sources() as services:
            _emit_set(
                await services.sources.clear_scoping(ctx.obj, object_type, actor=Actor.cli()),
                as_json,
            )

    run(body)
