"""The portal over ASGI (no browser): forms posted as a browser without JavaScript posts them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.audit import Actor
from scimitar.portal.context import Portal
from scimitar.settings import Settings

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Browser:
    """An HTTP client keeping the portal's cookie, and the portal's services."""

    client: httpx.AsyncClient
    portal: Portal

    async def sign_in(self, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post(
            "/portal/signin", data={"method": "password", "password": password}
        )

    async def csrf(self, path: str = "/portal/apps") -> str:
        """The CSRF token a page of the session carries."""
        found = _CSRF.search((await self.client.get(path)).text)
        assert found is not None, f"no CSRF token on {path}"
        return found.group(1)

    async def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        """Post a form with the session's CSRF token."""
        return await self.client.post(path, data={"csrf": await self.csrf(), **data})


@pytest.fixture
async def portal_client(tmp_path: Path) -> AsyncIterator[Browser]:
    """A signed-out client of a fresh portal on SQLite with an admin password set."""
    app = create_app(Settings(data_dir=tmp_path / "data"), include_target=False)
    async with app.router.lifespan_context(app):
        portal: Portal = app.routes[-1].app.state.portal  # type: ignore[attr-defined]
        await AdminAuth(portal.database).set_password(PASSWORD, actor=Actor.cli("tests"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Browser(client, portal)
