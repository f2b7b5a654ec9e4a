"""``scimitar serve`` runs each app's cycles on its interval, without anyone asking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.e2e.conftest import _wait_until_up

pytestmark = pytest.mark.e2e


def _cli(env: dict[str, str], *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "scimitar", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def _target_users(tenant: dict[str, Any]) -> list[str]:
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        tenant["tenant_urls"][0] + "Users",
        headers={"Authorization": f"Bearer {tenant['token']}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return [r["userName"] for r in json.load(response)["Resources"]]


def test_serve_provisions_on_its_own(tmp_path: Path) -> None:
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(tmp_path)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    tenant = _cli(env, "target", "tenant", "create", "sched", "--base-url", origin)
    _cli(env, "directory", "user", "add", "ada@contoso.com", "givenName=Ada", "surname=King")
    _cli(env, "app", "add", "cisco-webex", "--name", "Webex")
    _cli(env, "app", "assign", "Webex", "--user", "ada@contoso.com", "--role", "User")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scimitar", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(origin, process, log)
        _cli(
            env,
            "app",
            "credentials",
            "Webex",
            "--tenant-url",
            tenant["tenant_urls"][0],
            "--token",
            tenant["token"],
        )
        # The scheduler's own cycle is under test here, not a real-time run (on by default).
        _cli(env, "app", "settings", "Webex", "--realtime", "off")
        _cli(env, "app", "provisioning", "Webex", "on")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _target_users(tenant):
            time.sleep(0.5)
        assert _target_users(tenant) == ["ada@contoso.com"]
        status = _cli(env, "app", "status", "Webex")
        assert status["linked"]["User"] == 1
        assert status["nextRunAt"] is not None
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_interval_reschedules_and_off_stops_the_schedule(tmp_path: Path) -> None:
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(tmp_path)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    tenant = _cli(env, "target", "tenant", "create", "sched", "--base-url", origin)
    _cli(env, "directory", "user", "add", "ada@contoso.com", "givenName=Ada", "surname=King")
    _cli(env, "app", "add", "cisco-webex", "--name", "Cisco Webex")
    _cli(env, "app", "assign", "Cisco Webex", "--user", "ada@contoso.com", "--role", "User")
    _cli(env, "app", "settings", "Cisco Webex", "--interval", "600")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scimitar", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(origin, process, log)
        _cli(
            env, "app", "credentials", "Cisco Webex", "--tenant-url", tenant["tenant_urls"][0],
            "--token", tenant["token"],
        )  # fmt: skip
        _cli(env, "app", "provisioning", "Cisco Webex", "on")
        deadline = time.monotonic() + 30
        status = _cli(env, "app", "status", "Cisco Webex")
        while time.monotonic() < deadline and status["nextRunAt"] is None:
            time.sleep(0.5)
            status = _cli(env, "app", "status", "Cisco Webex")
        assert status["state"] == "active"
        ended = datetime.fromisoformat(status["lastCycle"]["endedAt"])
        first = datetime.fromisoformat(status["nextRunAt"])
        assert timedelta(minutes=599) < first - ended < timedelta(minutes=601)

        _cli(env, "app", "settings", "Cisco Webex", "--interval", "5")
        moved = datetime.fromisoformat(_cli(env, "app", "status", "Cisco Webex")["nextRunAt"])
        assert moved == first - timedelta(minutes=595)

        _cli(env, "app", "provisioning", "Cisco Webex", "off")
        off = _cli(env, "app", "status", "Cisco Webex")
        assert off["state"] == "off"
        assert off["nextRunAt"] is None
        table = subprocess.run(
            [sys.executable, "-m", "scimitar", "app", "status", "Cisco Webex"],
            env={**env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "Off" in table
        assert "Active" not in table
    finally:
        process.terminate()
        process.wait(timeout=20)
