"""Wrong API keys and wrong tenant tokens back off with 429 and Retry-After (ASGI).

The counting itself runs on SQLite and PostgreSQL in tests/integration/security/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.audit import Actor, AuditLog, AuditQuery
from scimitar.settings import Settings
from scimitar.target.tenants import TenantService

FREE_FAILURES = 3
WRONG_KEY = "scimadm_0badc0ffee00_not-the-secret"


@dataclass
class Served:
    client: httpx.AsyncClient
    app: Any
    key: str


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    settings = Settings(data_dir=tmp_path / "data", auth_free_failures=FREE_FAILURES)
    app = create_app(settings, include_target=True)
    async with app.router.lifespan_context(app):
        _made, key = await AdminAuth(app.state.database).keys.create(
            "throttle", actor=Actor.cli("tests")
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Served(client, app, key)


async def _apps(served: Served, key: str) -> httpx.Response:
    return await served.client.get("/api/v1/apps", headers={"Authorization": f"Bearer {key}"})


async def test_wrong_api_keys_back_off_with_429(served: Served) -> None:
    statuses = [(await _apps(served, WRONG_KEY)).status_code for _ in range(FREE_FAILURES)]
    assert statuses == [401] * FREE_FAILURES
    throttled = await _apps(served, WRONG_KEY)
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == "application/problem+json"
    assert int(throttled.headers["retry-after"]) >= 1
    assert throttled.json()["type"] == "urn:scimitar:problem:too-many-failures"
    # Blocked by address: a good key from here waits too (a POST is refused before its body).
    posted = await served.client.post(
        "/api/v1/directory/users",
        json={"userPrincipalName": "ada@contoso.com"},
        headers={"Authorization": f"Bearer {served.key}"},
    )
    assert posted.status_code == 429


async def test_requests_without_a_key_are_refused_but_not_counted(served: Served) -> None:
    for _ in range(FREE_FAILURES * 3):
        assert (await served.client.get("/api/v1/apps")).status_code == 401
    assert (await _apps(served, served.key)).status_code == 200


async def test_wrong_keys_are_audited_by_id_only(served: Served) -> None:
    await _apps(served, WRONG_KEY)
    page = await AuditLog(served.app.state.database).query(AuditQuery(action="api"))
    assert [record.action for record in page.records] == ["api.auth_failed"]
    assert page.records[0].after is not None
    assert page.records[0].after["keyId"] == "0badc0ffee00"
    assert "not-the-secret" not in str(page.records[0].to_dict())


async def test_wrong_tenant_tokens_back_off_with_429(served: Served) -> None:
    tenant, token = await TenantService(served.app.state.database).create(
        "t", "generic", actor=Actor.cli("tests")
    )
    users = f"/scim/{tenant.id}/v2/Users"
    wrong = {"Authorization": "Bearer not-the-token"}
    statuses = [(await served.client.get(users, headers=wrong)).status_code for _ in range(3)]
    assert statuses == [401] * FREE_FAILURES
    throttled = await served.client.get(users, headers={"Authorization": f"Bearer {token}"})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert throttled.json()["status"] == "429"
