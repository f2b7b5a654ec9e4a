"""``scimitar demo --once``: the seed scenario end to end on the embedded defaults."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scimitar.admin import AdminAuth
from scimitar.settings import Settings
from scimitar.store import open_database
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


def _demo(data: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(data)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "scimitar", "demo", "--once", "--port", str(port), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_demo_walks_the_seed_scenario(tmp_path: Path) -> None:
    port = free_port()
    result = _demo(tmp_path, port, "--json")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["tenant_url"] == f"http://127.0.0.1:{port}/v1/scim/{facts['tenant_id']}/"
    steps = {step["step"]: step for step in facts["steps"]}
    assert steps["Test Connection"]["ok"] is True
    initial = steps["Initial cycle"]["summary"]
    incremental = steps["Incremental cycle"]["summary"]
    assert initial["kind"] == "initial"
    assert initial["counts"]["create"] >= 8
    assert initial["counts"].get("failure", 0) == 0
    assert incremental["kind"] == "incremental"
    assert incremental["counts"]["disable"] == 2
    assert incremental["counts"]["create"] == 1
    assert (tmp_path / "demo").is_dir()
    assert facts["portal"]["url"] == f"http://127.0.0.1:{port}/portal/"
    assert asyncio.run(_signs_in(tmp_path / "demo", facts["portal"]["password"]))


async def _signs_in(data: Path, password: str) -> bool:
    """Whether the password the demo printed is its store's admin password."""
    database = await open_database(Settings(data_dir=data))
    try:
        return await AdminAuth(database).verify_password(password)
    finally:
        await database.dispose()


def test_demo_narrates_for_people_and_starts_afresh(tmp_path: Path) -> None:
    first = _demo(tmp_path, free_port())
    again = _demo(tmp_path, free_port())
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    for text in (
        "Secret Token:",
        "Test Connection",
        "Default Access",
        "Initial cycle",
        "Incremental cycle",
        "Provisioning log",
    ):
        assert text in again.stdout
    last = again.stdout.strip().splitlines()[-1]
    assert "scimitar app plan" in last
    data = (tmp_path / "demo").resolve()
    assert f"Its data lives in {data}" in again.stdout
    # The closing hint's command works as printed, from a shell that did not activate .venv.
    hint = next(line for line in again.stdout.splitlines() if line.startswith("Look around: "))
    command = hint.removeprefix("Look around: ").split(" (or ", 1)[0]
    assert command.startswith(f"SCIMITAR_DATA_DIR={data} ")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCIMITAR_")}
    env["PATH"] = "/usr/bin:/bin"
    shown = subprocess.run(
        ["bash", "-c", command + " --json"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, (command, shown.stderr)
    assert json.loads(shown.stdout)


def test_demo_explains_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = _demo(tmp_path, busy.getsockname()[1])
    assert result.returncode == 1
    assert "--port" in result.stderr


def test_demo_with_ldap_carries_an_ldap_edit_to_webex(tmp_path: Path) -> None:
    """An edit made in slapd reaches the Webex tenant after one source sync and one cycle."""
    result = _demo(tmp_path, free_port(), "--ldap", "--json")
    assert result.returncode == 0, result.stderr
    steps = {step["step"]: step for step in json.loads(result.stdout)["steps"]}
    assert steps["LDAP source"]["source_sync"]["counts"]["created"] == 212  # 200 users, 12 groups
    assert steps["LDAP source"]["source_sync"]["complete"] is True
    changes = steps["LDAP changes"]["source_sync"]
    assert changes["complete"] is False
    assert changes["counts"]["updated"] == 3  # the rename, the new title, the group's member
    incremental = steps["Incremental cycle"]["summary"]
    assert incremental["counts"]["update"] == 2
    assert incremental["counts"]["create"] == 1  # the user added to the assigned group
    webex = steps["In Webex"]["webex_user"]
    assert webex["userName"] == steps["LDAP changes"]["renamed"]
    assert webex["name"]["givenName"] == "Augusta"
    assert webex["displayName"] == "Augusta Lovelace"
    assert not list((tmp_path / "demo" / "slapd").glob("slapd.pid")) or not _slapd_running(
        tmp_path / "demo" / "slapd"
    )


def _slapd_running(workdir: Path) -> bool:
    pid = int((workdir / "slapd.pid").read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"/usr/sbin/slapd")
