"""``scimitar target``: run the embedded SCIM target and manage its tenants."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scimitar.audit import Actor
from scimitar.cli.output import JsonOption, emit, run
from scimitar.cli.serve import HostOption, PortOption, run_server
from scimitar.settings import Settings
from scimitar.store import open_database
from scimitar.target.profiles import PROFILES
from scimitar.target.tenants import Tenant, TenantService

__all__ = ["app"]

app = typer.Typer(help="The embedded SCIM 2.0 target (Webex-compatible).", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants of the embedded target.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")

BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Where the target is reached (default: SCIMITAR_PUBLIC_URL or http://127.0.0.1:8000).",
    ),
]


QuirksOption = Annotated[
    str,
    typer.Option(
        "--quirks",
        help="'vendor': the profile's own deviations from the RFC (Webex: its error block, "
        "the primary work email added on create, accountStatus as an array); "
        "'rfc': plain RFC 7643/7644 behaviour at the profile's URLs and schemas.",
    ),
]


def tenant_urls(tenant: Tenant, base_url: str) -> list[str]:
    """Every URL the tenant is served at, the seed tutorial's form first."""
    base = base_url.rstrip("/")
    return [
        base + form.replace("{tenant}", tenant.id) + "/"
        for form in PROFILES[tenant.profile].url_forms
    ]


def _base(settings: Settings, base_url: str | None) -> str:
    return base_url or settings.public_url or "http://127.0.0.1:8000"


@app.command("serve")
def serve(
    host: HostOption = "127.0.0.1", port: PortOption = 8000, as_json: JsonOption = False
) -> None:
    """Run the target alone (no admin API, portal or scheduler)."""
    run_server(Settings(), host, port, as_json=as_json)


def _print_tenant(value: dict[str, Any]) -> Any:
    def render(console: Console) -> None:
        console.print(f"Tenant [bold]{value['name']}[/] ({value['profile']} profile)")
        console.print(f"  id:         {value['id']}")
        for url in value["tenant_urls"]:
            console.print(f"  tenant URL: {url}")
        if "token" in value:
            console.print(f"  token:      {value['token']}")
            console.print(
                "  (the token is shown once; `scimitar target tenant rotate-token` makes a new one)"
            )

    return render


@tenant_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A name for the tenant, unique.")],
    profile: Annotated[str, typer.Option("--profile", help="webex or generic.")] = "webex",
    quirks: QuirksOption = "vendor",
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a tenant; prints its id, tenant URLs and bearer token (shown once)."""

    async def body() -> None:
        settings = Settings()
        db = await open_database(settings)
        try:
            tenant, token = await TenantService(db).create(name, profile, quirks, actor=Actor.cli())
        finally:
            await db.dispose()
        value = {
            **tenant.as_dict(),
            "tenant_urls": tenant_urls(tenant, _base(settings, base_url)),
            "token": token,
        }
        emit(value, as_json=as_json, render=_print_tenant(value))

    run(body)


@tenant_app.command("list")
def list_(base_url: BaseUrlOption = None, as_json: JsonOption = False) -> None:
    """List tenants (never their tokens)."""

    async def body() -> None:
        settings = Settings()
        db = await open_database(settings)
        try:
            tenants = await TenantService(db).list()
        finally:
            await db.dispose()
        values = [
            {**t.as_dict(), "tenant_urls": tenant_urls(t, _base(settings, base_url))}
            for t in tenants
        ]

        def render(console: Console) -> None:
            table = Table("name", "id", "profile", "faults", "tenant URL")
            for v in values:
                faults = ", ".join(f"{k}={x}" for k, x in v["faults"].items() if x) or "none"
                table.add_row(v["name"], v["id"], v["profile"], faults, v["tenant_urls"][0])
            console.print(table)

        emit(values, as_json=as_json, render=render)

    run(body)


@tenant_app.command("rotate-token")
def rotate_token(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    base_url: BaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a tenant a new token; the old one stops working at once."""

    async def body() -> None:
        settings = Settings()
        db = await open_database(settings)
        try:
            found, token = await TenantService(db).rotate_token(tenant, actor=Actor.cli())
        finally:
            await db.dispose()
        value = {
            **found.as_dict(),
            "tenant_urls": tenant_urls(found, _base(settings, base_url)),
            "token": token,
        }
        emit(value, as_json=as_json, render=_print_tenant(value))

    run(body)


@tenant_app.command("faults")
def faults(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    latency_ms: Annotated[
        int | None, typer.Option("--latency-ms", help="Delay every request.")
    ] = None,
    rate_limit: Annotated[
        float | None, typer.Option("--rate-limit", help="Requests/s before 429.")
    ] = None,
    error_rate: Annotated[
        float | None, typer.Option("--error-rate", help="Share answered 500/503.")
    ] = None,
    drop_rate: Annotated[
        float | None, typer.Option("--drop-rate", help="Share of connections dropped.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Inject faults into a tenant's requests (0 turns one off); a running server obeys at once."""

    async def body() -> None:
        db = await open_database(Settings())
        try:
            found = await TenantService(db).set_faults(
                tenant,
                latency_ms=latency_ms,
                rate_limit_rps=rate_limit,
                error_rate=error_rate,
                drop_rate=drop_rate,
                actor=Actor.cli(),
            )
        finally:
            await db.dispose()
        settings_now = found.faults.as_dict()
        value = {"id": found.id, "name": found.name, "faults": settings_now}

        def render(console: Console) -> None:
            active = {k: v for k, v in settings_now.items() if v}
            console.print(f"Faults of {found.name}: {active or 'none'}")

        emit(value, as_json=as_json, render=render)

    run(body)


@tenant_app.command("set")
def set_(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    quirks: QuirksOption = "vendor",
    as_json: JsonOption = False,
) -> None:
    """Change a tenant's settings (today: vendor quirks or plain RFC behaviour)."""

    async def body() -> None:
        db = await open_database(Settings())
        try:
            found = await TenantService(db).set_quirks(tenant, quirks, actor=Actor.cli())
        finally:
            await db.dispose()
        emit(
            found.as_dict(),
            as_json=as_json,
            render=lambda c: c.print(f"{found.name}: {found.quirks} quirks"),
        )

    run(body)


@tenant_app.command("delete")
def delete(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    as_json: JsonOption = False,
) -> None:
    """Delete a tenant and every user and group it holds."""

    async def body() -> None:
        db = await open_database(Settings())
        try:
            found = await TenantService(db).delete(tenant, actor=Actor.cli())
        finally:
            await db.dispose()
        emit(
            {"deleted": found.as_dict()},
            as_json=as_json,
            render=lambda c: c.print(f"Deleted tenant {found.name} ({found.id})"),
        )

    run(body)
