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
from scimitar.target.imperfections import WELL_BEHAVED, Imperfections, check_names
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
    """Run the target alone (no admin API, portal or scheduler).

    No access log unless SCIMITAR_ACCESS_LOG=1: it serves benchmarks and tests at thousands of
    requests a second.
    """
    run_server(Settings(), host, port, as_json=as_json, access_log=False)


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


def _switches(
    current: Imperfections,
    *,
    off: bool,
    patch_unsupported: list[str] | None,
    filter_ignored: list[str] | None,
    drop_attribute: list[str] | None,
    numeric_status: bool | None,
) -> Imperfections:
    base = WELL_BEHAVED if off else current
    return Imperfections(
        base.patch_unsupported
        if patch_unsupported is None
        else check_names("--patch-unsupported", patch_unsupported, ops=True),
        base.filters_ignored
        if filter_ignored is None
        else check_names("--filter-ignored", filter_ignored),
        base.dropped if drop_attribute is None else check_names("--drop-attribute", drop_attribute),
        base.numeric_status if numeric_status is None else numeric_status,
    )


@tenant_app.command("quirk-switches")
def quirk_switches(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    patch_unsupported: Annotated[
        list[str] | None,
        typer.Option(
            "--patch-unsupported",
            help="Answer 501 to a PATCH touching this attribute (title, name.givenName, "
            "urn:...:User:manager) or using this operation (op:add, op:replace, op:remove; "
            "* for every PATCH); PUT still works. Repeat for several; replaces the list.",
        ),
    ] = None,
    filter_ignored: Annotated[
        list[str] | None,
        typer.Option(
            "--filter-ignored",
            help="Answer a filter on this attribute with 200 and totalResults 0 instead of "
            "400 invalidFilter. Repeat for several; replaces the list.",
        ),
    ] = None,
    drop_attribute: Annotated[
        list[str] | None,
        typer.Option(
            "--drop-attribute",
            help="Accept this attribute in POST, PUT and PATCH and never store it. "
            "Repeat for several; replaces the list.",
        ),
    ] = None,
    numeric_status: Annotated[
        bool | None,
        typer.Option(
            "--numeric-status/--string-status",
            help="Error bodies carry status as a JSON number (or as RFC 7644's string).",
        ),
    ] = None,
    off: Annotated[
        bool,
        typer.Option("--off", help="Turn every switch off first (then apply the others)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Make a tenant behave like an imperfect SCIM server; a running server obeys at once.

    With no option, prints the switches as they are.
    """

    async def body() -> None:
        db = await open_database(Settings())
        try:
            service = TenantService(db)
            found = await service.get(tenant)
            wanted = _switches(
                found.imperfections,
                off=off,
                patch_unsupported=patch_unsupported,
                filter_ignored=filter_ignored,
                drop_attribute=drop_attribute,
                numeric_status=numeric_status,
            )
            if wanted != found.imperfections:
                found = await service.set_imperfections(found.id, wanted, actor=Actor.cli())
        finally:
            await db.dispose()
        now = found.imperfections.as_dict()
        value = {"id": found.id, "name": found.name, "quirk_switches": now}

        def render(console: Console) -> None:
            active = {k: v for k, v in now.items() if v}
            console.print(f"Quirk switches of {found.name}: {active or 'none'}")

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
