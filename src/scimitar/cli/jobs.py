"""``scimitar jobs list``: queued, running, failed and recent jobs, with worker and age."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scimitar.cli.output import JsonOption, emit, run
from scimitar.jobs.listing import JobRow, list_jobs
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["app"]

app = typer.Typer(
    help="Jobs in the PostgreSQL store's queue (docs/deploy.md).", no_args_is_help=True
)


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _render(jobs: list[JobRow], is_sqlite: bool) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        if not jobs:
            console.print(
                "No jobs: with SQLite, `scimitar serve` runs every cycle itself."
                if is_sqlite
                else "No jobs in the queue."
            )
            return
        table = Table("id", "status", "task", "app", "worker", "age", "tries", "error")
        for job in jobs:
            table.add_row(
                str(job.id),
                job.status,
                job.task.removeprefix("scimitar."),
                escape(job.app_name or job.app_id or "-"),
                escape(job.worker or "-"),
                _age(job.age_seconds),
                str(job.attempts + (1 if job.status == "running" else 0)),
                escape((job.error or "")[:80]),
            )
        console.print(table)

    return render


@app.command("list")
def list_(
    recent: Annotated[
        int, typer.Option("--recent", min=0, max=5000, help="Finished jobs shown, newest first.")
    ] = 20,
    as_json: JsonOption = False,
) -> None:
    """List queued and running jobs, then the most recent finished ones."""

    async def body() -> None:
        database = await open_database(Settings())
        try:
            jobs = await list_jobs(database, recent=recent)
        finally:
            await database.dispose()
        emit([j.to_dict() for j in jobs], as_json=as_json, render=_render(jobs, database.is_sqlite))

    run(body)
