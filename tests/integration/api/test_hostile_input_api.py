"""Odd input to the admin API is a 4xx problem naming what is wrong, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api.conftest import API

JSON = {"Content-Type": "application/json"}
DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
async def webex(api: API) -> API:
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    return api


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"User": 5}, "User mappings: expected a mapping set"),
        ({"User": {"attributeMappings": [5]}}, "a mapping must be an object"),
        ({"User": {"attributeMappings": [], "scope": 5}}, "needs a groups list"),
        ({"User": {"attributeMappings": [], "scope": {"groups": [5]}}}, "scoping filter must be"),
        (
            {"User": {"attributeMappings": [], "scope": {"groups": [{"clauses": [7]}]}}},
            "scoping clause must be",
        ),
    ],
    ids=["set-is-int", "mapping-is-int", "scope-is-int", "filter-is-int", "clause-is-int"],
)
async def test_mappings_document_of_wrong_shape_is_422(
    webex: API, document: dict[str, Any], says: str
) -> None:
    before = await webex.ok("GET", "/apps/Webex/mappings")
    problem = await webex.problem("PUT", "/apps/Webex/mappings", 422, json=document)
    assert says in problem["detail"]
    assert await webex.ok("GET", "/apps/Webex/mappings") == before


@pytest.mark.parametrize("since", ["99999999999d", "9" * 30 + "w"], ids=["days", "weeks"])
async def test_logs_since_out_of_range_is_422(webex: API, since: str) -> None:
    problem = await webex.problem("GET", "/apps/Webex/logs", 422, params={"since": since})
    assert "query parameter since" in problem["detail"]
    assert "before year 1" in problem["detail"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"userPrincipalName":"ada@x.com","displayName":"\\ud800"}', "displayName"),
        (b'{"userPrincipalName":"ada@x.com","displayName":"A\\u0000da"}', "displayName"),
        (b'{"userPrincipalName":"a\\u0000da@x.com"}', "userPrincipalName"),
        (b'{"userPrincipalName":"ada@x.com","givenName":"A\\nda"}', "givenName"),
    ],
    ids=["surrogate", "nul", "nul-upn", "newline-name"],
)
async def test_directory_refuses_unstorable_text(api: API, raw: bytes, field: str) -> None:
    problem = await api.problem("POST", "/directory/users", 422, content=raw, headers=JSON)
    assert problem["errors"][0]["field"] == f"body.{field}"
    assert (await api.ok("GET", "/directory/users"))["items"] == []


@pytest.mark.parametrize(
    "raw",
    [
        '{"users":[' + DEEP + "]}",
        '{"users":[{"userPrincipalName":"q@x.com","displayName":' + DEEP + "}]}",
        '{"users":[],"groups":' + DEEP + "}",
    ],
    ids=["record", "value", "section"],
)
async def test_deeply_nested_import_is_rejected_whole(api: API, raw: str) -> None:
    problem = await api.problem(
        "POST", "/directory/import", 422, content=raw.encode(), headers=JSON
    )
    assert "nested more than 32 levels" in problem["errors"][0]["message"]
    assert (await api.ok("GET", "/directory/users"))["items"] == []


async def test_import_with_lone_surrogate_names_its_line(api: API) -> None:
    raw = (
        b'{"users": [\n  {"userPrincipalName": "ok@x.com"},\n'
        b'  {"userPrincipalName": "q\\ud800@x.com"}\n]}'
    )
    problem = await api.problem("POST", "/directory/import", 422, content=raw, headers=JSON)
    assert problem["errors"] == [
        {
            "field": "userPrincipalName",
            "message": "holds a lone surrogate \\ud800, not Unicode text",
            "line": 3,
        }
    ]


@pytest.mark.parametrize(
    "token",
    ["abc\r\nX-Injected: 1", "abc\ndef", "abc\x00", "tökén"],
    ids=["crlf", "lf", "nul", "non-ascii"],
)
async def test_token_that_cannot_be_a_header_is_refused(webex: API, token: str) -> None:
    url, _good = await webex.tenant()
    body = {"tenantUrl": url, "token": token}
    problem = await webex.problem("PUT", "/apps/Webex/credentials", 422, json=body)
    assert "the Secret Token holds" in problem["detail"]
    assert token not in problem["detail"]
    assert (await webex.ok("GET", "/apps/Webex"))["hasToken"] is False


@pytest.mark.parametrize(
    ("path", "method"),
    [("/directory/users", "POST"), ("/apps/Webex/mappings", "PUT"), ("/apps", "POST")],
)
async def test_body_nested_too_deep_is_400_saying_so(webex: API, path: str, method: str) -> None:
    raw = ('{"a":' + DEEP + "}").encode()
    problem = await webex.problem(method, path, 400, content=raw, headers=JSON)
    assert "nests arrays and objects deeper than the server reads" in problem["detail"]
