"""``scimitar demo --once``: the embedded default comes up and answers Entra's requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
        timeout=120,
        check=False,
    )


def test_demo_prints_the_tenant_url_and_token_and_runs_entra_requests(tmp_path: Path) -> None:
    port = free_port()
    first = _demo(tmp_path, port, "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["tenant_urls"][0] == f"http://127.0.0.1:{port}/v1/scim/{summary['tenant_id']}/"
    assert summary["token"].startswith("scimtgt_")
    assert [s["status"] for s in summary["steps"]] == [200, 201, 200]

    again = _demo(tmp_path, free_port())
    assert again.returncode == 0, again.stderr
    assert "Tenant URL:" in again.stdout
    assert "Secret Token:" in again.stdout
    assert "Match" in again.stdout
    assert summary["token"] not in again.stdout


def test_demo_explains_a_taken_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = _demo(tmp_path, busy.getsockname()[1])
    assert result.returncode == 1
    assert "--port" in result.stderr
