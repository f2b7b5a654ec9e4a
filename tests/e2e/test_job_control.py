"""Held deletions, pause, start and restart through the CLI, against ``scimitar serve``.

The engine talks to the embedded target over a socket; the target is read over HTTP as the
app's admin would. The ``scimitar`` commands run in this process (:mod:`tests.e2e.commands`).
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app as scimitar_cli
from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


class Job:
    """One app on its own generic tenant, with a delete threshold of 3 and five users."""

    def __init__(self, server: Server) -> None:
        self.run = Scimitar(server)
        self.server = server
        self.tag = uuid.uuid4().hex[:8]
        tenant = self.run(
            "target", "tenant", "create", f"t-{self.tag}", "--base-url", server.url,
            "--profile", "generic",
        )  # fmt: skip
        self.tenant = tenant
        self.app = f"app-{self.tag}"
        self.run("app", "add", "scim", "--name", self.app)
        self.run(
            "app", "credentials", self.app, "--tenant-url", tenant["tenant_urls"][0],
            "--token", tenant["token"],
        )  # fmt: skip
        self.run("app", "settings", self.app, "--delete-threshold", "3")
        self.run("app", "provisioning", self.app, "on")
        self.users = [self.user(f"u{n}") for n in range(5)]

    def user(self, local: str) -> str:
        upn = f"{local}.{self.tag}@contoso.com"
        self.run("directory", "user", "add", upn, f"givenName={local}")
        self.run("app", "assign", self.app, "--user", upn, "--role", "User")
        return upn

    def fails(self, *args: str) -> str:
        """Run a command that must exit non-zero; returns its stderr."""
        env = {"SCIMITAR_DATA_DIR": self.server.env["SCIMITAR_DATA_DIR"]}
        result = CliRunner().invoke(scimitar_cli, [*args, "--json"], env=env)
        assert result.exit_code != 0, result.stdout
        assert result.stdout == ""
        return result.stderr

    def target_users(self) -> list[str]:
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            self.tenant["tenant_urls"][0] + "Users?count=100",
            headers={"Authorization": f"Bearer {self.tenant['token']}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return sorted(r["userName"] for r in json.load(response)["Resources"])

    def trip(self) -> dict[str, Any]:
        """Provision the five users, hard-delete four: two deletions go, two are held."""
        self.run("app", "sync", self.app)
        for upn in self.users[:4]:
            self.run("directory", "user", "delete", upn, "--hard")
        summary: dict[str, Any] = self.run("app", "sync", self.app)
        assert summary["counts"]["delete"] == 2
        assert summary["counts"]["staged_delete"] == 2
        return summary


def test_threshold_trip_then_allow(server: Server) -> None:
    job = Job(server)
    job.trip()

    status = job.run("app", "status", job.app)
    assert status["state"] == "quarantined"
    assert status["quarantine"]["reason"] == "TooManyDeletes"
    assert status["stagedDeletes"] == 2
    held = job.run("app", "deletes", job.app, "list")
    assert sorted(row["name"] for row in held) == job.users[2:4]
    assert {row["action"] for row in held} == {"delete"}
    assert len(job.target_users()) == 3
    assert "app deletes" in job.fails("app", "sync", job.app)

    allowed = job.run("app", "deletes", job.app, "allow")

    assert allowed["decision"] == "allowed"
    assert allowed["count"] == 2
    assert allowed["cycle"]["counts"]["delete"] == 2
    assert job.target_users() == [job.users[4]]
    status = job.run("app", "status", job.app)
    assert status["state"] == "active"
    assert status["quarantine"] is None
    assert status["stagedDeletes"] == 0


def test_threshold_trip_then_reject(server: Server) -> None:
    job = Job(server)
    job.trip()

    rejected = job.run("app", "deletes", job.app, "reject")

    assert rejected["decision"] == "rejected"
    assert rejected["count"] == 2
    assert job.run("app", "deletes", job.app, "list") == []
    status = job.run("app", "status", job.app)
    assert status["quarantine"] is None
    assert status["linked"]["User"] == 3
    after = job.run("app", "sync", job.app)
    assert after["counts"].get("delete", 0) == 0
    assert len(job.target_users()) == 3
    assert "holds no deletions" in job.fails("app", "deletes", job.app, "allow")
    assert "use list, allow or reject" in job.fails("app", "deletes", job.app, "purge")


def test_pause_start_restart(server: Server) -> None:
    job = Job(server)
    job.run("app", "sync", job.app)

    paused = job.run("app", "pause", job.app)
    assert paused["state"] == "paused"
    assert job.run("app", "status", job.app)["state"] == "paused"
    assert "app start" in job.fails("app", "sync", job.app)

    started = job.run("app", "start", job.app)
    assert started["state"] == "active"
    assert job.run("app", "sync", job.app)["kind"] == "incremental"

    restarted = job.run("app", "restart", job.app, "--reset", "watermark,links")
    assert restarted["reset"]["links"] == 5
    assert "initial" in restarted["message"]
    again = job.run("app", "sync", job.app)
    assert again["kind"] == "initial"
    assert again["counts"].get("create", 0) == 0
    assert job.target_users() == sorted(job.users)
    assert job.run("app", "status", job.app)["linked"]["User"] == 5

    error = job.fails("app", "restart", job.app, "--reset", "everything")
    assert "'everything'" in error
    assert "watermark" in error
