"""``scimitar source``: identities from where they live (LDAP/AD, an inbound API, file feeds)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scimitar.audit import Actor
from scimitar.cli.files import read_text
from scimitar.cli.output import JsonOption, emit, fail, run, stderr
from scimitar.cli.source.context import SourceArgument, open_sources, render_source
from scimitar.cli.source.mappings import mappings_app, scoping_app
from scimitar.secrets import Secret
from scimitar.sources.config import DeletionRule, SourceKind
from scimitar.sources.reader import reader_for

__all__ = ["app"]

app = typer.Typer(
    help="Identity sources that feed the directory: LDAP/AD, an inbound API, CSV/JSON files.",
    no_args_is_help=True,
)
app.add_typer(mappings_app, name="mappings")
app.add_typer(scoping_app, name="scoping")


class Profile(StrEnum):
    """LDAP server flavours."""

    OPENLDAP = "openldap"
    ACTIVE_DIRECTORY = "active-directory"


def _ldap_settings(**given: Any) -> dict[str, Any]:
    if not given.get("url") or not given.get("users_base"):
        fail("an ldap source needs --url ldap[s]://HOST:PORT and --users-base DN")
    url = str(given["url"])
    if not url.startswith(("ldap://", "ldaps://")):
        fail(
            f"--url {url!r}: use ldap://HOST:PORT (StartTLS with --start-tls) or ldaps://HOST:PORT"
        )
    return {key: value for key, value in given.items() if value not in (None, False)}


def _file_settings(
    path: Path | None, anchor: str | None, group_anchor: str | None
) -> dict[str, Any]:
    if path is None:
        fail("a csv or json source needs --path FILE")
    settings: dict[str, Any] = {"path": str(path.expanduser().resolve())}
    if anchor:
        settings["anchor"] = anchor
    if group_anchor:
        settings["groupAnchor"] = group_anchor
    return settings


@app.command("add")
def add(
    kind: Annotated[SourceKind, typer.Argument(help="ldap, api, csv or json.")],
    name: Annotated[str, typer.Argument(help="A unique name for the source.")],
    url: Annotated[str | None, typer.Option("--url", help="ldap: ldap[s]://HOST:PORT.")] = None,
    bind_dn: Annotated[
        str | None, typer.Option("--bind-dn", help="ldap: the DN to bind as.")
    ] = None,
    bind_password_file: Annotated[
        Path | None,
        typer.Option("--bind-password-file", help="ldap: a file holding the bind password."),
    ] = None,
    users_base: Annotated[
        str | None, typer.Option("--users-base", help="ldap: where users are.")
    ] = None,
    groups_base: Annotated[
        str | None, typer.Option("--groups-base", help="ldap: where groups are.")
    ] = None,
    ldap_filter: Annotated[
        str | None, typer.Option("--filter", help="ldap: an extra search filter.")
    ] = None,
    profile: Annotated[
        Profile, typer.Option("--profile", help="ldap: openldap or active-directory.")
    ] = Profile.OPENLDAP,
    start_tls: Annotated[
        bool, typer.Option("--start-tls", help="ldap: StartTLS on ldap://.")
    ] = False,
    ca_file: Annotated[
        Path | None, typer.Option("--ca-file", help="ldap: CA certificates (PEM).")
    ] = None,
    full_read_interval: Annotated[
        int | None,
        typer.Option(
            "--full-read-interval",
            help="ldap: seconds between full reads, which find deletions (default a day).",
        ),
    ] = None,
    path: Annotated[Path | None, typer.Option("--path", help="csv/json: the feed file.")] = None,
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="csv/json: the column that keys a user (employeeId)."),
    ] = None,
    group_anchor: Annotated[
        str | None,
        typer.Option("--group-anchor", help="json: the attribute that keys a group (displayName)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a source. An api source's API key is printed once: keep it, it is stored hashed."""
    secret = None
    if kind is SourceKind.LDAP:
        settings = _ldap_settings(
            url=url,
            bind_dn=bind_dn,
            users_base=users_base,
            groups_base=groups_base,
            user_filter=ldap_filter,
            profile=profile.value,
            start_tls=start_tls,
            ca_file=str(ca_file.resolve()) if ca_file else None,
            full_read_interval=full_read_interval,
        )
        if bind_password_file is not None:
            secret = Secret(read_text(bind_password_file, "the bind password file").strip("\r\n"))
    elif kind is SourceKind.API:
        settings = {}
    else:
        settings = _file_settings(path, anchor, group_anchor)

    async def body() -> None:
        async with open_sources() as services:
            made, key = await services.sources.add(
                kind, name, settings, secret=secret, actor=Actor.cli()
            )
        document = made.to_dict()
        if key is not None:
            document["apiKey"] = key

        def render(console: Console) -> None:
            render_source(made)(console)
            if key is not None:
                console.print(f"API key (shown once, stored hashed): {key}", soft_wrap=True)
                console.print(
                    f"POST SCIM bulk requests to /api/v1/sources/{made.name}/bulkUpload "
                    "with 'Authorization: Bearer <key>'"
                )

        emit(document, as_json=as_json, render=render)

    run(body)


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """List the sources."""

    async def body() -> None:
        async with open_sources() as services:
            found = await services.sources.list()

        def render(console: Console) -> None:
            if not found:
                console.print("No sources. Add one: scimitar source add csv NAME --path FILE")
                return
            table = Table("name", "kind", "schedule", "last sync", "id")
            for source in found:
                last = source.state.get("lastRun") or {}
                when = str(last.get("at", "never"))[:19] + (
                    " (failed)" if last.get("error") else ""
                )
                schedule = (
                    f"{source.interval_minutes} min" if source.interval_minutes else "on demand"
                )
                table.add_row(source.name, source.kind.value, schedule, when, source.id)
            console.print(table)

        emit([s.to_dict() for s in found], as_json=as_json, render=render)

    run(body)


@app.command("show")
def show(key: SourceArgument, as_json: JsonOption = False) -> None:
    """Show a source's settings and its last sync."""

    async def body() -> None:
        async with open_sources() as services:
            found = await services.sources.get(key)
        emit(found.to_dict(), as_json=as_json, render=render_source(found))

    run(body)


@app.command("test")
def check_source(key: SourceArgument, as_json: JsonOption = False) -> None:
    """Check that the source can be read (connect, bind, find the bases; read the file)."""

    async def body() -> None:
        async with open_sources() as services:
            found = await services.sources.get(key)
        report = await reader_for(found).test()
        emit(report.to_dict(), as_json=as_json, render=lambda c: c.print(report.message))
        if not report.is_ok:
            raise typer.Exit(1)

    run(body)


@app.command("sync")
def sync(
    key: SourceArgument,
    full: Annotated[
        bool, typer.Option("--full", help="Read everything, not only changes.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Read the source now and apply it to the directory."""

    async def body() -> None:
        async with open_sources() as services:
            summary = await services.sync.run(key, full=full)

        def render(console: Console) -> None:
            counts = ", ".join(f"{name} {value}" for name, value in summary.counts.items() if value)
            kind = "full" if summary.is_complete else "incremental"
            console.print(
                f"{summary.source}: {kind} sync {summary.run_id}: {counts or 'no changes'}"
            )
            if summary.counts.get("held"):
                stderr.print(
                    f"[bold yellow]warning:[/] {summary.counts['held']} deletions held over "
                    "the delete threshold; see scimitar logs --source "
                    f"{summary.source} --action skip"
                )
            if summary.counts.get("failed"):
                stderr.print(
                    f"[bold yellow]warning:[/] {summary.counts['failed']} objects failed; "
                    f"see scimitar logs --source {summary.source} --status failure"
                )

        emit(summary.to_dict(), as_json=as_json, render=render)

    run(body)


@app.command("remove")
def remove(key: SourceArgument, as_json: JsonOption = False) -> None:
    """Remove a source; the objects it fed stay in the directory and become editable by hand."""

    async def body() -> None:
        async with open_sources() as services:
            found = await services.sources.remove(key, actor=Actor.cli())
        emit(
            {"removed": found.name, "id": found.id},
            as_json=as_json,
            render=lambda c: c.print(f"removed source {found.name}"),
        )

    run(body)


@app.command("rotate-key")
def rotate_key(key: SourceArgument, as_json: JsonOption = False) -> None:
    """Give an api source a new API key (printed once); the old key stops working."""

    async def body() -> None:
        async with open_sources() as services:
            new_key = await services.sources.rotate_key(key, actor=Actor.cli())
        emit(
            {"apiKey": new_key},
            as_json=as_json,
            render=lambda c: c.print(
                f"API key (shown once, stored hashed): {new_key}", soft_wrap=True
            ),
        )

    run(body)


def _attribute_precedence(pairs: list[str] | None) -> dict[str, int | None]:
    parsed: dict[str, int | None] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"--attribute-precedence {pair!r}: give ATTRIBUTE=N (ATTRIBUTE= removes it)")
        if value.strip() and not value.strip().isdigit():
            fail(f"--attribute-precedence {pair!r}: N must be a whole number from 1 to 1000")
        parsed[name.strip()] = int(value) if value.strip() else None
    return parsed


@app.command("settings")
def settings(
    key: SourceArgument,
    interval: Annotated[
        int | None, typer.Option("--interval", help="Minutes between syncs (0: on demand).")
    ] = None,
    delete_threshold: Annotated[
        int | None,
        typer.Option("--delete-threshold", help="Most deletions per sync (0: no limit)."),
    ] = None,
    deletion_rule: Annotated[
        DeletionRule | None, typer.Option("--deletion-rule", help="soft-delete or disable.")
    ] = None,
    precedence: Annotated[
        int | None, typer.Option("--precedence", help="1 to 1000; lower wins between sources.")
    ] = None,
    attribute_precedence: Annotated[
        list[str] | None,
        typer.Option("--attribute-precedence", help="ATTRIBUTE=N for one attribute (repeat)."),
    ] = None,
    enabled: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Run scheduled syncs or not.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show or change the schedule, delete threshold, deletion rule and precedence."""
    change: dict[str, Any] = {}
    for name, value in (
        ("interval_minutes", interval),
        ("deletion_rule", deletion_rule),
        ("precedence", precedence),
        ("is_enabled", enabled),
    ):
        if value is not None:
            change[name] = value
    if delete_threshold is not None:
        change["delete_threshold"] = delete_threshold
    if attribute_precedence:
        change["attribute_precedence"] = _attribute_precedence(attribute_precedence)

    async def body() -> None:
        async with open_sources() as services:
            if change:
                found = await services.sources.update_settings(key, change, actor=Actor.cli())
            else:
                found = await services.sources.get(key)
        emit(found.to_dict(), as_json=as_json, render=render_source(found))

    run(body)
