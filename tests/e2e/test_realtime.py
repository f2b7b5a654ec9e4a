"""Real-time runs with real processes: a change made by the CLI reaches the app through serve.

``scimitar serve`` runs with its scheduler and a long interval, so only a real-time run can
bring a change to the app within the bound; the CLI writes from its own process, so the change
reaches serve through the store (``PRAGMA data_version`` on SQLite, ``NOTIFY`` on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import PG_ADMIN_URL, free_port
from tests.e2e.conftest import _wait_until_up

# Each test runs a dozen CLI commands, each a process of its own: a busy machine needs time.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

#: Seconds a change may take to reach the app here: the goal is 2 s at p95 (bench/latency.py);
#: a test on a busy machine gets more room, and still fails long before the 60-minute cycle.
BOUND = 20.0


@dataclass
class Site:
    """A store, a tenant and an app, and a ``scimitar serve`` that can be killed and restarted."""

    env: dict[str, str]
    data: Path
    port: int
    tenant: dict[str, Any]
    process: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> Any:
        result = subprocess.run(
            [sys.executable, "-m", "scimitar", *args, "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"scimitar {' '.join(args)} failed: {result.stderr}")
        return json.loads(result.stdout)

    def start(self) -> None:
        log = self.data / "serve.log"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scimitar", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_until_up(self.origin, self.process, log)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def target_users(self) -> dict[str, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            self.tenant["tenant_urls"][0] + "Users?count=500",
            headers={"Authorization": f"Bearer {self.tenant['token']}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return {r["userName"]: r for r in json.load(response)["Resources"]}


def _eventually(check: Callable[[], bool], seconds: float = BOUND) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


async def _pg(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(tmp_path)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    database = None
    if request.param == "postgres":
        database = f"scimitar_rt_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg(f'CREATE DATABASE "{database}"'))
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        env["SCIMITAR_DATABASE_URL"] = f"{base}/{database}"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    probe = Site(env, tmp_path, port, {})
    probe.tenant = probe.cli(
        "target", "tenant", "create", "rt", "--profile", "webex", "--base-url", origin
    )
    try:
        yield probe
    finally:
        probe.stop()
        if database is not None:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def _provisioned(site: Site, users: list[str], *, threshold: int | None = None) -> None:
    """Users assigned to a Webex app whose initial cycle serve's scheduler has run."""
    for upn in users:
        site.cli("directory", "user", "add", upn, f"givenName={upn.split('@')[0].title()}")
    site.cli("app", "add", "cisco-webex", "--name", "Webex")
    for upn in users:
        site.cli("app", "assign", "Webex", "--user", upn, "--role", "User")
    settings = ["--interval", "60"]
    if threshold is not None:
        settings += ["--delete-threshold", str(threshold)]
    site.cli("app", "settings", "Webex", *settings)
    site.cli(
        "app",
        "credentials",
        "Webex",
        "--tenant-url",
        site.tenant["tenant_urls"][0],
        "--token",
        site.tenant["token"],
    )
    site.start()
    site.cli("app", "provisioning", "Webex", "on")
    assert _eventually(lambda: set(site.target_users()) == set(users), seconds=60)


def _given_name(site: Site, upn: str) -> str | None:
    found = site.target_users().get(upn)
    return None if found is None else found.get("name", {}).get("givenName")


def test_a_cli_change_reaches_the_app_through_serve_within_the_bound(site: Site) -> None:
    _provisioned(site, ["ada@contoso.com"])
    assert site.cli("app", "settings", "Webex")["settings"]["realtime"] is True
    site.cli("directory", "user", "set", "ada@contoso.com", "givenName=Adele")
    started = time.monotonic()
    assert _eventually(lambda: _given_name(site, "ada@contoso.com") == "Adele")
    took = time.monotonic() - started
    assert took < BOUND
    status = site.cli("app", "status", "Webex")
    assert status["realtime"] is True
    assert status["lastChangeApplied"]["lagSeconds"] < BOUND
    records = site.cli("logs", "Webex", "--user", "ada@contoso.com")
    assert "realtime" in {r["trigger"] for r in records}


def test_with_realtime_off_a_change_waits_for_the_cycle(site: Site) -> None:
    _provisioned(site, ["ada@contoso.com"])
    site.cli("app", "settings", "Webex", "--realtime", "off")
    site.cli("directory", "user", "set", "ada@contoso.com", "givenName=Adele")
    time.sleep(5)
    assert _given_name(site, "ada@contoso.com") == "Ada"
    site.cli("app", "sync", "Webex")
    assert _given_name(site, "ada@contoso.com") == "Adele"


def test_a_mass_disable_beyond_the_threshold_is_held(site: Site) -> None:
    users = [f"u{n}@contoso.com" for n in range(4)]
    _provisioned(site, users, threshold=2)
    for upn in users[:3]:  # separate commands: counted per run, none would reach 2
        site.cli("directory", "user", "disable", upn)

    def held() -> bool:
        return bool(site.cli("app", "status", "Webex")["stagedDeletes"])

    assert _eventually(held)
    time.sleep(2)  # let any run in flight end
    status = site.cli("app", "status", "Webex")
    assert status["state"] == "quarantined"
    inactive = [u for u, r in site.target_users().items() if not r.get("active")]
    assert len(inactive) == 1  # the threshold of 2 counts over the window, not per run
    assert status["stagedDeletes"] >= 1  # the rest wait in the feed for the decision


def test_a_killed_serve_loses_no_change(site: Site) -> None:
    _provisioned(site, ["ada@contoso.com", "bob@contoso.com"])
    site.cli("directory", "user", "set", "ada@contoso.com", "givenName=Adele")
    time.sleep(0.3)  # the run may be anywhere: waiting, reading, sending
    site.kill()
    site.cli("directory", "user", "set", "bob@contoso.com", "givenName=Robert")  # nobody runs
    site.start()
    assert _eventually(lambda: _given_name(site, "ada@contoso.com") == "Adele")
    assert _eventually(lambda: _given_name(site, "bob@contoso.com") == "Robert")
