"""``scimitar app sync``: run a provisioning cycle now, with a live progress bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from scimitar.apps import Apps
from scimitar.cli.app.context import AppArgument
from scimitar.cli.output import JsonOption, emit, run, stderr
from scimitar.engine.cycle import CycleSummary, Progress
from scimitar.engine.registry import JobRegistry
from scimitar.engine.service import build_runner
from scimitar.notify import build_event_sink
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["sync"]

_ORDER = ("create", "update", "enable", "disable", "delete", "staged_delete", "skip", "failure")


def _progress_table(progress: Progress) -> Table:
    table = Table(show_header=False, box=None)
    table.add_row("cycle", f"{progress.kind} {progress.cycle_id[:8]}", "phase", progress.phase)
    done = f"{progress.objects:,}"
    if progress.total is not None and progress.percent is not None:
        done = f"{done} of {progress.total:,} ({progress.percent:.0f}%)"
    table.add_row("pages", str(progress.pages), "objects", done)
    table.add_row("rate", f"{progress.rate:,.0f}/s", "", "")
    counts = "  ".join(f"{k} {progress.counts[k]:,}" for k in _ORDER if progress.counts.get(k))
    table.add_row("actions", counts or "-", "", "")
    return table


def _summary(summary: CycleSummary) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        console.print(
            f"[bold]{summary.kind.capitalize()} cycle {summary.status}[/] in "
            f"{summary.seconds:.1f} s: {summary.objects:,} objects"
        )
        for key in _ORDER:
            if summary.counts.get(key):
                console.print(f"  {key.replace('_', ' ')}: {summary.counts[key]:,}")
        if summary.counts.get("failure"):
            console.print("  See the failures with `scimitar logs APP --status failure`.")

    return render


def sync(
    app_key: AppArgument,
    initial: Annotated[
        bool,
        typer.Option(
            "--initial", help="Run an initial cycle (re-evaluate everything), as a restart does."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a provisioning cycle now: initial the first time, then incremental."""

    async def body() -> None:
        settings = Settings()
        database = await open_database(settings)
        live = None if as_json else Live(console=stderr, refresh_per_second=4, transient=True)

        def show(progress: Progress) -> None:
            if live is not None:
                live.update(_progress_table(progress))

        try:
            runner = build_runner(
                database,
                Apps.create(database, settings),
                jobs=JobRegistry(),
                on_progress=show,
                log_retention_days=settings.log_retention_days,
                events=build_event_sink(settings, database),
            )
            if live is not None:
                live.start()
            try:
                summary = await runner.run(app_key, force_initial=initial)
            finally:
                if live is not None:
                    live.stop()
        finally:
            await database.dispose()
        emit(summary.to_dict(), as_json=as_json, render=_summary(summary))

    run(body)
