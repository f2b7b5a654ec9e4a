"""Odd input to a real ``scimitar serve`` over a socket: each a 4xx naming the problem."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = {"Content-Type": "application/scim+json"}


@pytest.fixture(scope="module")
def scim(server: Server) -> Iterator[httpx.Client]:
    tenant = server.tenant("hostile", "--profile", "generic")
    headers = {"Authorization": f"Bearer {tenant['token']}", **SCIM_JSON}
    with httpx.Client(base_url=tenant["tenant_urls"][0], headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    key = server.cli_json("admin", "key", "create", "hostile-input")["key"]
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=f"{server.url}/api/v1", headers=headers, timeout=30) as client:
        assert client.post("/apps", json={"template": "cisco-webex", "name": "X"}).is_success
        yield client


def _scim_error(response: httpx.Response, scim_type: str, word: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["scimType"] == scim_type
    assert word in body["detail"]


def _problem(response: httpx.Response, status: int, word: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert word in body["detail"] + str(body.get("errors", ""))
    return body


@pytest.mark.parametrize(
    ("method", "path", "raw", "scim_type", "word"),
    [
        ("POST", "Users", "[" * 1000 + "]" * 1000, "invalidSyntax", "nested more than 32"),
        (
            "POST",
            "Users",
            f'{{"schemas":["{CORE_USER}"],"userName":"\\ud800"}}',
            "invalidValue",
            "lone surrogate",
        ),
        ("POST", "Users", f'{{"schemas":["{CORE_USER}"],"userName":" "}}', "invalidValue", "blank"),
        (
            "POST",
            "Users",
            f'{{"schemas":["{CORE_USER}"],"userName":"a\\u0000"}}',
            "invalidValue",
            "U+0000",
        ),
    ],
    ids=["deep", "surrogate", "blank-userName", "nul"],
)
def test_target_bodies(
    scim: httpx.Client, method: str, path: str, raw: str, scim_type: str, word: str
) -> None:
    response = scim.request(method, path, content=raw.encode("utf-8", "surrogatepass"))
    _scim_error(response, scim_type, word)


@pytest.mark.parametrize(
    ("params", "scim_type", "word"),
    [
        ({"filter": " or ".join(["a pr"] * 1000)}, "invalidFilter", "comparisons"),
        ({"filter": "(" * 400 + "a pr" + ")" * 400}, "invalidFilter", "nested"),
        ({"filter": 'userName eq "\\ud800"'}, "invalidFilter", "lone surrogate"),
        ({"startIndex": "18446744073709551617"}, "invalidValue", "startIndex"),
    ],
    ids=["1000-or", "400-parens", "surrogate", "startIndex"],
)
def test_target_queries(
    scim: httpx.Client, params: dict[str, str], scim_type: str, word: str
) -> None:
    _scim_error(scim.get("Users", params=params), scim_type, word)


def test_target_patch_without_value_and_duplicate_bulk_ids(scim: httpx.Client) -> None:
    created = scim.post("Users", json={"schemas": [CORE_USER], "userName": "e2e@x.org"})
    assert created.status_code == 201, created.text
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName"}]}
    _scim_error(scim.patch(f"Users/{created.json()['id']}", json=patch), "invalidValue", "value")
    operation = {"method": "POST", "path": "/Users", "bulkId": "b", "data": {}}
    _scim_error(
        scim.post("Bulk", json={"Operations": [operation, operation]}), "invalidValue", "'b'"
    )


def test_api_repros(api: httpx.Client) -> None:
    _problem(api.put("/apps/X/mappings", json={"User": 5}), 422, "expected a mapping set")
    _problem(api.get("/apps/X/logs", params={"since": "99999999999d"}), 422, "before year 1")
    raw = b'{"userPrincipalName":"ada@x.com","displayName":"\\ud800"}'
    headers = {"Content-Type": "application/json"}
    _problem(api.post("/directory/users", content=raw, headers=headers), 422, "lone surrogate")
    deep = b'{"users":[' + b"[" * 1000 + b"]" * 1000 + b"]}"
    _problem(api.post("/directory/import", content=deep, headers=headers), 422, "nested")
    credentials = {"tenantUrl": "https://example.invalid/scim/", "token": "abc\r\nX-Evil: 1"}
    _problem(api.put("/apps/X/credentials", json=credentials), 422, "line break")
