"""Notification mails end to end: real cycles against the embedded target, a real SMTP server.

``scimitar app sync`` runs as a real process with the SMTP settings in its environment, against
a tenant whose faults make an object fail; and ``scimitar serve`` runs its scheduler with them,
where a cycle's duplicate target accounts fail an object. Each delivers one mail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server, _wait_until_up
from tests.e2e.target_view import TargetView
from tests.mailserver import MailServer, mail_server

pytestmark = pytest.mark.e2e

ADMIN = "ops@contoso.com"


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


def _app(scimitar: Scimitar, server: Server, tag: str) -> tuple[str, TargetView]:
    """A Webex app on its own tenant, mailing ADMIN on failure; provisioning on."""
    tenant = scimitar("target", "tenant", "create", f"t-{tag}", "--base-url", server.url)
    app = f"Shop {tag}"
    scimitar("app", "add", "cisco-webex", "--name", app)
    scimitar(
        "app", "credentials", app, "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    scimitar("app", "settings", app, "--notify", ADMIN, "--notify-on-failure")
    return app, TargetView(tenant)


def _user(scimitar: Scimitar, app: str, upn: str, *pairs: str) -> None:
    scimitar("directory", "user", "add", upn, "givenName=Ada", *pairs)
    scimitar("app", "assign", app, "--user", upn, "--role", "User")


def test_sync_with_a_failing_object_mails_the_admin_once(server: Server, smtp: MailServer) -> None:
    scimitar = Scimitar(server)
    tag = uuid.uuid4().hex[:8]
    app, target = _app(scimitar, server, tag)
    _user(scimitar, app, f"ada.{tag}@contoso.com")
    scimitar("app", "provisioning", app, "on")
    scimitar("app", "sync", app)  # the initial cycle, before any fault

    bob = f"bob.{tag}@contoso.com"
    _user(scimitar, app, bob)
    scimitar("target", "tenant", "faults", f"t-{tag}", "--error-rate", "1")
    env = {**server.env, **smtp.env(SCIMITAR_PUBLIC_URL=server.url)}
    synced = subprocess.run(
        [sys.executable, "-m", "scimitar", "app", "sync", app, "--json"],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    scimitar("target", "tenant", "faults", f"t-{tag}", "--error-rate", "0")
    assert synced.returncode == 0, synced.stderr
    assert '"failure"' in synced.stdout

    [mail] = smtp.wait_for(1)
    assert mail.rcpt_tos == [ADMIN]
    assert mail.subject.startswith(f"[Scimitar] {app}: ")
    assert mail.subject.endswith("failed to provision")
    text = mail.body("plain")
    assert f"User {bob}" in text
    assert re.search(r"injected fault: HTTP 50[03]", text)  # the tenant picks 500 or 503
    assert f"`scimitar logs '{app}' --cycle " in text
    assert target.find("Users", "userName", bob) == []
    target.close()
    assert len(smtp.received) == 1
    _opens_the_cycles_log(scimitar, server, _link(text), bob)


def _link(text: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith("Provisioning log: ")]
    return line.removeprefix("Provisioning log: ")


def _opens_the_cycles_log(scimitar: Scimitar, server: Server, link: str, upn: str) -> None:
    """The mail's link, followed by an admin signed in to the portal, shows the failure."""
    assert link.startswith(f"{server.url}/portal/apps/")
    assert "/logs?cycle=" in link
    key = scimitar("admin", "key", "create", f"mail-{uuid.uuid4().hex[:8]}")["key"]
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        first = browser.get(link)
        assert first.status_code == 303  # to the sign-in page, and back here after it
        path = link.removeprefix(server.url)
        signed_in = browser.post(
            "/portal/signin",
            data={"method": "key", "api_key": key, "next": path},
            follow_redirects=True,
        )
    assert signed_in.status_code == 200
    assert str(signed_in.url) == link
    assert upn in signed_in.text


def test_serve_scheduler_mails_a_failed_cycle(tmp_path: Path, smtp: MailServer) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(tmp_path), **smtp.env(SCIMITAR_PUBLIC_URL=url)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scimitar", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(url, process, log)
        server = Server(url, env, process, log)
        scimitar = Scimitar(server)
        tag = uuid.uuid4().hex[:8]
        app, target = _app(scimitar, server, tag)
        # Two accounts in the app match the user: DuplicateTargetEntries, one failed object.
        scimitar(
            "app", "mappings", app, "set", "externalId", "--source", "department",
            "--matching", "2",
        )  # fmt: skip
        department = f"dept-{tag}"
        target.create_user(f"twin1.{tag}@contoso.com", externalId=department)
        target.create_user(f"twin2.{tag}@contoso.com", externalId=department)
        target.close()
        ada = f"ada.{tag}@contoso.com"
        _user(scimitar, app, ada, f"department={department}")
        scimitar("app", "provisioning", app, "on")  # the scheduler runs the cycle now

        [mail] = smtp.wait_for(1, timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert mail.rcpt_tos == [ADMIN]
    assert mail.subject == f"[Scimitar] {app}: 1 object failed to provision"
    assert f"User {ada} (DuplicateTargetEntries)" in mail.body("plain")
    assert f"{url}/portal/apps/" in mail.body("html")


def _sync_process(server: Server, smtp: MailServer, app: str) -> subprocess.CompletedProcess[str]:
    """``scimitar app sync APP`` as a real process, with the SMTP settings."""
    env = {**server.env, **smtp.env(SCIMITAR_PUBLIC_URL=server.url)}
    return subprocess.run(
        [sys.executable, "-m", "scimitar", "app", "sync", app, "--json"],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def test_held_deletions_mail_once(server: Server, smtp: MailServer) -> None:
    scimitar = Scimitar(server)
    tag = uuid.uuid4().hex[:8]
    app, target = _app(scimitar, server, tag)
    target.close()
    scimitar("app", "settings", app, "--delete-threshold", "2", "--no-notify-on-failure")
    users = [f"u{n}.{tag}@contoso.com" for n in range(3)]
    for upn in users:
        _user(scimitar, app, upn)
    scimitar("app", "provisioning", app, "on")
    scimitar("app", "sync", app)
    for upn in users:
        scimitar("app", "unassign", app, "--user", upn)

    synced = _sync_process(server, smtp, app)

    assert synced.returncode == 0, synced.stderr
    [mail] = smtp.wait_for(1)
    assert mail.rcpt_tos == [ADMIN]
    # The threshold of 2 lets one disable through and holds the rest (docs/entra.md §2.6).
    assert mail.subject == f"[Scimitar] {app}: 2 deletions held for review"
    text = mail.body("plain")
    assert "threshold of 2 disables and deletes per cycle" in text
    held = [line for line in text.splitlines() if line.startswith("  - User ")]
    assert len(held) == 2
    assert all(any(upn in line for upn in users) for line in held)
    for step in ("list", "allow", "reject"):
        assert f"`scimitar app deletes '{app}' {step}`" in text
    assert f"{server.url}/portal/apps/" in text
    assert len(smtp.received) == 1  # the TooManyDeletes quarantine sends no second mail
    listed = scimitar("app", "deletes", app, "list")
    assert len(listed) == 2, listed


def test_revoked_token_quarantines_and_mails(server: Server, smtp: MailServer) -> None:
    scimitar = Scimitar(server)
    tag = uuid.uuid4().hex[:8]
    app, target = _app(scimitar, server, tag)
    target.close()
    scimitar("app", "settings", app, "--no-notify-on-failure")
    _user(scimitar, app, f"ada.{tag}@contoso.com")
    scimitar("app", "provisioning", app, "on")
    scimitar("app", "sync", app)
    scimitar("target", "tenant", "rotate-token", f"t-{tag}")
    _user(scimitar, app, f"bob.{tag}@contoso.com")

    synced = _sync_process(server, smtp, app)

    assert synced.returncode == 1
    [mail] = smtp.wait_for(1)
    assert mail.subject == (
        f"[Scimitar] {app}: provisioning quarantined (EncounteredQuarantineException)"
    )
    text = mail.body("plain")
    assert "401" in text
    assert "tries again by itself at" in text
    assert f"`scimitar app credentials '{app}' --tenant-url URL --token TOKEN`" in text
    assert len(smtp.received) == 1  # failure mails are off for this app
