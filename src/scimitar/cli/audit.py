"""``scimitar audit list``: the audit log of admin changes, newest first, as a table or JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from scimitar.audit import AuditLog, AuditPage, AuditQuery, AuditRecord
from scimitar.cli.output import JsonOption, emit, run
from scimitar.engine.state.logstore import parse_since
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["app", "changed_fields"]

app = typer.Typer(help="The audit log of admin changes (docs/audit.md).", no_args_is_help=True)


def changed_fields(record: AuditRecord) -> list[str]:
    """The top-level fields whose values differ between ``before`` and ``after``."""
    before = record.before if isinstance(record.before, dict) else {}
    after = record.after if isinstance(record.after, dict) else {}
    return sorted(key for key in {*before, *after} if before.get(key) != after.get(key))


@app.command("list")
def list_(
    app_key: Annotated[
        str | None, typer.Option("--app", help="Only this app's records (name or id).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="ISO 8601 time, or an age such as 15m, 2h or 7d."),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="cli:alice, api:ci-pipeline, or a kind: cli, api, portal."),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="settings.update, or a group such as mappings or apikey."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=5000, help="Most records.")] = 50,
    before: Annotated[
        str | None, typer.Option("--before", help="The nextBefore of the previous page.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List audit records: who changed what and when, with before and after (secrets redacted)."""

    async def body() -> None:
        where = AuditQuery(app_key, parse_since(since) if since else None, actor, action)
        settings = Settings()
        database = await open_database(settings)
        try:
            log = AuditLog(database, retention_days=settings.audit_retention_days)
            page = await log.query(where, limit=limit, before=before)
        finally:
            await database.dispose()
        document = {"records": [r.to_dict() for r in page.records], "nextBefore": page.next_cursor}
        emit(document, as_json=as_json, render=_render(page))

    run(body)


def _render(page: AuditPage) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        if not page.records:
            console.print("No audit records match.")
            return
        # Aligned columns rather than a bordered table: a record's line is never wrapped or
        # cut to the terminal's width, so it stays one line for grep.
        rows = [_HEADER, *(_row(record) for record in page.records)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER) - 1)]
        for number, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            line = "  ".join([*cells, row[-1]]).rstrip()
            console.print(f"[bold]{escape(line)}[/]" if number == 0 else escape(line))
        if page.next_cursor is not None:
            console.print(f"More: scimitar audit list --before {page.next_cursor} ...")

    return render


_HEADER = ["at", "actor", "action", "app", "object", "changed"]


def _row(record: AuditRecord) -> list[str]:
    who = record.actor + (f" ({record.session})" if record.session else "")
    return [
        record.at.isoformat(timespec="seconds"),
        who,
        record.action,
        record.app_name or "",
        record.object,
        _change(record),
    ]


def _change(record: AuditRecord) -> str:
    if isinstance(record.after, dict) and "attempts" in record.after:
        return f"{record.after['attempts']} attempt(s)"
    if record.before is None and record.after is not None:
        return "created"
    if record.after is None and record.before is not None:
        return "deleted"
    return ", ".join(changed_fields(record))
