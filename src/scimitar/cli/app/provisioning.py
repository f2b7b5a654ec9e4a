"""``scimitar app credentials|test-connection|settings|provisioning``: the provisioning page."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from scimitar.apps import ConnectionTestError, JobSettings, Scope
from scimitar.apps.model import NestedGroups
from scimitar.audit import Actor
from scimitar.cli.app.context import AppArgument, open_apps, render_config
from scimitar.cli.files import read_text
from scimitar.cli.output import JsonOption, emit, fail, run, stderr
from scimitar.connector.bearer import OAuth2ClientCredentials, OAuth2Grant
from scimitar.connector.probe import ConnectionTest
from scimitar.gallery.schema import Dialect, OAuth2Spec
from scimitar.secrets import Secret

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``scimitar app``."""
    app.command("credentials")(credentials)
    app.command("test-connection")(connection_test)
    app.command("settings")(settings)
    app.command("provisioning")(provisioning)


def credentials(
    key: AppArgument,
    tenant_url: Annotated[str, typer.Option("--tenant-url", help="The app's SCIM base URL.")],
    token: Annotated[
        str | None,
        typer.Option("--token", help="The Secret Token (asked when neither it nor OAuth2 given)."),
    ] = None,
    allow_insecure_http: Annotated[
        bool,
        typer.Option("--allow-insecure-http", help="Accept http:// to a host other than this one."),
    ] = False,
    oauth2_client_credentials: Annotated[
        bool,
        typer.Option(
            "--oauth2-client-credentials",
            help="Get the bearer token by the OAuth2 client credentials grant instead.",
        ),
    ] = False,
    token_url: Annotated[
        str | None, typer.Option("--token-url", help="OAuth2: the app's token endpoint.")
    ] = None,
    client_id: Annotated[str | None, typer.Option("--client-id", help="OAuth2: client id.")] = None,
    client_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--client-secret-file",
            help="OAuth2: a file holding the client secret ('-' reads stdin; asked if omitted).",
        ),
    ] = None,
    scopes: Annotated[
        list[str] | None, typer.Option("--scope", help="OAuth2: a scope to request (repeat).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Save the Tenant URL and Secret Token or OAuth2 client credentials (secrets encrypted;
    never shown again) and read the schema."""
    secret = _client_secret(client_secret_file) if oauth2_client_credentials else None
    if not oauth2_client_credentials and token is None:
        token = typer.prompt("Secret Token", hide_input=True)

    async def body() -> None:
        async with open_apps() as services:
            grant = None
            if secret is not None:
                config = await services.provisioning.config(key)
                spec = config.template.document.auth.oauth2
                grant = _oauth2_grant(key, spec, token_url, client_id, secret, scopes)
            config = await services.provisioning.set_credentials(
                key,
                tenant_url,
                None if token is None else Secret(token),
                allow_insecure_http=allow_insecure_http,
                actor=Actor.cli(),
                oauth2=grant,
            )
        emit(config.to_dict(), as_json=as_json, render=render_config(config))

    run(body)


def _client_secret(secret_file: Path | None) -> Secret:
    """The client secret from its file, stdin (``-``) or a hidden prompt; never an option."""
    if secret_file is None:
        text = typer.prompt("OAuth2 client secret", hide_input=True)
    elif str(secret_file) == "-":
        text = sys.stdin.readline()
    else:
        text = read_text(secret_file, "the client secret file")
    return Secret(text.strip())


def _oauth2_grant(
    key: str,
    spec: OAuth2Spec | None,
    token_url: str | None,
    client_id: str | None,
    secret: Secret,
    scopes: list[str] | None,
) -> OAuth2ClientCredentials:
    """The grant from the options; the template's token URL and scopes fill what is omitted."""
    if not client_id:
        fail(f"{key}: --oauth2-client-credentials needs --client-id ID (the app's client id)")
    url = token_url or (spec.token_url if spec else None)
    if not url:
        fail(f"{key}: --oauth2-client-credentials needs --token-url URL (the app's token endpoint)")
    chosen = tuple(scopes) if scopes else (spec.scopes if spec else ())
    return OAuth2ClientCredentials(OAuth2Grant(url, client_id, chosen), secret)


def connection_test(key: AppArgument, as_json: JsonOption = False) -> None:
    """Test Connection: query the app for a user that cannot exist (and a group)."""

    async def body() -> None:
        async with open_apps() as services:
            result = await services.provisioning.test_connection(key)
        report(result, as_json=as_json)

    run(body)


def report(result: ConnectionTest, *, as_json: bool) -> None:
    """Print a Test Connection outcome; a failure exits 1 with its message and hint."""
    emit(result.to_dict(), as_json=as_json, render=_render_test(result))
    if result.failure is not None:
        stderr.print(f"hint: {result.failure.hint}", markup=False)
        fail(result.failure.message)


def _render_test(result: ConnectionTest) -> Any:
    def render(console: Console) -> None:
        for step in result.steps:
            mark = "ok" if step.is_ok else "failed"
            console.print(f"GET {step.url} → {step.status or 'no answer'} ({mark})", markup=False)
        if result.is_ok:
            console.print("The supplied credentials are authorized to enable provisioning.")
        for warning in result.warnings:
            console.print(f"warning: {warning}", markup=False)

    return render


def settings(
    key: AppArgument,
    scope: Annotated[
        Scope | None, typer.Option("--scope", help="assigned: only assigned users and groups.")
    ] = None,
    notify: Annotated[
        str | None, typer.Option("--notify", help="Notification email ('' clears it).")
    ] = None,
    notify_on_failure: Annotated[
        bool | None,
        typer.Option("--notify-on-failure/--no-notify-on-failure", help="Email on failure."),
    ] = None,
    delete_threshold: Annotated[
        int | None, typer.Option("--delete-threshold", help="Most deletions per cycle.")
    ] = None,
    no_delete_threshold: Annotated[
        bool, typer.Option("--no-delete-threshold", help="Turn accidental-deletion prevention off.")
    ] = False,
    skip_deletions: Annotated[
        bool | None,
        typer.Option(
            "--skip-out-of-scope-deletions/--process-out-of-scope-deletions",
            help="Leave accounts that go out of scope as they are.",
        ),
    ] = None,
    interval: Annotated[
        int | None, typer.Option("--interval", help="Minutes between cycles.")
    ] = None,
    realtime: Annotated[
        str | None,
        typer.Option(
            "--realtime",
            metavar="on|off",
            help="Apply changes within seconds between cycles (off: at the next cycle only).",
        ),
    ] = None,
    delete_window: Annotated[
        int | None,
        typer.Option(
            "--delete-window",
            help="With real-time runs: minutes over which the delete threshold counts.",
        ),
    ] = None,
    delete_window_interval: Annotated[
        bool,
        typer.Option(
            "--delete-window-interval", help="The delete threshold counts over the interval."
        ),
    ] = False,
    dialect: Annotated[
        Dialect | None, typer.Option("--dialect", help="rfc or entra request phrasing.")
    ] = None,
    groups: Annotated[
        bool | None, typer.Option("--groups/--no-groups", help="Provision groups.")
    ] = None,
    nested_groups: Annotated[
        NestedGroups | None,
        typer.Option(
            "--nested-groups",
            help="direct (Entra): a group's direct user members; flatten: users of nested "
            "groups too.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change the job's settings; with no option, show them."""
    if no_delete_threshold and delete_threshold is not None:
        fail("give --delete-threshold N or --no-delete-threshold, not both")
    if delete_window_interval and delete_window is not None:
        fail("give --delete-window MINUTES or --delete-window-interval, not both")
    if realtime is not None and realtime.lower() not in ("on", "off"):
        fail(f"--realtime {realtime!r}: use on or off")
    changes: dict[str, Any] = {
        "scope": scope,
        "notify_email": (notify.strip() or None) if notify is not None else None,
        "notify_on_failure": notify_on_failure,
        "skip_out_of_scope_deletions": skip_deletions,
        "interval_minutes": interval,
        "dialect": dialect,
        "nested_groups": nested_groups,
        "realtime": None if realtime is None else realtime.lower() == "on",
        "delete_window_minutes": delete_window,
    }
    given = {name: value for name, value in changes.items() if value is not None}
    if notify is not None:
        given["notify_email"] = changes["notify_email"]
    if delete_threshold is not None or no_delete_threshold:
        given["delete_threshold"] = None if no_delete_threshold else delete_threshold
    if delete_window_interval:
        given["delete_window_minutes"] = None

    async def body() -> None:
        async with open_apps() as services:
            config = await services.provisioning.config(key)
            if given or groups is not None:
                updated = _with_groups(replace(config.settings, **given), groups)
                config = await services.provisioning.update_settings(
                    key, updated, actor=Actor.cli()
                )
        emit(config.to_dict(), as_json=as_json, render=render_config(config))

    run(body)


def _with_groups(settings: JobSettings, groups: bool | None) -> JobSettings:
    if groups is None:
        return settings
    disabled = set(settings.disabled_object_types)
    if groups:
        disabled.discard("Group")
    else:
        disabled.add("Group")
    return replace(settings, disabled_object_types=frozenset(disabled))


def provisioning(
    key: AppArgument,
    state: Annotated[str, typer.Argument(metavar="on|off", help="Provisioning status.")],
    as_json: JsonOption = False,
) -> None:
    """Turn provisioning on (Test Connection must pass) or off."""
    if state.lower() not in ("on", "off"):
        fail(f"provisioning status {state!r}: use on or off")

    async def body() -> None:
        async with open_apps() as services:
            try:
                config = await services.provisioning.set_provisioning(
                    key, is_on=state.lower() == "on", actor=Actor.cli()
                )
            except ConnectionTestError as exc:
                report(exc.result, as_json=as_json)
                raise
        emit(config.to_dict(), as_json=as_json, render=render_config(config))

    run(body)
