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
from scimitar.engine.run.admission import Refusal, Surface, admit
from scimitar.engine.run.cycle import CycleSummary, Progress
from scimitar.engine.run.service import build_runner
from scimitar.engine.state.registry import JobRegistry
from scimitar.jobs.queue import has_queue
from scimitar.notify import build_event_sink
from scimitar.settings import Settings
from scimitar.store import Database, open_database

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


async def _queued(
    database: Database,
    settings: Settings,
    app_key: str,
    initial: bool,
    show: Callable[[Progress], None],
) -> CycleSummary:
    """Queue the cycle for the workers, then follow it to its end."""
    # Imported here: procrastinate loads only for a store with a queue (start-up time).
    from scimitar.jobs.dispatch import enqueue_cycle
    from scimitar.jobs.follow import follow_cycle
    from scimitar.jobs.listing import live_workers
    from scimitar.jobs.queue import open_queue

    config = await Apps.create(database, settings).provisioning.config(app_key)
    admission = await admit(database, config, JobRegistry())
    # A running cycle is no refusal here: the queued one waits for it (the app's lock).
    admission.raise_if_refused(Surface.CLI, considering=set(Refusal) - {Refusal.BUSY})
    async with open_queue(settings.resolved_database_url, pool_size=1) as queue:
        queued = await enqueue_cycle(queue, config.app.id, initial=initial)
    if not await live_workers(database):
        stderr.print(
            "No worker is running: the cycle waits in the queue until one starts "
            "(`scimitar worker`, or `scimitar serve` without --no-worker); --here runs it now."
        )
    if queued.was_waiting:
        stderr.print(f"A cycle of {config.app.name} was already queued (job {queued.job_id}).")
    return await follow_cycle(database, queued.job_id, config.app.id, on_progress=show)


def sync(
    app_key: AppArgument,
    initial: Annotated[
        bool,
        typer.Option(
            "--initial", help="Run an initial cycle (re-evaluate everything), as a restart does."
        ),
    ] = False,
    here: Annotated[
        bool,
        typer.Option(
            "--here",
            help="Run the cycle in this process, not on a worker (PostgreSQL stores queue it).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a provisioning cycle now: initial the first time, then incremental.

    On a PostgreSQL store the cycle is queued for the workers (`scimitar worker`, or the one
    in `scimitar serve`) and followed here; on SQLite, or with --here, it runs in this process.
    """

    async def body() -> None:
        settings = Settings()
        database = await open_database(settings)
        live = None if as_json else Live(console=stderr, refresh_per_second=4, transient=True)

        def show(progress: Progress) -> None:
            if live is not None:
                live.update(_progress_table(progress))

        try:
            if live is not None:
                live.start()
            try:
                if has_queue(settings.resolved_database_url) and not here:
                    summary = await _queued(database, settings, app_key, initial, show)
                else:
                    summary = await _here(database, settings, app_key, initial, show)
            finally:
                if live is not None:
                    live.stop()
        finally:
            await database.dispose()
        emit(summary.to_dict(), as_json=as_json, render=_summary(summary))

    run(body)


async def _here(
    database: Database,
    settings: Settings,
    app_key: str,
    initial: bool,
    show: Callable[[Progress], None],
) -> CycleSummary:
    """Run the cycle in this process."""
    runner = build_runner(
        database,
        Apps.create(database, settings),
        jobs=JobRegistry(),
        on_progress=show,
        log_retention_days=settings.log_retention_days,
        events=build_event_sink(settings, database),
    )
    return await runner.run(app_key, force_initial=initial)
