"""``PUT /apps/{app}/credentials`` with an OAuth2 client credentials grant (a real server)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.integration.api.conftest import API
from tests.oauth2server import Served, serve_oauth2

SECRET = "cs_api_0a6c35d8b9f2b7d41e"


@pytest.fixture
async def auth() -> AsyncIterator[Served]:
    async with serve_oauth2({"api-client": (SECRET, ("scim2",))}) as served:
        yield served


def _oauth2(auth: Served, secret: str = SECRET) -> dict[str, object]:
    return {"tokenUrl": auth.token_url, "clientId": "api-client", "clientSecret": secret}


async def test_save_and_test_connection_never_return_the_secret(api: API, auth: Served) -> None:
    await api.ok("POST", "/apps", 201, json={"template": "scim", "name": "Lab"})
    body = {"tenantUrl": auth.tenant_url, "oauth2": {**_oauth2(auth), "scopes": ["scim2"]}}

    saved = await api.ok("PUT", "/apps/Lab/credentials", json=body)
    tested = await api.ok("POST", "/apps/Lab/test-connection")

    assert saved["oauth2"] == {
        "grant": "client_credentials",
        "tokenUrl": auth.token_url,
        "clientId": "api-client",
        "scopes": ["scim2"],
    }
    assert saved["hasToken"] is False
    assert tested["ok"] is True
    assert SECRET not in json.dumps([saved, tested])


async def test_a_token_and_a_grant_together_are_refused(api: API, auth: Served) -> None:
    await api.ok("POST", "/apps", 201, json={"template": "scim", "name": "Lab"})
    body = {"tenantUrl": auth.tenant_url, "token": "tok-12345678", "oauth2": _oauth2(auth)}

    problem = await api.problem("PUT", "/apps/Lab/credentials", 422, json=body)

    assert "exactly one" in problem["detail"]
    assert auth.state.token_requests == []


async def test_a_refused_secret_is_a_problem_without_the_secret(api: API, auth: Served) -> None:
    await api.ok("POST", "/apps", 201, json={"template": "scim", "name": "Lab"})
    body = {"tenantUrl": auth.tenant_url, "oauth2": _oauth2(auth, "wrong-secret-9a8b")}

    response = await api.http.put("/apps/Lab/credentials", json=body)

    assert response.status_code >= 400
    assert "invalid_client" in response.text
    assert "wrong-secret-9a8b" not in response.text
