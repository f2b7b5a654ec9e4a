"""``scimitar notify test`` through typer's runner against a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app
from scimitar.settings import Settings
from tests.mailserver import PASSWORD, USERNAME, MailServer, mail_server, make_certificates


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[MailServer]:
    with mail_server("starttls", make_certificates(tmp_path), with_auth=True) as server:
        yield server


@pytest.fixture
def runner(
    settings: Settings, smtp: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCIMITAR_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    env = smtp.env(
        SCIMITAR_SMTP_USERNAME=USERNAME,
        SCIMITAR_SMTP_PASSWORD=PASSWORD,
        SCIMITAR_SMTP_CA_FILE=str(tmp_path / "ca.pem"),
        SCIMITAR_PUBLIC_URL="https://scimitar.contoso.com",
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def _ok(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_notify_test_sends_to_the_apps_address(runner: CliRunner, smtp: MailServer) -> None:
    added = _ok(runner, "app", "add", "scim", "--name", "Lab")
    _ok(runner, "app", "settings", "Lab", "--notify", "ops@contoso.com")
    sent = _ok(runner, "notify", "test", "Lab")
    assert sent["to"] == "ops@contoso.com"
    assert sent["server"] == f"127.0.0.1:{smtp.port} (starttls)"
    [mail] = smtp.wait_for(1)
    assert mail.rcpt_tos == ["ops@contoso.com"]
    assert mail.subject == sent["subject"] == "[Scimitar] Lab: test notification"
    assert f"https://scimitar.contoso.com/portal/apps/{added['id']}/logs" in mail.body("plain")
    assert PASSWORD not in json.dumps(sent)


def test_notify_test_errors(
    runner: CliRunner, smtp: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok(runner, "app", "add", "scim", "--name", "Lab")
    no_address = runner.invoke(app, ["notify", "test", "Lab", "--json"])
    assert no_address.exit_code == 1
    assert no_address.stdout == ""
    assert "has no notification email" in no_address.stderr
    assert "--notify EMAIL" in no_address.stderr
    _ok(runner, "app", "settings", "Lab", "--notify", "ops@contoso.com")
    monkeypatch.setenv("SCIMITAR_SMTP_PASSWORD", "wrong-password")
    refused = runner.invoke(app, ["notify", "test", "Lab", "--json"])
    assert refused.exit_code == 1
    assert "refused the login of 'scimitar'" in refused.stderr
    assert "wrong-password" not in refused.output
    monkeypatch.delenv("SCIMITAR_SMTP_HOST")
    off = runner.invoke(app, ["notify", "test", "Lab"])
    assert off.exit_code == 1
    assert "set SCIMITAR_SMTP_HOST" in off.stderr
    assert smtp.received == []
