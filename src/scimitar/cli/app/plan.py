"""``scimitar app plan``: what the next cycle would send, with nothing written anywhere."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scimitar.cli.app.context import AppArgument
from scimitar.cli.files import read_text
from scimitar.cli.output import JsonOption, emit, fail, run
from scimitar.engine.run.preview import ACTION_ORDER, CyclePlan, plan_cycle
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["plan"]

_FORMATS = ("table", "csv")
_CSV_HEADER = (
    "objectType",
    "sourceId",
    "name",
    "targetId",
    "action",
    "status",
    "attribute",
    "old",
    "new",
    "reason",
)


def _render(plan: CyclePlan, limit: int | None) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        counts = plan.counts()
        console.print(f"[bold]Plan of the next cycle of {escape(plan.app)}[/] ({plan.kind})")
        summary = Table("action", "objects", box=None)
        for key in (*ACTION_ORDER, "failure", "skip"):
            if counts.get(key):
                shown = "deletions held by the threshold" if key == "stageddelete" else key
                summary.add_row(shown, f"{counts[key]:,}")
        console.print(summary)
        requests = plan.requests.by_method()
        console.print(
            "requests: " + ("  ".join(f"{m} {n:,}" for m, n in requests.items()) or "none")
        )
        changes = plan.changes
        if not changes:
            console.print("Nothing to send: the app is in line with the directory.")
            return
        details = Table("object", "action", "attribute", "old", "new", box=None)
        for item in changes[:limit]:
            name = f"{item.object_type} {item.name or item.source_id}"
            action = item.action if item.status != "failure" else f"{item.action} (fails)"
            if not item.changes:
                details.add_row(escape(name), action, escape(item.reason or ""), "", "")
            for n, (attribute, old, new) in enumerate(item.changes):
                details.add_row(
                    escape(name) if n == 0 else "",
                    action if n == 0 else "",
                    escape(attribute),
                    escape(old or ""),
                    escape(new or ""),
                )
        console.print(details)
        if limit is not None and len(changes) > limit:
            console.print(f"... and {len(changes) - limit:,} more (--limit, or --json)")
        console.print("Nothing was written: run `scimitar app sync APP` to do it.")

    return render


def _csv(plan: CyclePlan, limit: int | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_HEADER)
    for item in plan.changes[:limit]:
        head = (
            item.object_type,
            item.source_id,
            item.name,
            item.target_id,
            item.action,
            item.status,
        )
        rows = item.changes or ((None, None, None),)
        for attribute, old, new in rows:
            writer.writerow((*head, attribute, old, new, item.reason))
    return out.getvalue()


def plan(
    app_key: AppArgument,
    initial: Annotated[
        bool, typer.Option("--initial", help="Plan an initial cycle, as a restart would run.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Show at most N objects (the counts cover all)."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table (default) or csv: one row per attribute.")
    ] = "table",
    after: Annotated[
        Path | None,
        typer.Option(
            "--after-mapping-change",
            metavar="FILE",
            help="Plan with this configuration file (`app config export`'s) instead of the "
            "saved one, before it is saved: an initial cycle.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show what the next cycle would send to the app; nothing is written anywhere.

    The cycle's own code decides (scope, matching, mappings, the deletion threshold); reads
    reach the app, writes are only recorded. Creates, updates with old -> new values,
    disables, deletes (those the threshold would hold too), group changes and requests.
    """
    if output_format not in _FORMATS:
        fail(f"--format {output_format!r}: choose one of {', '.join(_FORMATS)}")
    proposed = None if after is None else read_text(after, "the configuration file")

    async def body() -> None:
        settings = Settings()
        database = await open_database(settings)
        try:
            found = await plan_cycle(
                database, settings, app_key, initial=initial, proposed=proposed
            )
        finally:
            await database.dispose()
        if output_format == "csv" and not as_json:
            sys.stdout.write(_csv(found, limit))
            return
        emit(found.to_dict(limit), as_json=as_json, render=_render(found, limit))

    run(body)
