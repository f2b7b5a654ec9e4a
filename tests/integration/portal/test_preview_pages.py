"""Preview next cycle, drift and orphans in the portal, with the target on a real socket."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.apps import Scope
from scimitar.audit import Actor
from scimitar.portal.context import Portal
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.target.tenants import TenantService
from tests.conftest import free_port

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _portal_of(app: Any) -> Portal:
    for route in app.routes:
        state = getattr(getattr(route, "app", None), "state", None)
        if state is not None and hasattr(state, "portal"):
            portal: Portal = state.portal
            return portal
    raise AssertionError("no portal mounted")


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[Any, ...]]:
    """The whole server on a socket, signed in, with a Webex app of 2 users on its own tenant."""
    app = create_app(Settings(data_dir=tmp_path / "data"), include_target=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        portal = _portal_of(app)
        await AdminAuth(portal.database).set_password(PASSWORD, actor=Actor.cli("tests"))
        actor = Actor.cli("tests")
        for name in ("ada", "bob"):
            await portal.directory.users.create({"userPrincipalName": f"{name}@contoso.com"})
        tenant, token = await TenantService(portal.database).create("acme", "webex", actor=actor)
        url = f"http://127.0.0.1:{port}/v1/scim/{tenant.id}/"
        made = await portal.apps.apps.add("cisco-webex", "Webex", actor=actor)
        await portal.apps.provisioning.set_credentials("Webex", url, Secret(token), actor=actor)
        config = await portal.apps.provisioning.config("Webex")
        await portal.apps.provisioning.update_settings(
            "Webex", replace(config.settings, scope=Scope.ALL), actor=actor
        )
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            signed = await client.post(
                "/portal/signin", data={"method": "password", "password": PASSWORD}
            )
            assert signed.status_code in (200, 303), signed.text
            yield client, portal, made.id, (url, token)
    finally:
        server.should_exit = True
        await task


async def _post(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    page = (await client.get("/portal/apps")).text
    found = _CSRF.search(page)
    assert found is not None
    return await client.post(path, data={"csrf": found.group(1), **data})


async def test_preview_shows_the_creates_and_writes_nothing(site: Any) -> None:
    client, portal, app_id, _target = site
    page = await client.get(f"/portal/apps/{app_id}/preview")
    assert "Preview next cycle" in page.text

    shown = await _post(client, f"/portal/apps/{app_id}/preview", {})

    assert shown.status_code == 200, shown.text
    assert "ada@contoso.com" in shown.text
    assert 'id="plan-summary"' in shown.text
    assert "create" in shown.text
    status = await portal.status.status(app_id)
    assert status.to_dict()["lastCycle"] is None


async def test_drift_and_orphans_pages(site: Any) -> None:
    client, _portal, app_id, (url, token) = site
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as target:
        made = await target.post("Users", json={"schemas": [_USER], "userName": "x@example.com"})
        assert made.status_code == 201
    stray = made.json()["id"]

    drift = await _post(client, f"/portal/apps/{app_id}/accounts/drift", {})
    assert drift.status_code == 200, drift.text
    assert "No drift" in drift.text
    listed = await _post(client, f"/portal/apps/{app_id}/accounts/orphans", {})
    assert stray in listed.text
    unconfirmed = await _post(
        client, f"/portal/apps/{app_id}/accounts/orphans", {"id": stray, "action": "delete"}
    )
    assert unconfirmed.status_code == 400
    assert "I confirm" in unconfirmed.text
    deleted = await _post(
        client,
        f"/portal/apps/{app_id}/accounts/orphans",
        {"id": stray, "action": "delete", "confirm": "on"},
    )
    assert deleted.status_code == 200, deleted.text
    assert "No orphans" in deleted.text
