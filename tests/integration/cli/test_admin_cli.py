"""``scimitar admin`` through typer's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.admin import AdminAuth
from scimitar.cli.main import app
from scimitar.settings import Settings
from scimitar.store import open_database


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCIMITAR_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    return CliRunner()


def _json(runner: CliRunner, *args: str, stdin: str | None = None) -> Any:
    result = runner.invoke(app, [*args, "--json"], input=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def _verify(settings: Settings, key: str, password: str) -> tuple[bool, bool]:
    database = await open_database(settings)
    try:
        auth = AdminAuth(database)
        return await auth.verify_key(key) is not None, await auth.verify_password(password)
    finally:
        await database.dispose()


def test_key_create_list_revoke(runner: CliRunner, settings: Settings) -> None:
    made = _json(runner, "admin", "key", "create", "ci")
    assert made["key"].startswith("scimadm_")
    listed = _json(runner, "admin", "key", "list")
    assert [k["name"] for k in listed] == ["ci"]
    assert "key" not in listed[0]
    assert made["key"] not in json.dumps(listed)
    assert asyncio.run(_verify(settings, made["key"], "-"))[0]
    again = runner.invoke(app, ["admin", "key", "create", "ci", "--json"])
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert _json(runner, "admin", "key", "revoke", "ci")["revoked"]["name"] == "ci"
    assert not asyncio.run(_verify(settings, made["key"], "-"))[0]
    missing = runner.invoke(app, ["admin", "key", "revoke", "ci", "--json"])
    assert missing.exit_code == 1
    assert missing.stdout == ""


def test_key_create_prints_the_key_for_people(runner: CliRunner) -> None:
    result = runner.invoke(app, ["admin", "key", "create", "ops"])
    assert result.exit_code == 0, result.output
    assert "scimadm_" in result.stdout
    assert "shown this once" in result.stdout


def test_set_password_from_stdin(runner: CliRunner, settings: Settings) -> None:
    done = _json(runner, "admin", "set-password", "--password-stdin", stdin="a long passphrase\n")
    assert done["passwordSet"] is True
    assert "a long passphrase" not in json.dumps(done)
    assert asyncio.run(_verify(settings, "", "a long passphrase"))[1]
    weak = runner.invoke(app, ["admin", "set-password", "--password-stdin"], input="short\n")
    assert weak.exit_code == 1
    assert "at least 12" in weak.stderr
    assert asyncio.run(_verify(settings, "", "a long passphrase"))[1]


def test_set_password_refuses_to_prompt_without_a_terminal(runner: CliRunner) -> None:
    result = runner.invoke(app, ["admin", "set-password", "--json"], input="")
    assert result.exit_code == 1
    assert "--password-stdin" in result.stderr
