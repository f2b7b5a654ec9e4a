"""A backup taken while a cycle runs restores into a fresh directory that works.

``scimitar serve`` runs the embedded target; ``scimitar app sync`` runs a slow cycle in its own
process (the target answers after a second); ``scimitar admin backup`` runs, as a third process,
in the middle of it. The backup is restored into a fresh data dir, where ``app status`` and
the app's token (decrypted with the restored key) work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_backup_during_a_cycle_restores_into_a_working_store(
    server: Server, tmp_path: Path
) -> None:
    run = Scimitar(server)
    tenant = run(
        "target", "tenant", "create", "backup-t", "--base-url", server.url, "--profile", "generic"
    )
    run("app", "add", "scim", "--name", "Backed")
    run(
        "app", "credentials", "Backed", "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    run("app", "settings", "Backed", "--scope", "all")
    run("app", "provisioning", "Backed", "on")
    run("directory", "generate", "--users", "400", "--groups", "0", "--seed", "7")
    run("target", "tenant", "faults", "backup-t", "--latency-ms", "1000")

    sync = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "app", "sync", "Backed", "--json"],
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = run("app", "status", "Backed")
            if status["runningCycle"] is not None:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the cycle did not start: {status}")
        backup = tmp_path / "backup.sqlite3"
        made = server.cli_json("admin", "backup", str(backup))
        assert sync.poll() is None, "the cycle ended before the backup: it shows nothing"
    finally:
        out, err = sync.communicate(timeout=300)
    assert sync.returncode == 0, err
    assert json.loads(out)["status"] == "succeeded"
    assert made["keyFile"] == f"{backup}.secret-key"

    fresh = tmp_path / "fresh"
    env = {**server.env, "SCIMITAR_DATA_DIR": str(fresh)}
    restored = subprocess.run(
        [sys.executable, "-m", "scimitar", "admin", "restore", str(backup), "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["undecryptableTokens"] == 0
    status = subprocess.run(
        [sys.executable, "-m", "scimitar", "app", "status", "Backed", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)
    tested = subprocess.run(
        [sys.executable, "-m", "scimitar", "app", "test-connection", "Backed", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stderr
    assert os.stat(fresh / "secret.key").st_mode & 0o077 == 0
