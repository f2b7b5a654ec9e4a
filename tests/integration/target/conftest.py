"""The target in process (httpx over ASGI) on each store backend, with a tenant per profile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from scimitar.audit import Actor
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.target.http import create_target_app
from scimitar.target.tenants import Tenant, TenantService


@dataclass
class TargetClient:
    """An HTTP client bound to one tenant's base URL and token."""

    http: httpx.AsyncClient
    tenant: Tenant
    token: str
    base: str

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    async def get(self, path: str, **kwargs: object) -> httpx.Response:
        return await self.http.get(self.url(path), **kwargs)  # type: ignore[arg-type]

    async def post(self, path: str, json: object, **kwargs: object) -> httpx.Response:
        return await self.http.post(self.url(path), json=json, **kwargs)  # type: ignore[arg-type]

    async def put(self, path: str, json: object, **kwargs: object) -> httpx.Response:
        return await self.http.put(self.url(path), json=json, **kwargs)  # type: ignore[arg-type]

    async def patch(self, path: str, json: object, **kwargs: object) -> httpx.Response:
        return await self.http.patch(self.url(path), json=json, **kwargs)  # type: ignore[arg-type]

    async def delete(self, path: str, **kwargs: object) -> httpx.Response:
        return await self.http.delete(self.url(path), **kwargs)  # type: ignore[arg-type]


async def make_client(
    database: Database, settings: Settings, profile: str, name: str, form: int = 0
) -> TargetClient:
    tenant, token = await TenantService(database).create(name, profile, actor=Actor.cli("tests"))
    app = create_target_app(database, settings)
    transport = httpx.ASGITransport(app=app)
    http = httpx.AsyncClient(
        transport=transport,
        base_url="http://target.test",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
    )
    forms = {"webex": ["/v1/scim/{t}", "/identity/scim/{t}/v2"], "generic": ["/scim/{t}/v2"]}
    base = forms[profile][form].replace("{t}", tenant.id)
    return TargetClient(http, tenant, token, base)


@pytest.fixture
async def webex(database: Database, settings: Settings) -> AsyncIterator[TargetClient]:
    client = await make_client(database, settings, "webex", "acme-webex")
    yield client
    await client.http.aclose()


@pytest.fixture
async def generic(database: Database, settings: Settings) -> AsyncIterator[TargetClient]:
    client = await make_client(database, settings, "generic", "acme-generic")
    yield client
    await client.http.aclose()
