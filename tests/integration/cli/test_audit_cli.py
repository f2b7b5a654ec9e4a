"""``scimitar audit list`` through typer's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import getpass
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app
from scimitar.settings import Settings


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


def _changes(runner: CliRunner) -> dict[str, Any]:
    made = _json(runner, "admin", "key", "create", "ci")
    _json(runner, "admin", "set-password", "--password-stdin", stdin="correct horse battery\n")
    _json(runner, "app", "add", "cisco-webex", "--name", "Webex")
    _json(runner, "app", "add", "scim", "--name", "Lab")
    _json(runner, "app", "settings", "Webex", "--interval", "30")
    tenant = _json(runner, "target", "tenant", "create", "acme")
    _json(runner, "target", "tenant", "rotate-token", "acme")
    return {"key": made["key"], "token": tenant["token"]}


def test_changes_made_with_the_cli_are_listed_with_the_os_user(runner: CliRunner) -> None:
    secrets = _changes(runner)
    listed = _json(runner, "audit", "list")
    assert [r["action"] for r in listed["records"]] == [
        "tenant.token_rotate",
        "tenant.create",
        "settings.update",
        "app.add",
        "app.add",
        "password.set",
        "apikey.create",
    ]
    assert {r["actor"] for r in listed["records"]} == {f"cli:{getpass.getuser()}"}
    assert listed["nextBefore"] is None
    text = json.dumps(listed)
    assert secrets["key"] not in text
    assert secrets["token"] not in text
    assert "correct horse" not in text


def test_filters_and_pages(runner: CliRunner) -> None:
    _changes(runner)
    webex = _json(runner, "audit", "list", "--app", "webex")
    assert [r["action"] for r in webex["records"]] == ["settings.update", "app.add"]
    assert webex["records"][0]["before"]["interval_minutes"] == 5
    assert webex["records"][0]["after"]["interval_minutes"] == 30
    tenants = _json(runner, "audit", "list", "--action", "tenant")
    assert len(tenants["records"]) == 2
    assert _json(runner, "audit", "list", "--actor", "api")["records"] == []
    assert len(_json(runner, "audit", "list", "--actor", "cli", "--since", "1h")["records"]) == 7
    assert _json(runner, "audit", "list", "--since", "2999-01-01")["records"] == []
    first = _json(runner, "audit", "list", "--limit", "4")
    assert len(first["records"]) == 4
    rest = _json(runner, "audit", "list", "--limit", "4", "--before", first["nextBefore"])
    assert [r["action"] for r in rest["records"]] == ["app.add", "password.set", "apikey.create"]


def test_the_table_and_bad_filters(runner: CliRunner) -> None:
    _changes(runner)
    table = runner.invoke(app, ["audit", "list", "--app", "Webex"])
    assert table.exit_code == 0
    assert "settings.update" in table.stdout
    assert "interval_minutes" in table.stdout
    assert "created" in table.stdout
    bad = runner.invoke(app, ["audit", "list", "--since", "last tuesday"])
    assert bad.exit_code == 1
    assert "neither a time nor an age" in bad.stderr
    assert bad.exception is None or isinstance(bad.exception, SystemExit)
    cursor = runner.invoke(app, ["audit", "list", "--before", "x"])
    assert cursor.exit_code == 1
    assert "nextBefore" in cursor.stderr
    empty = runner.invoke(app, ["audit", "list", "--actor", "portal"])
    assert "No audit records match." in empty.stdout
