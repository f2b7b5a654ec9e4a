"""Request bodies: authenticated before they are read, and capped on every route (ASGI).

Bodies are streamed from a generator, so a test sees how much of a body the server pulled:
a refused request must stop pulling at once, not after reading everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.audit import Actor
from scimitar.settings import Settings
from scimitar.target.tenants import TenantService

LIMIT = 4096
CHUNK = 1024


@dataclass
class Body:
    """A streamed body of ``chunks`` chunks that counts how many the server pulled."""

    chunks: int
    pulled: int = field(default=0)

    async def stream(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"x" * CHUNK


@dataclass
class Served:
    client: httpx.AsyncClient
    app: Any
    key: str


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    settings = Settings(data_dir=tmp_path / "data", max_request_bytes=LIMIT)
    app = create_app(settings, include_target=True)
    async with app.router.lifespan_context(app):
        _made, key = await AdminAuth(app.state.database).keys.create(
            "limits", actor=Actor.cli("tests")
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Served(client, app, key)


async def test_an_anonymous_api_body_is_refused_before_it_is_read(served: Served) -> None:
    body = Body(chunks=1000)
    response = await served.client.post("/api/v1/directory/users", content=body.stream())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert body.pulled <= 1


async def test_a_wrong_key_is_refused_before_the_body_is_read(served: Served) -> None:
    body = Body(chunks=1000)
    response = await served.client.post(
        "/api/v1/directory/users",
        content=body.stream(),
        headers={"Authorization": "Bearer scimadm_000000000000_wrong"},
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert body.pulled <= 1


async def test_an_authenticated_chunked_body_over_the_limit_is_413(served: Served) -> None:
    body = Body(chunks=1000)
    response = await served.client.post(
        "/api/v1/directory/users",
        content=body.stream(),
        headers={"Authorization": f"Bearer {served.key}"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "SCIMITAR_MAX_REQUEST_BYTES" in response.json()["detail"]
    assert body.pulled <= LIMIT // CHUNK + 2


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/api/v1/directory/users", "application/problem+json"),
        ("/portal/signin", "text/plain"),
        ("/scim/00000000-0000-0000-0000-000000000000/v2/Users", "application/scim+json"),
    ],
    ids=["api", "portal", "target"],
)
async def test_a_declared_length_over_the_limit_is_413_at_once(
    served: Served, path: str, media_type: str
) -> None:
    body = Body(chunks=LIMIT // CHUNK + 1)
    headers = {
        "Authorization": f"Bearer {served.key}",
        "Content-Length": str((LIMIT // CHUNK + 1) * CHUNK),
    }
    response = await served.client.post(path, content=body.stream(), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(media_type)
    assert body.pulled == 0


async def test_a_chunked_portal_form_over_the_limit_is_413(served: Served) -> None:
    body = Body(chunks=1000)
    response = await served.client.post(
        "/portal/signin",
        content=body.stream(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert body.pulled <= LIMIT // CHUNK + 2


async def test_a_chunked_scim_body_over_the_limit_is_413(served: Served) -> None:
    tenant, token = await TenantService(served.app.state.database).create(
        "limits", "generic", actor=Actor.cli("tests")
    )
    body = Body(chunks=1000)
    response = await served.client.post(
        f"/scim/{tenant.id}/v2/Users",
        content=body.stream(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
    )
    assert response.status_code == 413
    assert response.json()["status"] == "413"
    assert body.pulled <= LIMIT // CHUNK + 2
    spc = await served.client.get(
        f"/scim/{tenant.id}/v2/ServiceProviderConfig",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert spc.json()["bulk"]["maxPayloadSize"] == LIMIT


async def test_bodies_within_the_limit_still_work(served: Served) -> None:
    response = await served.client.post(
        "/api/v1/directory/users",
        json={"userPrincipalName": "ada@contoso.com"},
        headers={"Authorization": f"Bearer {served.key}"},
    )
    assert response.status_code == 201, response.text
