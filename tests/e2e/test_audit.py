"""The audit log through the CLI against ``scimitar serve``: changes made with the CLI and the
API appear with their actors, and ``scimitar audit list`` filters them."""

from __future__ import annotations

import getpass
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _api(server: Server, key: str, method: str, path: str, body: Any = None) -> int:
    request = urllib.request.Request(  # noqa: S310 - the test server's own URL
        f"{server.url}/api/v1{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_cli_and_api_changes_appear_with_their_actors(server: Server) -> None:
    run = Scimitar(server)
    tag = uuid.uuid4().hex[:8]
    app = f"audit-{tag}"
    key_name = f"e2e-{tag}"
    key = run("admin", "key", "create", key_name)["key"]
    tenant = run(
        "target", "tenant", "create", f"t-{tag}", "--base-url", server.url, "--profile", "generic"
    )
    run("app", "add", "scim", "--name", app)
    run(
        "app", "credentials", app, "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    assert _api(server, key, "PATCH", f"/apps/{app}/settings", {"interval_minutes": 45}) == 200
    assert _api(server, key, "POST", f"/apps/{app}/pause") == 200
    assert _api(server, "scimadm_000000000000_wrong", "GET", "/audit") == 401

    listed = server.cli_json("audit", "list", "--app", app)
    cli_actor = f"cli:{getpass.getuser()}"
    assert [(r["actor"], r["action"]) for r in listed["records"]] == [
        (f"api:{key_name}", "job.pause"),
        (f"api:{key_name}", "settings.update"),
        (cli_actor, "credentials.set"),
        (cli_actor, "app.add"),
    ]
    settings = listed["records"][1]
    assert (settings["before"]["interval_minutes"], settings["after"]["interval_minutes"]) == (
        5,
        45,
    )
    assert listed["records"][2]["after"]["secretToken"] == "<changed>"

    by_api = run("audit", "list", "--actor", "api", "--since", "1h")
    assert {r["action"] for r in by_api["records"]} >= {"job.pause", "settings.update"}
    assert all(r["actor"].startswith("api:") for r in by_api["records"])
    keys = run("audit", "list", "--action", "apikey")
    assert (cli_actor, f"API key {key_name}") in [
        (r["actor"], r["object"]) for r in keys["records"]
    ]
    failed = run("audit", "list", "--action", "api.auth_failed")
    assert failed["records"][0]["after"]["keyId"] == "000000000000"

    everything = server.cli("audit", "list", "--limit", "5000", "--json").stdout
    assert tenant["token"] not in everything
    assert key not in everything
    table = server.cli("audit", "list", "--app", app).stdout
    assert "credentials.set" in table
    assert "interval_minutes" in table


def test_bad_filters_are_refused_without_a_traceback(server: Server) -> None:
    result = server.cli("audit", "list", "--since", "last tuesday", check=False)
    assert result.returncode == 1
    assert "neither a time nor an age" in result.stderr
    assert "Traceback" not in result.stderr
    result = server.cli("audit", "list", "--before", "x", check=False)
    assert result.returncode == 1
    assert "nextBefore" in result.stderr
