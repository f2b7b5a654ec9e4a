"""``scimitar app provision``: provision one user, or a group with up to five members, now."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from scimitar.apps import Apps
from scimitar.cli.app.context import AppArgument
from scimitar.cli.output import EXIT_ERROR, JsonOption, emit, fail, run
from scimitar.engine.core.records import Initiator
from scimitar.engine.run.ondemand import GROUP_MEMBERS_MAX, OnDemandProvisioner
from scimitar.engine.run.ondemand_trace import ObjectTrace, OnDemandTrace, StepName, TraceStep
from scimitar.engine.state.registry import JobRegistry
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["provision"]

_MARKS = {"success": "[green]✔[/]", "skipped": "[yellow]○[/]", "failure": "[red]✘[/]"}
_VALUES_SHOWN = 12


def _initiator() -> Initiator:
    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown user"
    return Initiator(f"{who} (scimitar app provision)", "user")


def provision(
    app_key: AppArgument,
    user: Annotated[
        str | None, typer.Option("--user", help="The user's userPrincipalName or objectId.")
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", help="The group's displayName or objectId.")
    ] = None,
    member: Annotated[
        list[str] | None,
        typer.Option(
            "--member",
            help=f"With --group: a member's UPN to provision with it (repeat, up to "
            f"{GROUP_MEMBERS_MAX}); default all of its members.",
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option("--wait", min=0, help="Seconds to wait for a running cycle to end."),
    ] = 10.0,
    as_json: JsonOption = False,
) -> None:
    """Provision on demand: run the pipeline for one user or group now and show each step.

    Exits 1 when the connection or the action failed.
    """
    if (user is None) == (group is None):
        fail("name exactly one of --user UPN and --group NAME")
    if member and group is None:
        fail("--member goes with --group NAME: the members to provision with that group")
    done: list[OnDemandTrace] = []

    async def body() -> None:
        settings = Settings()
        database = await open_database(settings)
        try:
            provisioner = OnDemandProvisioner(
                database, Apps.create(database, settings), jobs=JobRegistry(), wait_seconds=wait
            )
            if user is not None:
                trace = await provisioner.provision_user(app_key, user, initiator=_initiator())
            else:
                trace = await provisioner.provision_group(
                    app_key, str(group), member or (), initiator=_initiator()
                )
        finally:
            await database.dispose()
        done.append(trace)
        emit(trace.to_dict(), as_json=as_json, render=_render(trace))

    run(body)
    if done and done[0].is_failed:
        raise typer.Exit(EXIT_ERROR)


def _render(trace: OnDemandTrace) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        console.print(
            f"[bold]Provision on demand[/] · {escape(trace.app_name)} · cycle {trace.cycle_id} · "
            f"{trace.duration_ms} ms"
        )
        if trace.connection is not None:
            _step(console, trace.connection)
        for item in trace.objects:
            _object(console, item)
        mark = _MARKS.get(trace.result, "")
        console.print(f"\n{mark} [bold]Result: {trace.result}[/]")
        if trace.records:
            console.print(
                f"  Log: `scimitar logs {escape(trace.app_name)} --cycle {trace.cycle_id}`"
            )

    return render


def _object(console: Console, item: ObjectTrace) -> None:
    roles = {"member": " (member)", "membership": " (memberships)", "manager": " (manager)"}
    role = roles.get(item.role, "")
    console.print(f"\n[bold]{item.object_type} {escape(item.display_name)}[/]{role}")
    for step in item.steps:
        _step(console, step)
    if item.record is not None:
        record = item.record
        console.print(
            f"    [dim]log record {record.id}: {record.action.value}, {record.status.value}[/]"
        )


def _step(console: Console, step: TraceStep) -> None:
    console.print(f"  {_MARKS.get(step.status, '')} [bold]{escape(step.title)}[/]")
    console.print(f"    {escape(step.description)}")
    for line in _detail_lines(step):
        console.print(f"      {escape(line)}")


def _detail_lines(step: TraceStep) -> list[str]:
    details = step.details
    match step.name:
        case StepName.TEST_CONNECTION:
            return [f"what to do: {details.get('hint', '')}"]
        case StepName.IMPORT:
            return _values(details.get("values") or {})
        case StepName.SCOPE:
            return _scope(details)
        case StepName.MATCH:
            return [
                f"{a['attribute']} eq {a['value']!r} → "
                + (", ".join(a["found"]) if a["found"] else "no match")
                for a in details.get("attempts") or []
            ]
        case _:
            return _action(details)


def _values(values: Mapping[str, Any]) -> list[str]:
    present = [(key, value) for key, value in values.items() if value not in (None, "", [])]
    shown = [f"{key}: {value}" for key, value in present[:_VALUES_SHOWN]]
    if len(present) > _VALUES_SHOWN:
        shown.append(f"… and {len(present) - _VALUES_SHOWN} more (--json shows all)")
    return shown


def _scope(details: Mapping[str, Any]) -> list[str]:
    lines = [
        f"active: {details.get('IsActive')}, assigned: {details.get('Assigned')}, "
        f"entitled: {details.get('IsEffectivelyEntitledForProvisioning')}, "
        f"roles: {', '.join(details.get('assignments') or []) or '-'}"
    ]
    for group in details.get("scopingFilters") or []:
        lines.append(
            f"scoping filter {group['filter']!r}: {'met' if group['result'] else 'not met'}"
        )
        for clause in group["clauses"]:
            result = {True: "true", False: "false", None: "timed out"}[clause["result"]]
            lines.append(f"  {clause['clause']} (value {clause['value']!r}): {result}")
    return lines


def _action(details: Mapping[str, Any]) -> list[str]:
    lines = [
        f"{p['displayName']}: {p['oldValue'] or '(none)'} → {p['newValue'] or '(none)'}"
        + (f" ({p['note']})" if p.get("note") else "")
        for p in details.get("modifiedProperties") or []
    ]
    for request in details.get("requests") or []:
        answer = request.get("error") or _answer(request.get("answer") or {})
        lines.append(f"{request['method']} {request['path']} → {answer}")
    error = details.get("error")
    if error:
        lines.append(f"error {error['errorCode']}; what to do: {error['recommendedAction']}")
    return lines


def _answer(answer: Mapping[str, Any]) -> str:
    if not answer:
        return "ok"
    return ", ".join(f"{key} {value}" for key, value in answer.items())
