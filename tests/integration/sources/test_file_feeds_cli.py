"""File feeds through the CLI: sync, vanished rows, bad files rejected whole, ownership."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app
from scimitar.settings import Settings

HEADER = "employeeId,userPrincipalName,givenName,department,manager\n"
ROWS = [
    "E1,ada@contoso.com,Ada,R&D,\n",
    "E2,bob@contoso.com,Bob,Sales,E1\n",
    "E3,cy@contoso.com,Cy,Ops,E1\n",
]


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCIMITAR_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    return CliRunner()


def _json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _fails(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    return " ".join(result.stderr.split())


def test_a_csv_feed_syncs_and_vanished_rows_are_soft_deleted(
    runner: CliRunner, tmp_path: Path
) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    _json(runner, "source", "add", "csv", "hr", "--path", str(feed))
    first = _json(runner, "source", "sync", "hr")
    assert first["counts"]["created"] == 3
    bob = _json(runner, "directory", "user", "show", "bob@contoso.com")
    ada = _json(runner, "directory", "user", "show", "ada@contoso.com")
    assert bob["manager"] == ada["objectId"]
    feed.write_text(HEADER + ROWS[0] + ROWS[1].replace("Sales", "Marketing"), encoding="utf-8")
    second = _json(runner, "source", "sync", "hr")
    assert (second["counts"]["updated"], second["counts"]["deleted"]) == (1, 1)
    assert (
        _json(runner, "directory", "user", "show", "bob@contoso.com")["department"] == "Marketing"
    )
    deleted = _json(runner, "directory", "user", "list", "--deleted")
    assert [u["userPrincipalName"] for u in deleted] == ["cy@contoso.com"]
    records = _json(runner, "logs", "--source", "hr", "--action", "delete")
    assert [r["sourceIdentity"]["id"] for r in records] == ["E3"]


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (HEADER + ROWS[0] + "E1,x@contoso.com,X,R&D,\n", 3, "user anchor 'E1' repeats line 2"),
        (
            HEADER + ROWS[0] + ",nobody@contoso.com,N,R&D,\n",
            3,
            "the user has no value for 'employeeId'",
        ),
        (HEADER + ROWS[0] + "E4,dan@contoso.com\n", 3, "2 cells where the header has 5"),
        ("userPrincipalName\nada@contoso.com\n", 1, "no column 'employeeId'"),
    ],
    ids=["repeated-anchor", "missing-anchor", "short-row", "no-anchor-column"],
)
def test_a_bad_csv_file_is_rejected_whole_naming_the_line(
    runner: CliRunner, tmp_path: Path, content: str, line: int, problem: str
) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    _json(runner, "source", "add", "csv", "hr", "--path", str(feed))
    _json(runner, "source", "sync", "hr")
    feed.write_text(content, encoding="utf-8")
    message = _fails(runner, "source", "sync", "hr")
    assert f"line {line}: {problem}" in message
    assert "nothing was written" in message
    users = _json(runner, "directory", "user", "list")
    assert sorted(u["userPrincipalName"] for u in users) == [
        "ada@contoso.com",
        "bob@contoso.com",
        "cy@contoso.com",
    ]


def test_a_bad_json_feed_names_the_line(runner: CliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "hr.json"
    feed.write_text(
        '{"users": [\n  {"employeeId": "E1", "userPrincipalName": "ada@contoso.com"},\n'
        '  "not an object"\n]}\n',
        encoding="utf-8",
    )
    _json(runner, "source", "add", "json", "hr", "--path", str(feed))
    assert "line 3: a user must be a JSON object" in _fails(runner, "source", "sync", "hr")
    feed.write_text('{"users": [\n  {"employeeId": "E1",}\n]}', encoding="utf-8")
    assert "line 2" in _fails(runner, "source", "sync", "hr")


def test_a_json_feed_brings_groups_with_members(runner: CliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "hr.json"
    document = {
        "users": [
            {"employeeId": "E1", "userPrincipalName": "ada@contoso.com"},
            {"employeeId": "E2", "userPrincipalName": "bob@contoso.com"},
        ],
        "groups": [{"displayName": "Engineering", "members": ["E1", "E2"]}],
    }
    feed.write_text(json.dumps(document), encoding="utf-8")
    _json(runner, "source", "add", "json", "hr", "--path", str(feed))
    assert _json(runner, "source", "sync", "hr")["counts"]["created"] == 3
    engineering = _json(runner, "directory", "group", "show", "Engineering")
    assert len(engineering["members"]) == 2


def test_hand_edits_of_source_objects_are_refused_unless_overridden(
    runner: CliRunner, tmp_path: Path
) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text(HEADER + ROWS[0], encoding="utf-8")
    _json(runner, "source", "add", "csv", "hr", "--path", str(feed))
    _json(runner, "source", "sync", "hr")
    for args in (
        ["set", "ada@contoso.com", "jobTitle=CEO"],
        ["disable", "ada@contoso.com"],
        ["delete", "ada@contoso.com"],
    ):
        message = _fails(runner, "directory", "user", *args)
        assert "is fed by source 'hr' (csv)" in message
        assert "--override-source" in message
    edited = _json(
        runner, "directory", "user", "set", "ada@contoso.com", "jobTitle=CEO", "--override-source"
    )
    assert edited["jobTitle"] == "CEO"
    _json(runner, "source", "remove", "hr")
    assert (
        _json(runner, "directory", "user", "set", "ada@contoso.com", "jobTitle=CTO")["jobTitle"]
        == "CTO"
    )


def test_source_settings_and_mappings(runner: CliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text("id,upn,first\nE1,ada@contoso.com,Ada\n", encoding="utf-8")
    _json(runner, "source", "add", "csv", "hr", "--path", str(feed), "--anchor", "id")
    shown = _json(
        runner,
        "source",
        "settings",
        "hr",
        "--interval",
        "15",
        "--delete-threshold",
        "0",
        "--deletion-rule",
        "disable",
        "--attribute-precedence",
        "department=5",
    )
    assert (shown["intervalMinutes"], shown["deleteThreshold"], shown["deletionRule"]) == (
        15,
        None,
        "disable",
    )
    assert shown["attributePrecedence"] == {"department": 5}
    _json(runner, "source", "mappings", "hr", "set", "userPrincipalName", "--source", "upn")
    _json(
        runner,
        "source",
        "mappings",
        "hr",
        "set",
        "displayName",
        "--expression",
        'Join(" ", [first], "X")',
    )
    assert "no such attribute" in _fails(
        runner, "source", "mappings", "hr", "set", "nickname", "--source", "x"
    )
    _json(runner, "source", "sync", "hr")
    ada = _json(runner, "directory", "user", "show", "ada@contoso.com")
    assert ada["displayName"] == "Ada X"
    _json(runner, "source", "scoping", "hr", "add", "first", "EQUALS", "Bob")
    assert _json(runner, "source", "sync", "hr")["counts"]["disabled"] == 1


def test_a_directory_import_does_not_change_source_users(runner: CliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text(HEADER + ROWS[0], encoding="utf-8")
    _json(runner, "source", "add", "csv", "hr", "--path", str(feed))
    _json(runner, "source", "sync", "hr")
    other = tmp_path / "import.csv"
    other.write_text(
        "userPrincipalName,jobTitle\nada@contoso.com,CEO\nnew@contoso.com,Intern\n",
        encoding="utf-8",
    )
    message = _fails(runner, "directory", "import", str(other))
    assert "line 2" in message
    assert "is fed by source 'hr' (csv)" in message
    unchanged = other.with_name("same.csv")
    unchanged.write_text("userPrincipalName,givenName\nada@contoso.com,Ada\n", encoding="utf-8")
    assert _json(runner, "directory", "import", str(unchanged))["users_unchanged"] == 1
