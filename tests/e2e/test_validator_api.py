"""``POST /api/v1/validate``: a validation run in the background, followed by polling."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    key = server.cli_json("admin", "key", "create", "validator")["key"]
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=f"{server.url}/api/v1", headers=headers, timeout=30) as client:
        yield client


def _follow(api: httpx.Client, started: httpx.Response) -> dict[str, Any]:
    assert started.status_code == 202, started.text
    location = started.headers["Location"].removeprefix("/api/v1")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run: dict[str, Any] = api.get(location).json()
        if run["status"] != "running":
            return run
        time.sleep(0.2)
    raise AssertionError("the validation run did not finish in 60 s")


def test_a_run_started_by_the_api_reports_like_the_cli(server: Server, api: httpx.Client) -> None:
    tenant = server.tenant("api-validated", "--profile", "generic")
    body = {"url": tenant["tenant_urls"][0], "token": tenant["token"], "dialect": "entra-legacy"}
    run = _follow(api, api.post("/validate", json=body))
    assert run["status"] == "passed", run
    assert run["report"]["counts"]["fail"] == 0
    assert len(run["report"]["scenarios"]) == 18
    assert tenant["token"] not in str(run)

    server.cli(
        "target", "tenant", "quirk-switches", "api-validated", "--patch-unsupported", "title"
    )
    run = _follow(api, api.post("/validate", json={**body, "only": "users"}))
    assert run["status"] == "failed"
    failed = {s["name"] for s in run["report"]["scenarios"] if s["outcome"] == "fail"}
    assert "update-attribute" in failed

    kept = _follow(api, api.post("/validate", json={**body, "only": "users", "keep": True}))
    assert kept["report"]["cleanup"]["kept"] is True
    assert kept["report"]["cleanup"]["left"]
    refused = _follow(api, api.post("/validate", json={**body, "maxExisting": 1}))
    assert refused["status"] == "refused"
    assert refused["report"] is None
    assert "more than --max-existing 1" in refused["error"]


def test_bad_requests_are_named(api: httpx.Client) -> None:
    answer = api.post("/validate", json={"url": "ftp://x", "token": "t"})
    assert answer.status_code == 422
    assert "Tenant URL" in answer.text
    answer = api.post(
        "/validate", json={"url": "http://127.0.0.1:9/", "token": "t", "dialect": "x"}
    )
    assert answer.status_code == 422
    assert "--dialect 'x' is not known" in answer.text
    assert api.get("/validate/nope").status_code == 404
