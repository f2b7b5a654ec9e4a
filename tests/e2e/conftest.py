"""Real processes: ``scimitar serve`` on a free port, and the ``scimitar`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port


@dataclass
class Server:
    """A running ``scimitar serve`` and the environment its commands use."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``scimitar ARGS`` against this server's store."""
        result = subprocess.run(
            [sys.executable, "-m", "scimitar", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"scimitar {' '.join(args)} failed: {result.stderr}")
        return result

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json").stdout)

    def tenant(self, name: str, *options: str) -> dict[str, Any]:
        """Create a tenant with the CLI, as a user would; returns its JSON (with the token)."""
        return self.cli_json("target", "tenant", "create", name, "--base-url", self.url, *options)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"scimitar serve exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"scimitar serve did not answer within 30 s: {log.read_text()}")


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Server]:
    """``scimitar serve`` on SQLite in a fresh data dir, stopped after the module.

    A test module may set ``SERVER_ENV`` (a dict) to add settings for its server.
    """
    data = tmp_path_factory.mktemp("serve")
    port = free_port()
    extra: dict[str, str] = getattr(request.module, "SERVER_ENV", {})
    env = {**os.environ, **extra, "SCIMITAR_DATA_DIR": str(data)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    log = data / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            # Tests run cycles themselves (`scimitar app sync`); no scheduler races them.
            [sys.executable, "-m", "scimitar", "serve", "--port", str(port), "--no-scheduler"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Server(url, env, process, log)
    finally:
        process.terminate()
        process.wait(timeout=20)
