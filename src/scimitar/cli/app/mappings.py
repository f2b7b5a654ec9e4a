"""``scimitar app mappings APP ...`` and ``scimitar app scoping APP ...``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scimitar.apps import MappingEdit
from scimitar.apps.attributes import type_named
from scimitar.audit import Actor
from scimitar.cli.app.context import (
    AppArgument,
    ObjectOption,
    open_apps,
    render_config,
    render_mapping_set,
    warn_references,
)
from scimitar.cli.files import read_text, write_text
from scimitar.cli.output import JsonOption, emit, fail, run
from scimitar.mapping.mappings import FlowType, MappingSet, SourceType

__all__ = ["mappings_app", "scoping_app"]

mappings_app = typer.Typer(
    help="An app's attribute mappings and matching attributes.", no_args_is_help=True
)
scoping_app = typer.Typer(help="An app's scoping filters.", no_args_is_help=True)
TargetArgument = Annotated[str, typer.Argument(metavar="TARGET", help="A target attribute.")]
FilterOption = Annotated[str, typer.Option("--filter", help="The scoping filter's name.")]
_APPLY = {"always": FlowType.ALWAYS, "create": FlowType.OBJECT_ADD_ONLY}


@mappings_app.callback()
@scoping_app.callback()
def _select_app(ctx: typer.Context, key: AppArgument) -> None:
    ctx.obj = key


def _emit_set(mapping_set: MappingSet, as_json: bool) -> None:
    emit(mapping_set.to_dict(), as_json=as_json, render=render_mapping_set(mapping_set))


@mappings_app.command("show")
def show(
    ctx: typer.Context, object_type: ObjectOption = "user", as_json: JsonOption = False
) -> None:
    """Show the attribute mappings of users (or --object group)."""

    async def body() -> None:
        async with open_apps() as services:
            _emit_set(await services.mappings.show(ctx.obj, object_type), as_json)

    run(body)


@mappings_app.command("export")
def export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the JSON.")],
    as_json: JsonOption = False,
) -> None:
    """Write every mapping set to a JSON file (``import`` reads it back)."""

    async def body() -> None:
        async with open_apps() as services:
            document = await services.mappings.export(ctx.obj)
        write_text(path, json.dumps(document, indent=2, ensure_ascii=False))
        summary = {"path": str(path), "objectTypes": list(document)}
        emit(summary, as_json=as_json, render=lambda c: c.print(f"wrote {path}"))

    run(body)


@mappings_app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False, help="A JSON file.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Replace mapping sets from a JSON file; the next cycle is an initial one."""
    text = read_text(path, "the mappings file")

    async def body() -> None:
        async with open_apps() as services:
            config = await services.mappings.import_document(ctx.obj, text, actor=Actor.cli())
        warn_references(config.mappings.values())
        emit(config.to_dict(), as_json=as_json, render=render_config(config))

    run(body)


@mappings_app.command("restore-defaults")
def restore_defaults(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Put back the template's default mappings (and no scoping filters)."""

    async def body() -> None:
        async with open_apps() as services:
            config = await services.mappings.restore_defaults(ctx.obj, actor=Actor.cli())
        emit(config.to_dict(), as_json=as_json, render=render_config(config))

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
    target_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="How the value is sent: string, boolean, integer, datetime or reference "
            "(default: as the target attribute list types TARGET).",
        ),
    ] = None,
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Add or change the mapping of TARGET; expressions are checked before saving.

    A reference (manager, group members) mapped with --type reference sends the referenced
    object's id in the app; ``app attributes APP list`` shows how each attribute is typed.
    """
    sources = [(k, v) for k, v in _sources(source, constant, expression) if v is not None]
    if len(sources) > 1:
        fail("give one of --source, --constant and --expression")
    if apply is not None and apply.lower() not in _APPLY:
        fail(f"--apply {apply!r}: use always or create")
    if matching is not None and matching < 0:
        fail("--matching must be 0 (not matching) or a precedence from 1")
    kind, text = sources[0] if sources else (None, None)

    async def body() -> None:
        edit = MappingEdit(
            target.strip(),
            kind,
            text,
            matching,
            default,
            _APPLY[apply.lower()] if apply else None,
            type_named(target_type) if target_type is not None else None,
        )
        async with open_apps() as services:
            edited = await services.mappings.set_mapping(
                ctx.obj, object_type, edit, actor=Actor.cli()
            )
        warn_references([edited], edit.target)
        _emit_set(edited, as_json)

    run(body)


def _sources(
    source: str | None, constant: str | None, expression: str | None
) -> list[tuple[SourceType, str | None]]:
    return [
        (SourceType.ATTRIBUTE, source),
        (SourceType.CONSTANT, constant),
        (SourceType.EXPRESSION, expression),
    ]


@mappings_app.command("remove")
def remove(
    ctx: typer.Context,
    target: TargetArgument,
    object_type: ObjectOption = "user",
    as_json: JsonOption = False,
) -> None:
    """Remove the mapping of TARGET."""

    async def body() -> None:
        async with open_apps() as services:
            _emit_set(
                await services.mappings.remove_mapping(
                    ctx.obj, object_type, target, actor=Actor.cli()
                ),
                as_json,
            )

    run(body)


@scoping_app.command("show")
def scoping_show(
    ctx: typer.Context, object_type: ObjectOption = "user", as_json: JsonOption = False
) -> None:
    """Show the scoping filters (with the mappings they belong to)."""

    async def body() -> None:
        async with open_apps() as services:
            mapping_set = await services.mappings.show(ctx.obj, object_type)
        filters = [group.to_dict() for group in mapping_set.scoping_filters]
        emit(filters, as_json=as_json, render=render_mapping_set(mapping_set))

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
    """Add a clause to a scoping filter (clauses AND, filters OR); the next cycle is initial."""

    async def body() -> None:
        async with open_apps() as services:
            mapping_set = await services.mappings.add_scoping_clause(
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
        async with open_apps() as services:
            mapping_set = await services.mappings.remove_scoping(
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
        async with open_apps() as services:
            _emit_set(
                await services.mappings.clear_scoping(ctx.obj, object_type, actor=Actor.cli()),
                as_json,
            )

    run(body)
