"""``scimitar logs APP``: an app's provisioning log, newest first, as a table, JSON or CSV."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scimitar.apps import Apps
from scimitar.cli.output import JsonOption, emit, fail, run, stderr
from scimitar.engine.state.logexport import json_document, write_csv
from scimitar.engine.state.logstore import (
    LogEntry,
    LogPage,
    ProvisioningLogStore,
    parse_action,
    parse_since,
    parse_status,
)
from scimitar.errors import ConfigError
from scimitar.secrets import SecretBox
from scimitar.settings import Settings
from scimitar.sources.logstore import SourceLogFilter, SourceLogStore
from scimitar.sources.service import SourceService
from scimitar.store import open_database

__all__ = ["LogFormat", "logs"]

_STATUS_STYLE = {"success": "green", "failure": "bold red", "skipped": "dim", "warning": "yellow"}
_MESSAGE_WIDTH = 60


class LogFormat(StrEnum):
    """How ``scimitar logs`` prints records."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def logs(
    key: Annotated[
        str | None, typer.Argument(metavar="[APP]", help="The app's name or id.")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="A source's name: its log instead of an app's."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="success, failure, skipped or warning."),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(
            "--action",
            help="create, update, disable, enable, delete, stageddelete, skip or other.",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="A source or target id, userPrincipalName or displayName (any case).",
        ),
    ] = None,
    cycle: Annotated[str | None, typer.Option("--cycle", help="A cycle id.")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="ISO 8601 time, or an age: 15m, 2h, 7d."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=5000, help="The most records to print.")
    ] = 100,
    before: Annotated[
        str | None,
        typer.Option("--before", help="The cursor a previous page printed, for older records."),
    ] = None,
    output: Annotated[
        LogFormat, typer.Option("--format", help="table for people, json or csv for tools.")
    ] = LogFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Show an app's (or --source NAME's) provisioning log: one record per object per action,
    newest first."""
    chosen = LogFormat.JSON if as_json else output
    if (key is None) == (source is None):
        fail("name an app, or a source with --source NAME (not both)")
    try:
        since_at = None if since is None else parse_since(since)
        wanted_status = parse_status(status, option="--status")
        wanted_action = parse_action(action, option="--action")
    except ConfigError as exc:
        fail(str(exc))

    if source is not None:
        wanted = SourceLogFilter(wanted_status, wanted_action, user, cycle, since_at)
        run(lambda: _source_logs(source, wanted, limit, before, chosen))
        return
    app_key = key or ""

    async def body() -> None:
        settings = Settings()
        database = await open_database(settings)
        try:
            app = await Apps.create(database, settings).apps.get(app_key)
            page = await ProvisioningLogStore(database).query(
                app.id,
                status=wanted_status,
                action=wanted_action,
                user=user,
                cycle=cycle,
                since=since_at,
                limit=limit,
                before=before,
            )
        finally:
            await database.dispose()
        _print(page, chosen, app.name)

    run(body)


async def _source_logs(
    key: str, wanted: SourceLogFilter, limit: int, before: str | None, chosen: LogFormat
) -> None:
    settings = Settings()
    database = await open_database(settings)
    try:
        found = await SourceService(database, SecretBox.from_settings(settings)).get(key)
        page = await SourceLogStore(database).query(found.id, wanted, limit=limit, before=before)
    finally:
        await database.dispose()
    _print(page, chosen, f"source {found.name}")


def _print(page: LogPage, chosen: LogFormat, app_name: str) -> None:
    if chosen is LogFormat.JSON:
        emit(json_document(page.records), as_json=True)
    elif chosen is LogFormat.CSV:
        write_csv(page.records, sys.stdout)
        sys.stdout.flush()
    else:
        emit([], as_json=False, render=_table(page.records, app_name))
    if page.next_cursor is not None:
        stderr.print(f"More records: add --before {page.next_cursor}", highlight=False)


def _table(entries: tuple[LogEntry, ...], app_name: str) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        if not entries:
            console.print(f"No provisioning log records for {escape(app_name)} match.")
            return
        table = Table()
        table.add_column("time (UTC)", no_wrap=True)
        table.add_column("action")
        table.add_column("status")
        # Folded, never cut with an ellipsis: people copy ids and UPNs from here.
        table.add_column("object", overflow="fold", ratio=2)
        table.add_column("target id", overflow="fold", ratio=1)
        table.add_column("error", overflow="fold", ratio=3)
        for entry in entries:
            table.add_row(*_cells(entry))
        console.print(table)

    return render


def _cells(entry: LogEntry) -> tuple[str, ...]:
    record = entry.record
    source = record.source_identity
    name = source.details.get("userPrincipalName") or source.display_name or source.id or ""
    status = record.status.value
    error = ""
    if record.error is not None:
        reason = record.error.reason
        short = reason if len(reason) <= _MESSAGE_WIDTH else reason[: _MESSAGE_WIDTH - 1] + "…"
        error = f"{record.error.error_code}: {short}"
    return (
        record.activity_date_time.strftime("%Y-%m-%d %H:%M:%S"),
        record.action.value,
        f"[{_STATUS_STYLE.get(status, '')}]{status}[/]" if status in _STATUS_STYLE else status,
        escape(f"{entry.object_type} {name}"),
        escape(record.target_identity.id or ""),
        escape(error),
    )
