"""API-driven inbound provisioning over a real socket: a BulkRequest into ``scimitar serve``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server

SAMPLE = Path(__file__).parents[1] / "samples" / "entra-inbound-bulk-request.json"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module")
def api_key(server: Server) -> str:
    made = server.cli_json("source", "add", "api", "hr-api")
    assert made["kind"] == "api"
    return str(made["apiKey"])


def _post(server: Server, key: str, body: Any) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/sources/hr-api/bulkUpload",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"},
        timeout=30,
    )


def _finished(server: Server, key: str, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{server.url}{location}", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        if document["status"] in ("completed", "failed"):
            return document
        time.sleep(0.1)
    raise AssertionError("the upload was not processed within 30 s")


def test_a_bulk_request_is_accepted_then_processed_into_the_directory(
    server: Server, api_key: str
) -> None:
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    sample["Operations"].append({"method": "PUT", "bulkId": "bad-op", "path": "/Users", "data": {}})
    answer = _post(server, api_key, sample)
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert (accepted["operations"], accepted["accepted"]) == (3, 2)
    assert [r["bulkId"] for r in accepted["rejected"]] == ["bad-op"]
    assert answer.headers["location"] == accepted["statusUrl"]
    status = _finished(server, api_key, accepted["statusUrl"])
    assert status["status"] == "completed"
    results = {r["bulkId"]: r for r in status["results"]}
    assert (results["701984-op"]["action"], results["701984-op"]["status"]) == ("create", "success")
    assert results["bad-op"]["status"] == "failure"
    babs = server.cli_json("directory", "user", "show", "bjensen@contoso.com")
    boss = server.cli_json("directory", "user", "show", "boss@contoso.com")
    assert (babs["department"], babs["employeeId"], babs["jobTitle"]) == (
        "Tour Operations",
        "701984",
        "Tour Guide",
    )
    assert babs["manager"] == boss["objectId"]
    records = server.cli_json("logs", "--source", "hr-api", "--cycle", accepted["id"])
    assert sorted(r["changeId"] for r in records) == ["701984-op", "89607-op", "bad-op"]


def test_an_upload_updates_and_disables_and_the_object_is_the_sources(
    server: Server, api_key: str
) -> None:
    operation = {
        "method": "POST",
        "bulkId": "leave",
        "path": "/Users",
        "data": {
            "schemas": [CORE],
            "externalId": "89607",
            "userName": "boss@contoso.com",
            "title": "Retired",
            "active": False,
        },
    }
    accepted = _post(server, api_key, {"schemas": [BULK], "Operations": [operation]}).json()
    status = _finished(server, api_key, accepted["statusUrl"])
    assert status["counts"]["updated"] == 1
    boss = server.cli_json("directory", "user", "show", "boss@contoso.com")
    assert (boss["jobTitle"], boss["accountEnabled"]) == ("Retired", False)
    refused = server.cli("directory", "user", "enable", "boss@contoso.com", check=False)
    assert refused.returncode == 1
    assert "is fed by source 'hr-api' (api)" in refused.stderr


@pytest.mark.parametrize(
    ("key", "body", "status", "detail"),
    [
        ("wrong", {"schemas": [BULK], "Operations": []}, 401, "Authorization: Bearer KEY"),
        (None, "not json", 400, "not valid JSON"),
        (None, {"schemas": ["urn:x"], "Operations": []}, 400, BULK),
        (None, {"schemas": [BULK], "Operations": [{"method": "POST"}] * 1001}, 413, "at most 1000"),
    ],
    ids=["wrong-key", "not-json", "not-bulk", "too-many"],
)
def test_unusable_requests_get_scim_errors(
    server: Server, api_key: str, key: str | None, body: Any, status: int, detail: str
) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    answer = httpx.post(
        f"{server.url}/api/v1/sources/hr-api/bulkUpload",
        content=content,
        headers={"Authorization": f"Bearer {key or api_key}"},
        timeout=30,
    )
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert detail in error["detail"]
