"""``SCIMITAR_LOG_FORMAT=json``: a server's every line is JSON, access lines carry no secrets,
and a cycle's lines name their app and cycle."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

SERVER_ENV = {"SCIMITAR_LOG_FORMAT": "json", "SCIMITAR_LOG_LEVEL": "info"}


def test_server_lines_are_json_without_tokens_or_queries(server: Server) -> None:
    run = Scimitar(server)
    tenant = run("target", "tenant", "create", "logs-t", "--base-url", server.url)
    token = tenant["token"]
    url = tenant["tenant_urls"][0] + "Users?filter=userName%20eq%20%22ann%40contoso.com%22"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        request_id = response.headers["X-Request-Id"]
    wrong = urllib.request.Request(  # noqa: S310 - the test's own server
        url, headers={"Authorization": "Bearer scimtgt_wrongwrong"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wrong, timeout=10)  # noqa: S310
    refused.value.close()

    deadline = time.monotonic() + 10
    while True:  # the access line is written once the answer has gone
        text = server.log.read_text()
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        statuses = [line.get("status") for line in lines if line["event"] == "http_request"]
        if 401 in statuses or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)
    access = [line for line in lines if line["event"] == "http_request"]
    mine = [line for line in access if line["request_id"] == request_id]
    assert len(mine) == 1
    assert mine[0]["path"].endswith("/Users")
    assert mine[0]["status"] == 200
    assert any(line["status"] == 401 for line in access)
    assert token not in text
    assert "scimtgt_wrongwrong" not in text
    assert "contoso" not in text


def test_a_cycle_s_lines_name_the_app_and_the_cycle(server: Server) -> None:
    run = Scimitar(server)
    tenant = run("target", "tenant", "create", "logs-c", "--base-url", server.url)
    run("app", "add", "scim", "--name", "Logged")
    run(
        "app", "credentials", "Logged", "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    run("app", "settings", "Logged", "--scope", "all")
    run("app", "provisioning", "Logged", "on")
    run("directory", "user", "add", "ann@contoso.com", "givenName=Ann")
    env = {**server.env, "SCIMITAR_LOG_FORMAT": "json", "SCIMITAR_LOG_LEVEL": "info"}
    done = subprocess.run(
        [sys.executable, "-m", "scimitar", "app", "sync", "Logged", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    cycle_id = json.loads(done.stdout)["cycleId"]
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    in_cycle = [line for line in lines if line.get("cycle_id") == cycle_id]
    assert in_cycle, lines
    assert all(line["app"] == "Logged" for line in in_cycle)
    assert tenant["token"] not in done.stderr
