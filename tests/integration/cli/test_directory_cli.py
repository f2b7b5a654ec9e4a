"""``scimitar directory ...`` through typer's runner, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
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


def _json(runner: CliRunner, *arguments: str) -> Any:
    result = runner.invoke(app, ["directory", *arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_user_lifecycle(runner: CliRunner) -> None:
    ada = _json(
        runner,
        "user",
        "add",
        "ada@contoso.com",
        "givenName=Ada",
        "proxyAddresses=SMTP:ada@contoso.com",
    )
    assert ada["proxyAddresses"] == ["SMTP:ada@contoso.com"]
    assert (
        _json(runner, "user", "set", "ada@contoso.com", "jobTitle=Engineer")["jobTitle"]
        == "Engineer"
    )
    assert _json(runner, "user", "show", ada["objectId"])["givenName"] == "Ada"
    assert _json(runner, "user", "disable", "ada@contoso.com")["isSoftDeleted"] is True
    assert _json(runner, "user", "enable", "ada@contoso.com")["accountEnabled"] is True
    assert _json(runner, "user", "delete", "ada@contoso.com")["deleted"] == "soft"
    assert [u["objectId"] for u in _json(runner, "user", "list", "--deleted")] == [ada["objectId"]]
    assert _json(runner, "user", "list") == []
    assert _json(runner, "user", "restore", "ada@contoso.com")["deletedDateTime"] is None
    assert _json(runner, "user", "delete", "ada@contoso.com", "--hard")["deleted"] == "hard"
    kinds = [c["kind"] for c in _json(runner, "changes", "--since", "0")["changes"]]
    assert kinds == [
        "created",
        "updated",
        "updated",
        "updated",
        "soft_deleted",
        "restored",
        "hard_deleted",
    ]


def test_group_commands(runner: CliRunner) -> None:
    _json(runner, "user", "add", "ada@contoso.com")
    sales = _json(runner, "group", "add", "Sales", "description=Sellers")
    _json(runner, "group", "add", "Division")
    added = _json(runner, "group", "add-member", "Sales", "ada@contoso.com")
    assert added["added"] == 1
    assert _json(runner, "group", "add-member", "Division", "Sales")["members"] == [
        {"objectId": sales["objectId"], "objectType": "group"}
    ]
    assert (
        _json(runner, "group", "set", "Sales", "description=All sellers")["description"]
        == "All sellers"
    )
    assert _json(runner, "group", "remove-member", "Sales", "ada@contoso.com")["removed"] == 1
    assert sorted(g["displayName"] for g in _json(runner, "group", "list")) == ["Division", "Sales"]
    assert _json(runner, "group", "show", "sales")["objectId"] == sales["objectId"]
    assert _json(runner, "group", "delete", "Sales")["deleted"] == "soft"
    assert _json(runner, "group", "restore", sales["objectId"])["isSoftDeleted"] is False


def test_list_prints_every_user_with_attributes(runner: CliRunner) -> None:
    assert (
        _json(runner, "generate", "--users", "30", "--groups", "3", "--seed", "5")["users_created"]
        == 30
    )
    users = _json(runner, "user", "list")
    assert len(users) == 30
    assert all(user["userPrincipalName"] and "department" in user for user in users)


def test_import_export_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "userPrincipalName,givenName,department\nada@contoso.com,Ada,R&D\n", encoding="utf-8"
    )
    assert _json(runner, "import", str(source))["users_created"] == 1
    exported = tmp_path / "export.json"
    assert _json(runner, "export", "--output", str(exported))["users"] == 1
    assert _json(runner, "import", str(exported))["users_unchanged"] == 1


def test_import_errors_go_to_stderr_with_line_and_field(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        "userPrincipalName,accountEnabled\nok@contoso.com,true\nbad,true\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["directory", "import", str(source)])
    assert result.exit_code == 1
    assert "line 3, userPrincipalName" in result.stderr
    assert result.stdout == ""
    assert _json(runner, "user", "list") == []
    partial = _json(runner, "import", str(source), "--partial")
    assert (partial["users_created"], partial["problems"][0]["line"]) == (1, 3)


def test_errors_exit_non_zero(runner: CliRunner) -> None:
    result = runner.invoke(app, ["directory", "user", "show", "nobody@contoso.com", "--json"])
    assert result.exit_code == 1
    assert "no user" in result.stderr
    assert result.stdout == ""


def test_changes_page_and_purge(runner: CliRunner) -> None:
    for name in ("a", "b", "c"):
        _json(runner, "user", "add", f"{name}@contoso.com")
    page = _json(runner, "changes", "--since", "1", "--limit", "1")
    assert (page["watermark"], page["hasMore"]) == (2, True)
    assert _json(runner, "purge") == {"users": 0, "groups": 0}
