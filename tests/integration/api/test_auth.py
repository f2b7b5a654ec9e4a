"""Every /api/v1 operation needs a valid API key; failures are 401 problems with a challenge."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from scimitar.admin import AdminAuth
from scimitar.audit import Actor
from tests.integration.api.conftest import API


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, None),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, None),
        ({"Authorization": "Bearer"}, None),
        ({"Authorization": "Bearer scimadm_000000000000_notakey"}, "invalid_token"),
        ({"Authorization": "Bearer something-else"}, "invalid_token"),
    ],
    ids=["none", "basic", "empty-bearer", "unknown-key", "not-a-key"],
)
async def test_requests_without_a_valid_key_are_refused(
    served: tuple[str, Any], headers: dict[str, str], error: str | None
) -> None:
    base, _app = served
    async with httpx.AsyncClient(base_url=f"{base}/api/v1") as http:
        response = await http.get("/apps", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="scimitar"')
    assert (f'error="{error}"' in challenge) == (error is not None)
    body = response.json()
    assert body["type"] == "urn:scimitar:problem:unauthorized"
    assert "scimitar admin key create" in body["detail"]


async def test_every_operation_needs_a_key(served: tuple[str, Any]) -> None:
    base, _app = served
    async with httpx.AsyncClient(base_url=f"{base}/api/v1") as http:
        document = (await http.get("/openapi.json")).json()
        assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                assert operation["security"] == [{"apiKey": []}], (method, path)
                assert "401" in operation["responses"], (method, path)
                concrete = path.replace("{", "").replace("}", "")
                response = await http.request(method.upper(), concrete)
                assert response.status_code == 401, (method, path, response.text)


async def test_a_revoked_key_stops_working_at_once(api: API) -> None:
    await api.ok("GET", "/apps")
    await AdminAuth(api.app.state.database).keys.revoke("tests", actor=Actor.cli("tests"))
    body = await api.problem("GET", "/apps", 401)
    assert "revoked or mistyped" in body["detail"]


async def test_a_used_key_records_when(api: API) -> None:
    await api.ok("GET", "/apps")
    listed = await AdminAuth(api.app.state.database).keys.list()
    assert listed[0].last_used_at is not None


async def test_unknown_paths_are_problems_too(api: API) -> None:
    body = await api.problem("GET", "/no-such-thing", 404)
    assert "openapi.json" in body["detail"]
