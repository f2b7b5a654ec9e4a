"""Mappings, scoping filters and expressions through the API, with their errors."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.integration.api.conftest import API


@pytest.fixture
async def webex(api: API) -> API:
    await api.ok(
        "POST",
        "/directory/users",
        201,
        json={
            "userPrincipalName": "ada@contoso.com",
            "givenName": "Ada",
            "surname": "Lovelace",
            "department": "Sales",
        },
    )
    await api.ok("POST", "/directory/groups", 201, json={"displayName": "Sales"})
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    await api.ok(
        "POST", "/apps/Webex/assignments", 201, json={"user": "ada@contoso.com", "role": "User"}
    )
    return api


async def test_show_edit_remove_restore(webex: API) -> None:
    api = webex
    users = await api.ok("GET", "/apps/Webex/mappings/user")
    assert users["objectType"] == "User"
    assert any(m.get("matchingPriority") == 1 for m in users["attributeMappings"])
    changed = await api.ok(
        "PUT",
        "/apps/Webex/mappings/user/attributes/displayName",
        json={"expression": 'Join(" ", [givenName], [surname])', "apply": "create"},
    )
    mapping = next(
        m for m in changed["attributeMappings"] if m["targetAttributeName"] == "displayName"
    )
    assert mapping["source"] == {"type": "Expression", "value": 'Join(" ", [givenName], [surname])'}
    assert mapping["flowType"] == "ObjectAddOnly"
    assert (await api.ok("GET", "/apps/Webex"))["needsInitialCycle"] is True
    removed = await api.ok("DELETE", "/apps/Webex/mappings/user/attributes/displayName")
    assert "displayName" not in {m["targetAttributeName"] for m in removed["attributeMappings"]}
    exported = await api.ok("GET", "/apps/Webex/mappings")
    assert set(exported) == {"User", "Group"}
    await api.ok("POST", "/apps/Webex/mappings/restore-defaults")
    restored = await api.ok("GET", "/apps/Webex/mappings/user")
    assert "displayName" in {m["targetAttributeName"] for m in restored["attributeMappings"]}
    exported["User"]["attributeMappings"] = [
        m for m in exported["User"]["attributeMappings"] if m["targetAttributeName"] != "title"
    ]
    await api.ok("PUT", "/apps/Webex/mappings", json=exported)
    again = await api.ok("GET", "/apps/Webex/mappings/user")
    assert "title" not in {m["targetAttributeName"] for m in again["attributeMappings"]}


async def test_a_bad_expression_is_refused_with_its_position(webex: API) -> None:
    api = webex
    before = await api.ok("GET", "/apps/Webex/mappings/user")
    problem = await api.problem(
        "PUT",
        "/apps/Webex/mappings/user/attributes/displayName",
        422,
        json={"expression": 'Join(" ", [givenName]'},
    )
    assert problem["type"] == "urn:scimitar:problem:expression"
    error = problem["errors"][0]
    assert (error["field"], error["line"], error["column"]) == ("expression", 1, 22)
    assert await api.ok("GET", "/apps/Webex/mappings/user") == before


@pytest.mark.parametrize(
    ("target", "body", "says"),
    [
        ("displayName", {"source": "givenName", "constant": "x"}, "one of source"),
        ("noSuchAttribute", {"source": "givenName"}, "target attribute list"),
        ("nickName", {"matching": 2}, "not mapped yet"),
        ("displayName", {"apply": "sometimes"}, "Input should be"),
    ],
    ids=["two-sources", "unknown-target", "new-without-source", "bad-apply"],
)
async def test_bad_mapping_edits(
    webex: API, target: str, body: dict[str, object], says: str
) -> None:
    problem = await webex.problem(
        "PUT", f"/apps/Webex/mappings/user/attributes/{target}", 422, json=body
    )
    assert says in problem["detail"] + str(problem.get("errors"))


async def test_mapping_errors_name_the_object(webex: API) -> None:
    await webex.problem("GET", "/apps/Nope/mappings/user", 404)
    problem = await webex.problem("GET", "/apps/Webex/mappings/device", 422)
    assert "use user or group" in problem["detail"]
    missing = await webex.problem("DELETE", "/apps/Webex/mappings/user/attributes/nickName", 422)
    assert "nickName is not mapped" in missing["detail"]
    await webex.problem("PUT", "/apps/Webex/mappings", 422, json={"User": {"name": "x"}})


async def test_scoping_filters(webex: API) -> None:
    api = webex
    added = await api.ok(
        "POST",
        "/apps/Webex/scoping/user/clauses",
        json={"attribute": "department", "operator": "EQUALS", "value": "Sales"},
    )
    assert added["scope"]["groups"][0]["name"] == "Filter 1"
    await api.ok(
        "POST",
        "/apps/Webex/scoping/user/clauses",
        json={"filter": "Filter 1", "attribute": "jobTitle", "operator": "IS NOT NULL"},
    )
    filters = await api.ok("GET", "/apps/Webex/scoping/user")
    assert [len(f["clauses"]) for f in filters] == [2]
    one_less = await api.ok(
        "DELETE", f"/apps/Webex/scoping/user/filters/{quote('Filter 1')}?clause=2"
    )
    assert len(one_less["scope"]["groups"][0]["clauses"]) == 1
    await api.problem("DELETE", "/apps/Webex/scoping/user/filters/Nope", 422)
    await api.problem(
        "POST",
        "/apps/Webex/scoping/user/clauses",
        422,
        json={"attribute": "department", "operator": "LOOKS LIKE", "value": "x"},
    )
    cleared = await api.ok("DELETE", "/apps/Webex/scoping/user")
    assert cleared["scope"]["groups"] == []


async def test_expressions(api: API) -> None:
    valid = await api.ok("POST", "/expressions/check", json={"expression": 'Join(" ", [a], [B])'})
    assert valid == {"valid": True, "error": None, "attributes": ["a", "b"]}
    invalid = await api.ok("POST", "/expressions/check", json={"expression": "Join(\n[a]"})
    assert invalid["valid"] is False
    assert invalid["error"]["line"] == 2
    result = await api.ok(
        "POST",
        "/expressions/evaluate",
        json={"expression": "ToUpper([givenName])", "attributes": {"givenName": "ada"}},
    )
    assert result["result"] == "ADA"
    ignored = await api.ok(
        "POST", "/expressions/evaluate", json={"expression": "IgnoreFlowIfNullOrEmpty([x])"}
    )
    assert ignored["isFlowIgnored"] is True
    problem = await api.problem("POST", "/expressions/evaluate", 422, json={"expression": "Nope("})
    assert problem["errors"][0]["column"] >= 1
    functions = await api.ok("GET", "/expressions/functions")
    assert "Join" in {f["name"] for f in functions}


async def test_an_expression_on_a_chosen_user(webex: API) -> None:
    api = webex
    result = await api.ok(
        "POST",
        "/apps/Webex/mappings/user/test",
        json={"expression": 'Join(" ", [givenName], [surname])', "user": "ada@contoso.com"},
    )
    assert result["result"] == "Ada Lovelace"
    roles = await api.ok(
        "POST",
        "/apps/Webex/mappings/user/test",
        json={
            "expression": "AppRoleAssignmentsComplex([appRoleAssignments])",
            "user": "ada@contoso.com",
        },
    )
    assert "User" in str(roles["result"])
    mapped = await api.ok(
        "POST",
        "/apps/Webex/mappings/user/test",
        json={"target": "userName", "user": "ada@contoso.com"},
    )
    assert mapped["result"] == "ada@contoso.com"
    group = await api.ok(
        "POST",
        "/apps/Webex/mappings/group/test",
        json={"expression": "[displayName]", "group": "Sales"},
    )
    assert group["result"] == "Sales"
    await api.problem(
        "POST",
        "/apps/Webex/mappings/user/test",
        404,
        json={"expression": "[a]", "user": "eve@contoso.com"},
    )
    await api.problem(
        "POST",
        "/apps/Webex/mappings/user/test",
        422,
        json={"expression": "[a]", "target": "userName", "user": "ada@contoso.com"},
    )
    await api.problem(
        "POST", "/apps/Webex/mappings/user/test", 422, json={"expression": "[a]", "group": "Sales"}
    )
    await api.problem(
        "POST",
        "/apps/Webex/mappings/user/test",
        422,
        json={"target": "nickName", "user": "ada@contoso.com"},
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            {"source": "dispalyName"},
            "User mapping 5 (target 'displayName'), field source: 'dispalyName' is not a User "
            "attribute of the directory; closest: displayName",
        ),
        (
            {"expression": 'Join(" ", [givenName], [surnme])'},
            "User mapping 5 (target 'displayName'), field expression, [surnme] at column 24: "
            "'surnme' is not a User attribute of the directory; closest: surname",
        ),
        (
            {"source": "proxyAddresses"},
            "User mapping 5 (target 'displayName'), field source: it can produce several values",
        ),
    ],
    ids=["unknown-source", "unknown-in-expression", "list-into-single"],
)
async def test_a_mapping_that_cannot_work_is_refused_when_saved(
    webex: API, body: dict[str, str], says: str
) -> None:
    before = await webex.ok("GET", "/apps/Webex/mappings/user")
    problem = await webex.problem(
        "PUT", "/apps/Webex/mappings/user/attributes/displayName", 422, json=body
    )
    assert says in problem["detail"]
    assert await webex.ok("GET", "/apps/Webex/mappings/user") == before


async def test_an_import_with_an_unknown_source_is_refused(webex: API) -> None:
    exported = await webex.ok("GET", "/apps/Webex/mappings")
    exported["User"]["attributeMappings"][1]["source"]["value"] = "givenNam"
    problem = await webex.problem("PUT", "/apps/Webex/mappings", 422, json=exported)
    assert "User mapping 2 (target 'name.givenName'), field source: 'givenNam'" in problem["detail"]
    assert "closest: givenName" in problem["detail"]
