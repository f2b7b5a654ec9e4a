"""The README's quick tour, run as written in a shell that followed its first line.

Each line of the "Quick tour" block runs in bash from the repository's root, in a fresh data
dir: the tenant's URL and token the tour says to copy are taken from what `target tenant
create` printed, as a reader would, and the port is a free one instead of 8000. The one
interactive line (`admin set-password`, which prompts on a terminal) is left out; its own
tests cover it.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
INTERACTIVE = ("scimitar admin set-password",)


def _tour() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick tour", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = []
    for raw in block.splitlines():
        line = re.sub(r"\s+#.*$", "", raw).strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - the tour's own server
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_the_quick_tour_runs_as_written(tmp_path: Path) -> None:
    lines = _tour()
    assert lines[0] == ". .venv/bin/activate", "the tour must start by putting scimitar on PATH"
    port = str(free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCIMITAR_", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # no .venv/bin: the tour's first line adds it
    env["SCIMITAR_DATA_DIR"] = str(tmp_path / "data")
    found: dict[str, str] = {}
    background: list[subprocess.Popen[bytes]] = []
    try:
        for line in lines[1:]:
            if line.startswith(INTERACTIVE):
                continue
            command = line.replace("8000", port)
            command = command.replace("<tenant id>", found.get("tenant_id", "<tenant id>"))
            command = command.replace("<token>", found.get("token", "<token>"))
            if command.endswith("&"):
                served = f"{lines[0]} && exec {command.removesuffix('&').strip()}"
                process = subprocess.Popen(
                    ["bash", "-c", served],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                background.append(process)
                _wait_for(f"http://127.0.0.1:{port}/healthz")
                continue
            script = f"{lines[0]} && {command}"
            done = subprocess.run(
                ["bash", "-c", script],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            if " tenant create " in line:
                tenant = re.search(r"/v1/scim/([0-9a-f-]{36})/", done.stdout)
                token = re.search(r"token:\s+(\S+)", done.stdout)
                assert tenant is not None
                assert token is not None
                found.update(tenant_id=tenant.group(1), token=token.group(1))
    finally:
        for process in background:
            process.terminate()
            process.wait(timeout=30)
    assert found, "the tour creates a tenant"
