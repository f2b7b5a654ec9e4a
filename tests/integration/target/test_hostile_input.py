"""Odd input is a 4xx naming the problem, never a 500 (RFC 7644 §3.12 scimType keywords)."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.scim.parser import MAX_COMPARISONS, MAX_LENGTH, MAX_NESTING
from tests.integration.target.conftest import TargetClient

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
JSON_HEADERS = {"Content-Type": "application/scim+json"}


def _scim_error(response: Any, status: int, scim_type: str, *words: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == str(status)
    assert body["scimType"] == scim_type
    for word in words:
        assert word in body["detail"], body["detail"]
    return str(body["detail"])


def _user(fields: str) -> str:
    """A user's JSON text with the core schema, from the text of its other fields."""
    return f'{{"schemas":["{CORE_USER}"],{fields}}}'


async def _send(client: TargetClient, method: str, path: str, raw: str) -> Any:
    data = raw.encode("utf-8", "surrogatepass")
    return await client.http.request(method, client.url(path), content=data, headers=JSON_HEADERS)


async def _ada(client: TargetClient) -> str:
    created = await client.post("/Users", {"schemas": [CORE_USER], "userName": "ada@x.org"})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/Users", "[" * 1000 + "]" * 1000),
        (
            "/Users",
            _user('"userName":"x","name":' + '{"a":' * 40 + "1" + "}" * 40),
        ),
        ("/Bulk", '{"Operations":' + "[" * 1000 + "]" * 1000 + "}"),
        ("/Users/.search", '{"filter":' + "[" * 1000 + "]" * 1000 + "}"),
    ],
    ids=["array-1000", "object-40", "bulk-1000", "search-1000"],
)
async def test_deeply_nested_json_is_400_invalid_syntax(
    generic: TargetClient, path: str, raw: str
) -> None:
    response = await _send(generic, "POST", path, raw)
    _scim_error(response, 400, "invalidSyntax", "nested more than 32 levels")
    assert (await generic.get("/Users")).json()["totalResults"] == 0


@pytest.mark.parametrize(
    "raw",
    [
        _user('"userName":"\\ud800"'),
        _user('"userName":"a@x.org","displayName":"A\\udfff"'),
        _user('"userName":"a@x.org","\\ud800":1'),
    ],
    ids=["userName", "displayName", "key"],
)
async def test_lone_surrogate_in_body_is_400_invalid_value(generic: TargetClient, raw: str) -> None:
    response = await _send(generic, "POST", "/Users", raw)
    _scim_error(response, 400, "invalidValue", "lone surrogate")
    assert (await generic.get("/Users")).json()["totalResults"] == 0


@pytest.mark.parametrize(
    "query",
    ['userName eq "\\ud800"', 'displayName eq "a\\udc00b"', 'emails[value eq "\\ud83d"]'],
    ids=["indexed", "scanned", "value-path"],
)
async def test_lone_surrogate_in_filter_is_400_invalid_filter(
    generic: TargetClient, query: str
) -> None:
    await _ada(generic)
    response = await generic.get("/Users", params={"filter": query})
    _scim_error(response, 400, "invalidFilter", "lone surrogate")


async def test_lone_surrogate_in_patch_path_is_400(generic: TargetClient) -> None:
    ada = await _ada(generic)
    operation = '{"op":"remove","path":"emails[value eq \\"\\\\ud800\\"]"}'
    raw = f'{{"schemas":["{PATCH_OP}"],"Operations":[{operation}]}}'
    response = await _send(generic, "PATCH", f"/Users/{ada}", raw)
    _scim_error(response, 400, "invalidPath", "lone surrogate")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (" or ".join(['userName eq "a"'] * 1000), [f"more than the {MAX_LENGTH}"]),
        (" or ".join(["a pr"] * 1000), [f"more than {MAX_COMPARISONS} comparisons"]),
        ("(" * 400 + 'userName eq "a"' + ")" * 400, [f"more than {MAX_NESTING} levels"]),
        ("not " * 400 + 'userName eq "a"', [f"more than {MAX_NESTING} levels"]),
        ("userName eq 1" + "1" * 5000, ["at most 4300 digits"]),
    ],
    ids=["1000-or-long", "1000-or-short", "400-parens", "400-not", "5000-digits"],
)
async def test_oversized_filter_is_400_invalid_filter(
    generic: TargetClient, query: str, words: list[str]
) -> None:
    await _ada(generic)
    response = await generic.get("/Users", params={"filter": query})
    _scim_error(response, 400, "invalidFilter", *words)
    searched = await generic.post("/.search", {"filter": query})
    _scim_error(searched, 400, "invalidFilter", *words)


async def test_filter_within_the_limits_is_answered(generic: TargetClient) -> None:
    await _ada(generic)
    terms = " or ".join([f'userName eq "u{i}"' for i in range(MAX_COMPARISONS - 1)])
    nested = "(" * (MAX_NESTING - 1) + 'userName eq "ada@x.org"' + ")" * (MAX_NESTING - 1)
    response = await generic.get("/Users", params={"filter": f"{terms} or {nested}"})
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/Users?startIndex=18446744073709551617",
        "/Groups?startIndex=99999999999999999999999999999",
        "/Users?startIndex=1" + "0" * 5000,
    ],
    ids=["2^64+1", "huge", "5000-digits"],
)
async def test_start_index_beyond_range_is_400_invalid_value(
    generic: TargetClient, path: str
) -> None:
    response = await generic.get(path)
    _scim_error(response, 400, "invalidValue", "startIndex")


async def test_start_index_beyond_range_in_search_is_400(generic: TargetClient) -> None:
    response = await _send(generic, "POST", "/.search", '{"startIndex":18446744073709551617}')
    _scim_error(response, 400, "invalidValue", "startIndex must be at most 2147483647")


@pytest.mark.parametrize(
    ("query", "items"),
    [("count=18446744073709551617", 1), ("count=-5", 0), ("startIndex=-3", 1)],
    ids=["huge-count-clamped", "negative-count-is-0", "negative-start-is-1"],
)
async def test_paging_values_clamp_as_rfc_7644_3_4_2_4_says(
    generic: TargetClient, query: str, items: int
) -> None:
    await _ada(generic)
    response = await generic.get(f"/Users?{query}")
    assert response.status_code == 200, response.text
    assert response.json()["itemsPerPage"] == items
    assert response.json()["startIndex"] == 1


@pytest.mark.parametrize("name", ["", "   ", "\t"], ids=["empty", "blanks", "tab"])
async def test_blank_user_name_is_400_invalid_value(generic: TargetClient, name: str) -> None:
    response = await generic.post("/Users", {"schemas": [CORE_USER], "userName": name})
    _scim_error(response, 400, "invalidValue", "userName")
    ada = await _ada(generic)
    replaced = await generic.put(f"/Users/{ada}", {"schemas": [CORE_USER], "userName": name})
    _scim_error(replaced, 400, "invalidValue", "userName")
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "userName", "value": name}],
    }
    patched = await generic.patch(f"/Users/{ada}", patch)
    _scim_error(patched, 400, "invalidValue", "userName")
    assert (await generic.get(f"/Users/{ada}")).json()["userName"] == "ada@x.org"


async def test_blank_group_display_name_is_400(generic: TargetClient) -> None:
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": " "}
    response = await generic.post("/Groups", body)
    _scim_error(response, 400, "invalidValue", "displayName")


@pytest.mark.parametrize(
    ("field", "raw_value"),
    [
        ("userName", "a\\u0000b@x.org"),
        ("userName", "a\\nb@x.org"),
        ("userName", "a\\u001bb@x.org"),
        ("displayName", "Ada\\u0000"),
        ("name", '{"givenName":"A\\u0007da"}'),
    ],
    ids=["nul-userName", "newline-userName", "escape-userName", "nul-displayName", "bell-name"],
)
async def test_control_characters_in_names_are_400(
    generic: TargetClient, field: str, raw_value: str
) -> None:
    value = raw_value if raw_value.startswith("{") else f'"{raw_value}"'
    user_name = "" if field == "userName" else '"userName":"ok@x.org",'
    raw = _user(f'{user_name}"{field}":{value}')
    response = await _send(generic, "POST", "/Users", raw)
    _scim_error(response, 400, "invalidValue", "control character")
    assert (await generic.get("/Users")).json()["totalResults"] == 0


@pytest.mark.parametrize("op", ["add", "replace", "Replace"])
async def test_patch_add_or_replace_without_value_is_400(generic: TargetClient, op: str) -> None:
    created = await generic.post(
        "/Users", {"schemas": [CORE_USER], "userName": "ada@x.org", "displayName": "Ada"}
    )
    ada = created.json()["id"]
    for operation in ({"op": op, "path": "displayName"}, {"op": op}):
        body = {"schemas": [PATCH_OP], "Operations": [operation]}
        response = await generic.patch(f"/Users/{ada}", body)
        _scim_error(response, 400, "invalidValue", "has no 'value'")
    assert (await generic.get(f"/Users/{ada}")).json()["displayName"] == "Ada"


async def test_patch_remove_without_value_still_clears(generic: TargetClient) -> None:
    created = await generic.post(
        "/Users", {"schemas": [CORE_USER], "userName": "ada@x.org", "displayName": "Ada"}
    )
    ada = created.json()["id"]
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "displayName"}]}
    assert (await generic.patch(f"/Users/{ada}", body)).status_code == 200
    assert "displayName" not in (await generic.get(f"/Users/{ada}")).json()


async def test_duplicate_bulk_ids_are_400_naming_the_duplicate(generic: TargetClient) -> None:
    def create(name: str, bulk_id: str) -> dict[str, Any]:
        data = {"schemas": [CORE_USER], "userName": name}
        return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data}

    body = {
        "schemas": [BULK_REQUEST],
        "Operations": [
            create("p@x.org", "one"),
            create("q@x.org", "two"),
            create("r@x.org", "one"),
        ],
    }
    response = await generic.post("/Bulk", body)
    _scim_error(response, 400, "invalidValue", "'one'", "Operations[2]", "Operations[0]")
    assert (await generic.get("/Users")).json()["totalResults"] == 0


async def test_bulk_id_of_another_type_is_400(generic: TargetClient) -> None:
    body = {
        "schemas": [BULK_REQUEST],
        "Operations": [{"method": "DELETE", "path": "/Users/x", "bulkId": {"a": 1}}],
    }
    response = await generic.post("/Bulk", body)
    _scim_error(response, 400, "invalidValue", "bulkId must be a string")


async def test_sort_order_other_than_the_two_is_400(generic: TargetClient) -> None:
    response = await generic.get("/Users", params={"sortOrder": "sideways"})
    _scim_error(response, 400, "invalidValue", "sortOrder")


async def test_path_with_a_newline_gets_a_scim_answer(generic: TargetClient) -> None:
    response = await generic.get("/Users/a%0Ab")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/scim+json"
    assert response.json()["status"] == "404"


async def test_openapi_document_describes_the_tenant(generic: TargetClient) -> None:
    document = (await generic.get("/openapi.json")).json()
    assert document["servers"] == [{"url": "http://target.test" + generic.url("")}]
    assert {"/Users", "/Users/{id}", "/Bulk", "/.search"} <= set(document["paths"])
    start = next(
        p for p in document["paths"]["/Users"]["get"]["parameters"] if p["name"] == "startIndex"
    )
    assert start["schema"]["maximum"] == 2**31 - 1
