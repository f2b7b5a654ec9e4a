"""``scimitar app status APP``: the job's state, last and running cycle, steady state, links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table

from scimitar.apps import Apps
from scimitar.cli.app.context import AppArgument
from scimitar.cli.output import JsonOption, emit, run
from scimitar.engine.state.quarantine import Quarantine, explain
from scimitar.engine.state.status import CycleSummary, JobStatus, JobStatusService
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["status"]

_STATES = {
    "off": ("Off (provisioning status off: no cycle runs)", "yellow"),
    "not_run": ("Not run", "dim"),
    "active": ("Active", "green"),
    "paused": ("Paused", "yellow"),
    "quarantined": ("Quarantined", "bold red"),
    "disabled": ("Disabled (turned off after 28 days in quarantine)", "bold red"),
}
_COUNT_ORDER = (
    "create",
    "update",
    "enable",
    "disable",
    "delete",
    "staged_delete",
    "skip",
    "failure",
)


def status(key: AppArgument, as_json: JsonOption = False) -> None:
    """Show the provisioning job's status: state, cycles, progress, steady state, links."""

    async def body() -> None:
        settings = Settings()
        database = await open_database(settings)
        try:
            app = await Apps.create(database, settings).apps.get(key)
            found = await JobStatusService(database).status(app.id)
        finally:
            await database.dispose()
        document = {"app": app.to_dict(), **found.to_dict()}
        emit(document, as_json=as_json, render=_panel(app.name, found))

    run(body)


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _next(found: JobStatus) -> str:
    if found.next_run_at is None and found.state in ("off", "paused", "disabled"):
        return "none (provisioning is not running)"
    return _when(found.next_run_at)


def _panel(app_name: str, found: JobStatus) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        label, style = _STATES.get(found.state, (found.state, ""))
        facts = Table.grid(padding=(0, 2))
        facts.add_row("State", f"[{style}]{label}[/]" if style else escape(label))
        facts.add_row("Linked users", str(found.linked.get("User", 0)))
        facts.add_row("Linked groups", str(found.linked.get("Group", 0)))
        facts.add_row("First steady state", _when(found.first_steady_at))
        facts.add_row("Last steady state", _when(found.last_steady_at))
        facts.add_row("Next cycle", _next(found))
        facts.add_row("Real-time runs", "on" if found.is_realtime else "off")
        if found.applied is not None:
            applied = found.applied
            waiting = f", {applied.pending} newer waiting" if applied.pending else ""
            facts.add_row(
                "Last change applied",
                f"#{applied.seq} at {_when(applied.applied_at)}, "
                f"lag {applied.lag_seconds:.1f} s{waiting}",
            )
        escrowed = found.escrows
        if escrowed.count:
            facts.add_row(
                "Escrows",
                f"{escrowed.count} objects to retry (most attempts {escrowed.most_attempts}), "
                f"next attempt {_when(escrowed.next_attempt_at)}",
            )
        if found.staged_deletes:
            facts.add_row(
                "Held deletions",
                f"[bold red]{found.staged_deletes}[/] — `scimitar app deletes "
                f"{escape(app_name)} list`, then allow or reject",
            )
        if found.quarantine is not None:
            _quarantine(facts, found.quarantine)
        for n, quirk in enumerate(found.app_quirks):
            facts.add_row("App quirks" if n == 0 else "", f"[yellow]{escape(quirk.message)}[/]")
        parts: list[RenderableType] = [facts]
        if found.running_cycle is not None:
            parts.append(_running(found.running_cycle))
        parts.append(_last(found.last_cycle))
        title = f"[bold]{escape(app_name)}[/] provisioning"
        console.print(Panel(Group(*parts), title=title, title_align="left", expand=False))

    return render


def _quarantine(facts: Table, held: Quarantine) -> None:
    facts.add_row(
        "Quarantine", f"[bold red]{escape(held.reason)}[/]: {escape(explain(held.reason))}"
    )
    facts.add_row("  since", f"{_when(held.series_began)}, {held.series_count} failed cycle(s)")
    facts.add_row(
        "  next attempt", _when(held.next_attempt) if held.next_attempt else "when an admin acts"
    )
    if held.error:
        facts.add_row("  error", escape(held.error))


def _running(cycle: CycleSummary) -> RenderableType:
    progress = cycle.progress
    lines: list[RenderableType] = [
        f"\n[bold]Running {cycle.kind} cycle[/] {escape(cycle.id)}, "
        f"started {_when(cycle.started_at)}"
    ]
    if progress is not None:
        done = f"{progress.objects:,}"
        if progress.total is not None and progress.percent is not None:
            done = f"{done} of {progress.total:,} objects ({progress.percent:.0f}%)"
        else:
            done = f"{done} objects"
        lines.append(
            f"{escape(progress.phase or 'starting')}: {done}, "
            f"{progress.pages} pages, {progress.rate:.1f} objects/s"
        )
        if progress.percent is not None:
            lines.append(ProgressBar(total=100, completed=progress.percent, width=40))
        if progress.eta_seconds is not None:
            lines.append(f"About {_duration(progress.eta_seconds)} left")
    return Group(*lines)


def _run_name(cycle: CycleSummary) -> str:
    return "real-time run" if cycle.trigger == "realtime" else "cycle"


def _last(cycle: CycleSummary | None) -> RenderableType:
    if cycle is None:
        return "\nNo cycle has finished yet."
    took = "" if cycle.duration_seconds is None else f" in {_duration(cycle.duration_seconds)}"
    head = (
        f"\n[bold]Last {_run_name(cycle)}[/] ({cycle.kind}, {escape(cycle.status)}) "
        f"{escape(cycle.id)}\n"
        f"started {_when(cycle.started_at)}, ended {_when(cycle.ended_at)}{took}"
    )
    counts = Table("action", "objects", box=None, padding=(0, 2))
    names = [*_COUNT_ORDER, *sorted(set(cycle.counts) - set(_COUNT_ORDER))]
    for name in names:
        value = cycle.counts.get(name, 0)
        shown = f"[bold red]{value}[/]" if name == "failure" and value else str(value)
        counts.add_row(name.replace("_", " "), shown)
    parts: list[RenderableType] = [head, counts]
    if cycle.error:
        parts.append(f"[red]Error:[/] {escape(cycle.error)}")
    return Group(*parts)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"
