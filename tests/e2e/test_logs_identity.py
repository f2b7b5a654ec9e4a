"""``scimitar logs APP --user "Display Name"`` as a user types it, against ``scimitar serve``."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def test_logs_finds_a_user_by_display_name(server: Server) -> None:
    run = Scimitar(server)
    tag = uuid.uuid4().hex[:8]
    tenant = server.tenant(f"t-{tag}", "--profile", "generic")
    app = f"Lab {tag}"
    upn = f"bob.{tag}@contoso.com"
    run("directory", "user", "add", upn, "displayName=Bob Builder", "givenName=Bob")
    run("directory", "user", "add", f"ada.{tag}@contoso.com", "displayName=Ada Lovelace")
    run("app", "add", "scim", "--name", app)
    for user in (upn, f"ada.{tag}@contoso.com"):
        run("app", "assign", app, "--user", user, "--role", "User")
    run("app", "credentials", app, "--tenant-url", tenant["tenant_urls"][0], "--token",
        tenant["token"])  # fmt: skip
    run("app", "provisioning", app, "on")
    run("app", "sync", app)

    # A real process, so the shell's quoting of the space is what the command receives.
    found = server.cli_json("logs", app, "--user", "Bob Builder")
    by_upn = server.cli_json("logs", app, "--user", upn.upper())

    assert [r["sourceIdentity"]["displayName"] for r in found] == ["Bob Builder"]
    assert found[0]["sourceIdentity"]["details"]["userPrincipalName"] == upn
    assert found[0]["provisioningAction"] == "create"
    assert [r["id"] for r in by_upn] == [r["id"] for r in found]
    table = server.cli("logs", app, "--user", "bob builder").stdout
    assert "create" in table
    assert "ada." not in table
    assert "No provisioning log records" not in table
