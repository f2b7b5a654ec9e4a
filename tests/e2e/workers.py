"""A cluster on one machine for tests: a PostgreSQL store, ``scimitar serve``, ``scimitar worker``.

The store is a fresh PostgreSQL database; ``serve`` (``--no-worker``, ``--no-scheduler`` unless
asked) serves the embedded target; workers are real ``scimitar worker`` processes that a test
starts, kills with SIGKILL and replaces. Arranging commands run through typer's runner against
the same store (a process start costs over a second on a busy machine).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scimitar.cli.main import app as scimitar_cli
from tests.conftest import free_port
from tests.e2e.conftest import _wait_until_up

__all__ = ["Cluster"]


@dataclass
class Cluster:
    """A PostgreSQL store with a ``serve`` (the target) and any number of workers."""

    env: dict[str, str]
    data: Path
    url: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __call__(self, *args: str) -> Any:
        """Run ``scimitar ARGS --json`` in this process; fails the test unless it exits 0."""
        env: dict[str, str | None] = {
            "SCIMITAR_DATA_DIR": self.env["SCIMITAR_DATA_DIR"],
            "SCIMITAR_DATABASE_URL": self.env["SCIMITAR_DATABASE_URL"],
        }
        result = CliRunner().invoke(scimitar_cli, [*args, "--json"], env=env)
        failure = f"{result.stderr}{result.exception or ''}"
        assert result.exit_code == 0, f"scimitar {' '.join(args)}: {failure}"
        return json.loads(result.stdout)

    def popen(self, *args: str, log: str | None = None) -> subprocess.Popen[bytes]:
        """Start ``scimitar ARGS`` as a real process (output to a log file, or piped)."""
        command = [sys.executable, "-m", "scimitar", *args]
        if log is None:
            process = subprocess.Popen(
                command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        else:
            with (self.data / log).open("ab") as out:
                process = subprocess.Popen(
                    command, env=self.env, stdout=out, stderr=subprocess.STDOUT
                )
        self.processes.append(process)
        return process

    def serve(self, *options: str) -> str:
        """Start a ``scimitar serve`` on a free port; its URL once it answers."""
        port = free_port()
        process = self.popen("serve", "--port", str(port), *options, log=f"serve-{port}.log")
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, self.data / f"serve-{port}.log")
        return url

    def start_worker(self, *options: str) -> int:
        """Start a ``scimitar worker``; its pid."""
        process = self.popen("worker", *options, log="workers.log")
        self.workers[process.pid] = process
        return process.pid

    def kill_worker(self, pid: int) -> None:
        """SIGKILL a worker, as a machine that dies does."""
        process = self.workers.pop(pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def tenant(self, *options: str) -> dict[str, Any]:
        """A new target tenant (generic SCIM profile); what ``tenant create`` printed."""
        name = f"t-{uuid.uuid4().hex[:8]}"
        created: dict[str, Any] = self(
            "target", "tenant", "create", name, "--base-url", self.url, "--profile", "generic",
            *options,
        )  # fmt: skip
        return created

    def app(self, tenant: dict[str, Any], *, latency_ms: int = 0) -> str:
        """An app of the generic SCIM template on ``tenant``, scope all users, turned on."""
        name = f"App {uuid.uuid4().hex[:8]}"
        self("app", "add", "scim", "--name", name)
        self(
            "app", "credentials", name, "--tenant-url", tenant["tenant_urls"][0],
            "--token", tenant["token"],
        )  # fmt: skip
        self("app", "settings", name, "--scope", "all")
        self("app", "provisioning", name, "on")
        if latency_ms:
            self("target", "tenant", "faults", tenant["name"], "--latency-ms", str(latency_ms))
        return name

    def jobs(self) -> list[dict[str, Any]]:
        """``scimitar jobs list``."""
        listed: list[dict[str, Any]] = self("jobs", "list", "--recent", "200")
        return listed

    def wait_for(self, what: str, check: Any, timeout: float = 120.0) -> Any:
        """Poll ``check()`` until it returns something truthy; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}: {self.log_tail()}")

    def log_tail(self) -> str:
        """The end of the workers' log, for failure messages."""
        log = self.data / "workers.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    def stop(self) -> None:
        """Stop every process started here."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def new_cluster(pg_url: str, data: Path) -> Cluster:
    """A cluster on the PostgreSQL database ``pg_url`` (empty), with a ``serve`` for the target."""
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(data), "SCIMITAR_DATABASE_URL": pg_url}
    cluster = Cluster(env, data)
    cluster.url = cluster.serve("--no-scheduler", "--no-worker")
    return cluster
