"""``scimitar app pause|start|restart|deletes``: an admin's hold on a provisioning job."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.cli.app.context import AppArgument
from scimitar.cli.output import JsonOption, emit, fail, run
from scimitar.engine.run.control import (
    ControlResult,
    DeletesResult,
    JobControl,
    ResetScope,
    parse_reset,
)
from scimitar.engine.run.cycle import CycleRunner
from scimitar.engine.run.service import build_runner
from scimitar.engine.state.registry import JobRegistry
from scimitar.engine.state.staged import StagedRow
from scimitar.errors import ConfigError
from scimitar.notify import build_event_sink
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["register"]

_DELETES_ACTIONS = ("list", "allow", "reject")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``scimitar app``."""
    app.command("pause")(pause)
    app.command("start")(start)
    app.command("restart")(restart)
    app.command("deletes")(deletes)


@asynccontextmanager
async def _control() -> AsyncIterator[JobControl]:
    settings = Settings()
    database = await open_database(settings)
    try:
        apps = Apps.create(database, settings)

        sink = build_event_sink(settings, database)
        jobs = JobRegistry()

        def runner() -> CycleRunner:
            return build_runner(
                database,
                apps,
                jobs=jobs,
                log_retention_days=settings.log_retention_days,
                events=sink,
            )

        yield JobControl(database, apps, jobs=jobs, events=sink, runner=runner)
    finally:
        await database.dispose()


def _result(action: Callable[[JobControl], Awaitable[ControlResult]], as_json: bool) -> None:
    async def body() -> None:
        async with _control() as control:
            result = await action(control)
        emit(
            result.to_dict(),
            as_json=as_json,
            render=lambda c: c.print(f"{result.app_name}: {result.message}", markup=False),
        )

    run(body)


def pause(key: AppArgument, as_json: JsonOption = False) -> None:
    """Pause the job: a running cycle stops after its current page; none starts."""
    _result(lambda control: control.pause(key, actor=Actor.cli()), as_json)


def start(key: AppArgument, as_json: JsonOption = False) -> None:
    """Start or resume the job: provisioning on, quarantine lifted, a paused cycle resumes."""
    _result(lambda control: control.start(key, actor=Actor.cli()), as_json)


def restart(
    key: AppArgument,
    reset: Annotated[
        str | None,
        typer.Option(
            "--reset",
            metavar="watermark,escrows,quarantine,links|full",
            help="What to reset (default: watermark,escrows,quarantine; links re-matches "
            "every object; full resets everything).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Restart provisioning: reset state so the next cycle re-evaluates everything."""
    scopes = _scopes(reset)
    _result(lambda control: control.restart(key, scopes, actor=Actor.cli()), as_json)


def _scopes(reset: str | None) -> frozenset[ResetScope]:
    try:
        return parse_reset(reset)
    except ConfigError as exc:
        fail(str(exc))


def deletes(
    key: AppArgument,
    action: Annotated[
        str, typer.Argument(metavar="[list|allow|reject]", help="What to do with held deletions.")
    ] = "list",
    as_json: JsonOption = False,
) -> None:
    """Deletions held by accidental-deletion prevention: list, allow (send) or reject (drop)."""
    if action not in _DELETES_ACTIONS:
        fail(f"deletes {action!r}: use list, allow or reject")

    async def body() -> None:
        async with _control() as control:
            if action == "list":
                rows = await control.staged(key)
                render = _render_rows(key, rows)
                emit([r.to_dict() for r in rows], as_json=as_json, render=render)
                return
            decided = await (
                control.allow(key, actor=Actor.cli())
                if action == "allow"
                else control.reject(key, actor=Actor.cli())
            )
        emit(decided.to_dict(), as_json=as_json, render=_render_decision(decided))

    run(body)


def _render_rows(key: str, rows: list[StagedRow]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        if not rows:
            console.print("No deletions are held.")
            return
        table = Table("type", "name", "action", "cause", "held at")
        for row in rows:
            table.add_row(
                row.object_type,
                row.display,
                row.action,
                row.cause or row.change or "",
                row.staged_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            )
        console.print(table)
        console.print(
            f"Send them with `scimitar app deletes {key} allow`, drop them with `reject`.",
            markup=False,
        )

    return render


def _render_decision(decided: DeletesResult) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        count = len(decided.deletions)
        if decided.decision == "rejected":
            console.print(
                f"{decided.app_name}: dropped {count} held deletions (the accounts stay linked); "
                "quarantine lifted."
            )
            return
        console.print(f"{decided.app_name}: allowed {count} held deletions; quarantine lifted.")
        if decided.cycle is not None:
            counts = decided.cycle.counts
            console.print(
                f"Cycle {decided.cycle.cycle_id} {decided.cycle.status}: "
                f"{counts.get('disable', 0)} disabled, {counts.get('delete', 0)} deleted, "
                f"{counts.get('failure', 0)} failed."
            )

    return render
