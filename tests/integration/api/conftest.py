"""``scimitar serve``'s app on a real socket (uvicorn on a free port), with an API key.

The embedded target is served by the same app, so credentials can point at one of its tenants
and Test Connection, provisioning and sync run over real HTTP end to end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.audit import Actor
from scimitar.logs import configure_logging
from scimitar.settings import Settings
from scimitar.target.tenants import TenantService
from tests.conftest import free_port


@dataclass
class API:
    """A running server and a client that sends a valid API key."""

    base: str
    http: httpx.AsyncClient
    key: str
    app: Any

    async def tenant(self, name: str = "acme") -> tuple[str, str]:
        """A Webex tenant of the embedded target: its Tenant URL and token."""
        tenant, token = await TenantService(self.app.state.database).create(
            name, "webex", actor=Actor.cli("tests")
        )
        return f"{self.base}/v1/scim/{tenant.id}/", token

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """Send a request, assert its status, return its JSON."""
        response = await self.http.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json()

    async def problem(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        """Send a request expected to fail; assert a problem document with that status."""
        response = await self.http.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        assert body["type"].startswith("urn:scimitar:problem:")
        assert body["title"]
        assert body["detail"]
        return body


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A SQLite store: the API layer adds no SQL, and its services are tested on both backends."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[tuple[str, Any]]:
    """The whole app (admin API and target) served on 127.0.0.1 at a free port."""
    configure_logging(logging.DEBUG)
    app = create_app(settings, include_target=True)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def api(served: tuple[str, Any]) -> AsyncIterator[API]:
    """A client of the served API carrying a fresh API key."""
    base, app = served
    _made, key = await AdminAuth(app.state.database).keys.create("tests", actor=Actor.cli("tests"))
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=f"{base}/api/v1", headers=headers, timeout=60) as http:
        yield API(base, http, key, app)
