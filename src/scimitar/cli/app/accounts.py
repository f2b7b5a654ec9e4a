"""``scimitar app drift`` and ``scimitar app orphans``: the app's accounts against the store."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.cli.app.context import AppArgument
from scimitar.cli.output import JsonOption, emit, fail, run
from scimitar.directory.store import SQLDirectory
from scimitar.engine.run.drift import DriftReport, find_drift
from scimitar.engine.run.orphans import (
    OrphanAction,
    OrphanReport,
    Settled,
    find_orphans,
    settle_orphans,
)
from scimitar.settings import Settings
from scimitar.store import Database, open_database

__all__ = ["drift", "orphans"]


@asynccontextmanager
async def _services() -> AsyncIterator[tuple[Database, Apps, SQLDirectory]]:
    settings = Settings()
    database = await open_database(settings)
    try:
        yield database, Apps.create(database, settings), SQLDirectory(database)
    finally:
        await database.dispose()


def _render_drift(report: DriftReport) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        console.print(
            f"[bold]{escape(report.app)}[/]: {report.accounts_read:,} accounts read, "
            f"{report.managed:,} managed, {len(report.drifted):,} drifted"
        )
        if report.drifted:
            table = Table("account", "attribute", "in the app", "mappings say", box=None)
            for account in report.drifted:
                for n, (attribute, app_value, mapped) in enumerate(account.attributes):
                    table.add_row(
                        escape(account.name) if n == 0 else "",
                        escape(attribute),
                        escape(app_value or ""),
                        escape(mapped or ""),
                    )
            console.print(table)
        if report.queued:
            console.print(
                f"Queued {report.queued:,} corrections: the next cycle sends them (run "
                f"`scimitar app sync {report.app}` to send them now)."
            )
        elif report.drifted:
            console.print(f"Queue the corrections with `scimitar app drift {report.app} --fix`.")

    return render


def drift(
    app_key: AppArgument,
    fix: Annotated[
        bool,
        typer.Option("--fix", help="Queue the corrections for the next cycle (logged)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Read the app's managed accounts and show every attribute changed in the app by hand.

    An incremental cycle compares with what it last sent, never with the app: such changes
    stay until the directory changes the attribute again. ``--fix`` queues corrections that the
    next cycle sends as updates.
    """

    async def body() -> None:
        async with _services() as (database, apps, directory):
            report = await find_drift(
                database, apps, directory, app_key, fix=fix, actor=Actor.cli()
            )
        emit(report.to_dict(), as_json=as_json, render=_render_drift(report))

    run(body)


def _render_orphans(report: OrphanReport) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        console.print(
            f"[bold]{escape(report.app)}[/]: {report.accounts_read:,} accounts read, "
            f"{len(report.orphans):,} not linked to a directory object"
        )
        if not report.orphans:
            return
        table = Table("id", "account", "active", "would match", "on", box=None)
        for orphan in report.orphans:
            table.add_row(
                orphan.target_id,
                escape(orphan.name),
                "" if orphan.is_active is None else str(orphan.is_active).lower(),
                escape(orphan.source_name or "-"),
                escape(orphan.matched_on or ""),
            )
        console.print(table)
        console.print(
            f"Link the matched ones with `scimitar app orphans {report.app} adopt --all`; "
            "disable or delete unmatched ones with `disable` or `delete`."
        )

    return render


def _render_settled(settled: list[Settled]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        if not settled:
            console.print("No orphan to act on.")
        for item in settled:
            verb = {"adopt": "adopted", "disable": "disabled", "delete": "deleted"}
            if item.error is None:
                done = verb[item.action.value]
                to = f" as {escape(item.orphan.source_name or '')}" if item.orphan.source_id else ""
                console.print(f"{done} {escape(item.orphan.name)} ({item.orphan.target_id}){to}")
            else:
                console.print(f"[red]failed[/] {escape(item.orphan.name)}: {escape(item.error)}")

    return render


def orphans(
    app_key: AppArgument,
    action: Annotated[
        str | None,
        typer.Argument(
            metavar="[adopt|disable|delete]",
            help="adopt: link the matched ones; disable or delete: the unmatched ones.",
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every orphan the action applies to.")
    ] = False,
    ids: Annotated[
        list[str] | None,
        typer.Option("--id", help="An orphan's id in the app (repeat for several)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the app's accounts no link points to, with the directory user each would match.

    With an action, adopt (link) matched orphans, or disable or delete unmatched ones; the
    deletion threshold applies and every account acted on is in the audit log.
    """
    if action is None:
        if every or ids or yes:
            fail("--all, --id and --yes go with an action: adopt, disable or delete")

        async def listing() -> None:
            async with _services() as (database, apps, directory):
                report = await find_orphans(database, apps, directory, app_key)
            emit(report.to_dict(), as_json=as_json, render=_render_orphans(report))

        run(listing)
        return
    chosen = _action(action)
    if every == bool(ids):
        fail(f"orphans {chosen.value}: give either --all or one or more --id ID")
    if not yes:
        if not sys.stdin.isatty():
            fail(f"orphans {chosen.value} changes the app: confirm with --yes")
        which = "every orphan it applies to" if every else ", ".join(ids or [])
        typer.confirm(f"{chosen.value.capitalize()} {which} in {app_key}?", abort=True)

    settled: list[Settled] = []

    async def settle() -> None:
        async with _services() as (database, apps, directory):
            settled.extend(
                await settle_orphans(
                    database, apps, directory, app_key, chosen, ids=ids, actor=Actor.cli()
                )
            )
        emit([s.to_dict() for s in settled], as_json=as_json, render=_render_settled(settled))

    run(settle)
    if any(s.error for s in settled):
        raise typer.Exit(1)


def _action(text: str) -> OrphanAction:
    try:
        return OrphanAction(text.lower())
    except ValueError:
        fail(f"orphans: unknown action {text!r}; use adopt, disable or delete")
