"""Every operation that names an object answers a 404 problem naming it when it does not exist,
and the OpenAPI document describes every answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.api.conftest import API

_USER = {"userPrincipalName": "nobody@contoso.com"}
_MISSING = [
    ("GET", "/directory/users/nobody@contoso.com", None, "nobody@contoso.com"),
    ("PATCH", "/directory/users/nobody@contoso.com", {"jobTitle": "x"}, "nobody@contoso.com"),
    ("POST", "/directory/users/nobody@contoso.com/disable", None, "nobody@contoso.com"),
    ("POST", "/directory/users/nobody@contoso.com/enable", None, "nobody@contoso.com"),
    ("POST", "/directory/users/nobody@contoso.com/restore", None, "nobody@contoso.com"),
    ("DELETE", "/directory/users/nobody@contoso.com", None, "nobody@contoso.com"),
    ("GET", "/directory/groups/Nowhere", None, "Nowhere"),
    ("PATCH", "/directory/groups/Nowhere", {"description": "x"}, "Nowhere"),
    ("DELETE", "/directory/groups/Nowhere", None, "Nowhere"),
    ("POST", "/directory/groups/Nowhere/restore", None, "Nowhere"),
    ("POST", "/directory/groups/Nowhere/members", {"members": ["a@b.c"]}, "Nowhere"),
    ("DELETE", "/directory/groups/Nowhere/members/a@b.c", None, "Nowhere"),
    ("GET", "/gallery/nowhere", None, "nowhere"),
    ("GET", "/apps/Nowhere", None, "Nowhere"),
    ("DELETE", "/apps/Nowhere", None, "Nowhere"),
    ("GET", "/apps/Nowhere/assignments", None, "Nowhere"),
    ("POST", "/apps/Nowhere/assignments", {"user": "a@b.c"}, "Nowhere"),
    ("DELETE", "/apps/Nowhere/assignments?user=a@b.c", None, "Nowhere"),
    (
        "PUT",
        "/apps/Nowhere/credentials",
        {"tenantUrl": "https://x.example/", "token": "t"},
        "Nowhere",
    ),
    ("POST", "/apps/Nowhere/test-connection", None, "Nowhere"),
    ("GET", "/apps/Nowhere/settings", None, "Nowhere"),
    ("PATCH", "/apps/Nowhere/settings", {"interval_minutes": 30}, "Nowhere"),
    ("PUT", "/apps/Nowhere/provisioning", {"state": "off"}, "Nowhere"),
    ("POST", "/apps/Nowhere/sync", None, "Nowhere"),
    ("POST", "/apps/Nowhere/provision", {"user": "a@b.c"}, "Nowhere"),
    ("GET", "/apps/Nowhere/status", None, "Nowhere"),
    ("POST", "/apps/Nowhere/pause", None, "Nowhere"),
    ("POST", "/apps/Nowhere/start", None, "Nowhere"),
    ("POST", "/apps/Nowhere/restart", None, "Nowhere"),
    ("GET", "/apps/Nowhere/deletes", None, "Nowhere"),
    ("POST", "/apps/Nowhere/deletes/allow", None, "Nowhere"),
    ("POST", "/apps/Nowhere/deletes/reject", None, "Nowhere"),
    ("GET", "/apps/Nowhere/logs", None, "Nowhere"),
    ("GET", "/apps/Nowhere/mappings", None, "Nowhere"),
    ("PUT", "/apps/Nowhere/mappings", {"User": {}}, "Nowhere"),
    ("POST", "/apps/Nowhere/mappings/restore-defaults", None, "Nowhere"),
    ("GET", "/apps/Nowhere/mappings/user", None, "Nowhere"),
    ("PUT", "/apps/Nowhere/mappings/user/attributes/title", {"source": "jobTitle"}, "Nowhere"),
    ("DELETE", "/apps/Nowhere/mappings/user/attributes/title", None, "Nowhere"),
    ("POST", "/apps/Nowhere/mappings/user/test", {"expression": "[a]", "user": "a@b.c"}, "Nowhere"),
    ("GET", "/apps/Nowhere/scoping/user", None, "Nowhere"),
    (
        "POST",
        "/apps/Nowhere/scoping/user/clauses",
        {"attribute": "department", "operator": "IS NULL"},
        "Nowhere",
    ),
    ("DELETE", "/apps/Nowhere/scoping/user/filters/F", None, "Nowhere"),
    ("DELETE", "/apps/Nowhere/scoping/user", None, "Nowhere"),
    ("GET", "/apps/Nowhere/attributes/user", None, "Nowhere"),
    ("POST", "/apps/Nowhere/attributes/user", {"name": "nickName"}, "Nowhere"),
    ("DELETE", "/apps/Nowhere/attributes/user/nickName", None, "Nowhere"),
    ("GET", "/apps/Nowhere/config", None, "Nowhere"),
    ("PUT", "/apps/Nowhere/config", {"format": "scimitar.app-config"}, "Nowhere"),
    ("POST", "/apps/Nowhere/plan", None, "Nowhere"),
    ("GET", "/apps/Nowhere/plan/no-such-plan", None, "Nowhere"),
    ("GET", "/apps/Nowhere/drift", None, "Nowhere"),
    ("POST", "/apps/Nowhere/drift/fix", None, "Nowhere"),
    ("GET", "/apps/Nowhere/orphans", None, "Nowhere"),
    ("POST", "/apps/Nowhere/orphans/adopt", {"all": True}, "Nowhere"),
    ("GET", "/sources/nowhere", None, "nowhere"),
    ("DELETE", "/sources/nowhere", None, "nowhere"),
    ("GET", "/sources/nowhere/logs", None, "nowhere"),
    ("GET", "/sources/nowhere/mappings/user", None, "nowhere"),
    ("PATCH", "/sources/nowhere/settings", {}, "nowhere"),
    ("POST", "/sources/nowhere/sync", None, "nowhere"),
    ("POST", "/sources/nowhere/test", None, "nowhere"),
    ("GET", "/validate/no-such-run", None, "no-such-run"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "named"), _MISSING, ids=[f"{m} {p}" for m, p, _b, _n in _MISSING]
)
async def test_a_missing_object_is_a_404_naming_it(
    api: API, method: str, path: str, body: dict[str, Any] | None, named: str
) -> None:
    problem = await api.problem(method, path, 404, json=body)
    assert problem["type"] == "urn:scimitar:problem:not-found"
    assert named.lower() in problem["detail"].lower()


async def test_every_operation_is_covered_above(served: tuple[str, Any]) -> None:
    base, _app = served
    async with httpx.AsyncClient(base_url=f"{base}/api/v1") as http:
        document = (await http.get("/openapi.json")).json()
    with_objects = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if "{" in path
    }
    tested = {(m, p.split("?")[0]) for m, p, _b, _n in _MISSING}
    templated = {(m, _template(p, document)) for m, p in tested}
    assert with_objects - templated == set()


def _template(path: str, document: dict[str, Any]) -> str:
    parts = path.strip("/").split("/")
    for candidate in document["paths"]:
        pattern = candidate.strip("/").split("/")
        if len(pattern) == len(parts) and all(
            a == b or a.startswith("{") for a, b in zip(pattern, parts, strict=True)
        ):
            return candidate
    return path


async def test_the_document_describes_every_answer(served: tuple[str, Any]) -> None:
    base, _app = served
    async with httpx.AsyncClient(base_url=f"{base}/api/v1") as http:
        document = (await http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) >= {"type", "title", "status", "detail"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = [s for s in responses if s.startswith("2")]
            assert success, (method, path)
            for status in success:
                content = responses[status]["content"]
                assert any(c.get("schema") for c in content.values()), (method, path, status)
            for status, answer in responses.items():
                if status[0] in "45":
                    assert list(answer["content"]) == ["application/problem+json"], (path, status)
            assert "summary" in operation
            assert operation.get("description"), (method, path)
