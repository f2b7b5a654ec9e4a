"""``/api/v1/sources``: add, settings, sync, logs, mappings; source-owned objects over the API."""

from __future__ import annotations

from pathlib import Path

from tests.integration.api.conftest import API

FEED = "employeeId,userPrincipalName,givenName,department\nE1,ada@contoso.com,Ada,R&D\n"


async def test_a_csv_source_through_the_api(api: API, tmp_path: Path) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text(FEED, encoding="utf-8")
    made = await api.ok(
        "POST", "/sources", 201, json={"kind": "csv", "name": "hr", "settings": {"path": str(feed)}}
    )
    assert (made["kind"], made["apiKey"]) == ("csv", None)
    assert [s["name"] for s in await api.ok("GET", "/sources")] == ["hr"]
    tested = await api.ok("POST", "/sources/hr/test")
    assert tested["ok"] is True
    changed = await api.ok(
        "PATCH", "/sources/hr/settings", json={"deletionRule": "disable", "deleteThreshold": 0}
    )
    assert (changed["deletionRule"], changed["deleteThreshold"]) == ("disable", None)
    synced = await api.ok("POST", "/sources/hr/sync")
    assert synced["counts"]["created"] == 1
    logs = await api.ok("GET", "/sources/hr/logs", params={"action": "create"})
    assert [r["sourceIdentity"]["id"] for r in logs["records"]] == ["E1"]
    mappings = await api.ok("GET", "/sources/hr/mappings/user")
    assert any(m["targetAttributeName"] == "employeeId" for m in mappings["attributeMappings"])
    problem = await api.problem(
        "PATCH", "/directory/users/ada@contoso.com", 409, json={"jobTitle": "CEO"}
    )
    assert "source 'hr' (csv)" in problem["detail"]
    overridden = await api.ok(
        "PATCH",
        "/directory/users/ada@contoso.com",
        params={"overrideSource": "true"},
        json={"jobTitle": "CEO"},
    )
    assert overridden["jobTitle"] == "CEO"
    await api.ok("DELETE", "/sources/hr")
    await api.problem("GET", "/sources/hr", 404)


async def test_bad_sources_are_refused(api: API, tmp_path: Path) -> None:
    await api.problem(
        "POST",
        "/sources",
        422,
        json={"kind": "ldap", "name": "corp", "settings": {"url": "http://x"}},
    )
    await api.problem(
        "POST", "/sources", 422, json={"kind": "csv", "name": "bad name!", "settings": {}}
    )
    made = await api.ok("POST", "/sources", 201, json={"kind": "api", "name": "hr-api"})
    assert made["apiKey"].startswith("scimsrc_")
    await api.problem("POST", "/sources", 422, json={"kind": "api", "name": "HR-API"})
