"""``scimitar directory``: the source directory's users, groups, change feed, import and export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scimitar.cli.directory import groups, users
from scimitar.cli.directory.context import open_directory
from scimitar.cli.files import read_text, write_text
from scimitar.cli.output import JsonOption, emit, fail, run, stderr
from scimitar.directory.bulk import ImportReport
from scimitar.directory.errors import ImportRejectedError
from scimitar.directory.export import export_directory
from scimitar.directory.source import ChangePage

__all__ = ["app"]

app = typer.Typer(
    help="The source directory: users, groups, memberships and their change feed.",
    no_args_is_help=True,
)
app.add_typer(users.app, name="user")
app.add_typer(groups.app, name="group")


def _format_of(path: Path, given: str | None) -> str:
    file_format = (given or path.suffix.lstrip(".")).lower()
    if file_format not in ("csv", "json"):
        fail(f"{path}: cannot tell the format from the name; pass --format csv or --format json")
    return file_format


def _render_report(report: ImportReport) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table("", "created", "updated", "unchanged")
        table.add_row(
            "users",
            str(report.users_created),
            str(report.users_updated),
            str(report.users_unchanged),
        )
        table.add_row(
            "groups",
            str(report.groups_created),
            str(report.groups_updated),
            str(report.groups_unchanged),
        )
        console.print(table)
        console.print(f"{report.members_added} members added")
        for problem in report.problems:
            console.print(f"skipped: {problem}")

    return render


@app.command("import")
def import_file(
    path: Annotated[
        Path, typer.Argument(help="A .csv or .json file.", exists=True, dir_okay=False)
    ],
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or json (default: from the name).")
    ] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Write the valid rows; report the rest.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create or update users, groups and memberships from a file (upsert by objectId or UPN).

    Every row is checked first; unless --partial, nothing is written if any row is invalid.
    """
    text = read_text(path, "the import file")
    kind = _format_of(path, file_format)

    async def body() -> None:
        async with open_directory() as directory:
            try:
                report = await directory.import_text(text, kind, partial=partial)
            except ImportRejectedError as exc:
                _reject(exc, as_json)
        emit(report.to_dict(), as_json=as_json, render=_render_report(report))

    run(body)


def _reject(exc: ImportRejectedError, as_json: bool) -> None:
    if as_json:
        emit({"written": False, "problems": [p.to_dict() for p in exc.problems]}, as_json=True)
    else:
        for problem in exc.problems:
            stderr.print(f"{problem}", markup=False)
    fail(str(exc))


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print the directory (live users and groups) as a JSON document `import` reads back."""

    async def body() -> None:
        async with open_directory() as directory:
            document = await export_directory(directory.source)
        if output is None:
            emit(document, as_json=True)
            return
        write_text(output, json.dumps(document, ensure_ascii=False, indent=1))
        summary = {
            "path": str(output),
            "users": len(document["users"]),
            "groups": len(document["groups"]),
        }
        emit(
            summary,
            as_json=as_json,
            render=lambda c: c.print(
                f"wrote {summary['users']} users and {summary['groups']} groups to {output}"
            ),
        )

    run(body)


@app.command("changes")
def changes(
    since: Annotated[
        int, typer.Option("--since", min=0, max=2**62, help="Show changes after this number.")
    ] = 0,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=100_000, help="Most changes to show.")
    ] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Show the change feed after a number (a watermark), oldest first."""

    async def body() -> None:
        async with open_directory() as directory:
            page = await directory.source.read_changes(str(since), limit)
        document = {
            "changes": [c.to_dict() for c in page.changes],
            "watermark": int(page.watermark),
            "hasMore": page.has_more,
        }
        emit(document, as_json=as_json, render=lambda c: _render_changes(c, page))

    run(body)


def _render_changes(console: Console, page: ChangePage) -> None:
    table = Table("seq", "kind", "type", "objectId", "detail")
    for change in page.changes:
        detail = ", ".join(change.attributes) or (change.member_id or "")
        table.add_row(
            str(change.seq), change.kind.value, change.object_type.value, change.object_id, detail
        )
    console.print(table)
    more = " (more after it)" if page.has_more else ""
    console.print(f"watermark {page.watermark}{more}")


@app.command("generate")
def generate(
    user_count: Annotated[
        int, typer.Option("--users", min=0, max=100_000, help="How many users.")
    ] = 100,
    group_count: Annotated[
        int, typer.Option("--groups", min=0, max=10_000, help="How many groups.")
    ] = 10,
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=2**31, help="Same seed, same directory.")
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Add a realistic sample directory (names in many scripts, managers, groups of all sizes)."""

    async def body() -> None:
        async with open_directory() as directory:
            report = await directory.generate(user_count, group_count, seed)
        emit(report.to_dict(), as_json=as_json, render=_render_report(report))

    run(body)


@app.command("purge")
def purge(as_json: JsonOption = False) -> None:
    """Hard-delete users and groups soft-deleted longer ago than the window (default 30 days)."""

    async def body() -> None:
        async with open_directory() as directory:
            result = await directory.purge()
        document = {"users": result.users, "groups": result.groups}
        emit(
            document,
            as_json=as_json,
            render=lambda c: c.print(f"purged {result.users} users and {result.groups} groups"),
        )

    run(body)
