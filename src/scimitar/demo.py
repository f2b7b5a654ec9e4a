"""``scimitar demo``: the embedded default, end to end, on one machine.

It starts Scimitar (SQLite store, embedded Webex-compatible target) on a local port, creates
(or reuses) a demo Webex tenant, prints the Tenant URL and Secret Token exactly as the seed
tutorial asks an admin to paste them, and shows the target answering the requests Entra sends:
Test Connection's random-GUID probe, a create, a disable and the lookup Entra matches with.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import uvicorn
from rich.console import Console

from scimitar.app import create_app
from scimitar.errors import ConfigError, NotFoundError
from scimitar.settings import Settings
from scimitar.store import open_database
from scimitar.target.tenants import Tenant, TenantService

__all__ = ["DEMO_TENANT", "run_demo"]

DEMO_TENANT = "demo-webex"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


async def _demo_tenant(settings: Settings) -> tuple[Tenant, str]:
    """The demo tenant with a fresh token (tokens are shown once, so a rerun rotates it)."""
    db = await open_database(settings)
    try:
        tenants = TenantService(db)
        try:
            await tenants.get(DEMO_TENANT)
        except NotFoundError:
            return await tenants.create(DEMO_TENANT, "webex")
        return await tenants.rotate_token(DEMO_TENANT)
    finally:
        await db.dispose()


class _Steps:
    """The walkthrough's steps, printed for people and kept for ``--json``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.recorded: list[dict[str, Any]] = []

    def show(self, step: str, request: str, status: int, outcome: str) -> None:
        self.recorded.append(
            {"step": step, "request": request, "status": status, "outcome": outcome}
        )
        colour = "green" if status < 300 else "red"
        self.console.print(f"  [bold]{step}[/]: {request} → [{colour}]{status}[/] {outcome}")


async def _entra_requests(steps: _Steps, base: str, token: str) -> None:
    """Send what Entra sends for one user, printing each request and the answer."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(10)) as http:
        probe = f'userName eq "{uuid.uuid4()}"'
        async with http.get(f"{base}Users", params={"filter": probe}) as r:
            body = await r.json(content_type=None)
            steps.show(
                "Test Connection probe",
                f"GET /Users?filter={probe}",
                r.status,
                f"totalResults={body['totalResults']}",
            )
        user = {
            "schemas": [CORE_USER],
            "userName": "ada.lovelace@contoso.example",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "displayName": "Ada Lovelace",
            "externalId": str(uuid.uuid4()),
            "active": True,
        }
        async with http.get(
            f"{base}Users", params={"filter": f'userName eq "{user["userName"]}"'}
        ) as r:
            found = (await r.json(content_type=None))["Resources"]
        if found:
            user_id = found[0]["id"]
            steps.show("Match", "GET /Users?filter=userName eq ...", r.status, f"id={user_id}")
        else:
            async with http.post(f"{base}Users", json=user) as r:
                user_id = (await r.json(content_type=None))["id"]
                steps.show("Create", "POST /Users", r.status, f"id={user_id}")
        disable = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        }
        async with http.patch(f"{base}Users/{user_id}", json=disable) as r:
            body = await r.json(content_type=None)
            steps.show(
                "Disable (Entra's string 'False')",
                "PATCH /Users/{id}",
                r.status,
                f"active={body['active']}",
            )


def _check_port(host: str, port: int) -> None:
    """Fail with a plain message when the port is taken (uvicorn would exit the process)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({exc.strerror}); is another server running "
                "there? Choose another port with --port"
            ) from exc


async def _serve_while(
    settings: Settings, host: str, port: int, work: Callable[[], Awaitable[Any]], *, once: bool
) -> None:
    _check_port(host, port)
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            raise ConfigError(f"the server on {host}:{port} stopped while starting; see above")
        await asyncio.sleep(0.05)
    try:
        await work()
        if not once:
            await serving
    finally:
        server.should_exit = True
        await serving


async def run_demo(
    settings: Settings,
    host: str,
    port: int,
    *,
    once: bool,
    on_ready: Callable[[dict[str, Any]], None] | None = None,
    console: Console | None = None,
) -> None:
    """Run the demo; with ``once`` it exits after the walkthrough, else it keeps serving.

    ``on_ready`` receives the tenant URLs, the token and the steps once the walkthrough is done.
    """
    console = console or Console(highlight=False, soft_wrap=True)
    steps = _Steps(console)
    tenant, token = await _demo_tenant(settings)
    origin = f"http://{host}:{port}"
    urls = [
        origin + form.replace("{tenant}", tenant.id) + "/"
        for form in ("/v1/scim/{tenant}", "/identity/scim/{tenant}/v2")
    ]

    async def work() -> None:
        console.print(
            f"[bold]Scimitar[/] is serving on {origin} (store: "
            f"{settings.resolved_database_url.split(':///')[-1]})"
        )
        console.print(
            "\nThe embedded Cisco Webex target — paste these into the app's Provisioning page:"
        )
        console.print(f"  Tenant URL:   {urls[0]}")
        console.print(f"  (also)        {urls[1]}")
        console.print(f"  Secret Token: {token}")
        console.print("\nWhat Entra sends, answered by the target:")
        await _entra_requests(steps, urls[0], token)
        if on_ready is not None:
            on_ready(
                {
                    "url": origin,
                    "tenant_id": tenant.id,
                    "tenant_urls": urls,
                    "token": token,
                    "steps": steps.recorded,
                }
            )
        if not once:
            console.print("\nServing until Ctrl+C.")

    await _serve_while(settings, host, port, work, once=once)
