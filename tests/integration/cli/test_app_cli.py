"""``scimitar gallery`` and ``scimitar app`` through typer's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli import output
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


def _json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_gallery_list_and_show(runner: CliRunner) -> None:
    assert len(_json(runner, "gallery", "list")) >= 7
    shown = _json(runner, "gallery", "show", "cisco-webex")
    assert shown["roles"] == ["Default Access", "User"]
    assert shown["objects"]["User"]["mappings"]["attributeMappings"][0]["matchingPriority"] == 1
    missing = runner.invoke(app, ["gallery", "show", "nope", "--json"])
    assert missing.exit_code == 1
    assert missing.stdout == ""
    assert "no gallery template 'nope'" in missing.stderr


def test_app_lifecycle_and_assignments(runner: CliRunner) -> None:
    _json(runner, "directory", "user", "add", "ada@contoso.com")
    added = _json(runner, "app", "add", "scim", "--name", "Lab")
    assert [a["id"] for a in _json(runner, "app", "list")] == [added["id"]]
    assigned = _json(runner, "app", "assign", "Lab", "--user", "ada@contoso.com")
    assert assigned["role"] == "Default Access"
    both = runner.invoke(app, ["app", "assign", "Lab", "--json"])
    assert both.exit_code == 1
    assert "exactly one of --user" in both.stderr
    assert _json(runner, "app", "unassign", "Lab", "--user", "ada@contoso.com") == {"removed": 1}
    assert _json(runner, "app", "delete", "Lab")["deleted"]["id"] == added["id"]


def test_credentials_never_print_the_token(runner: CliRunner) -> None:
    _json(runner, "app", "add", "scim", "--name", "Lab")
    result = runner.invoke(
        app,
        [
            "app",
            "credentials",
            "Lab",
            "--tenant-url",
            "http://127.0.0.1:9/scim",
            "--token",
            "tok-xyz-789",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tok-xyz-789" not in result.output
    assert json.loads(result.stdout)["hasToken"] is True
    insecure = runner.invoke(
        app,
        ["app", "credentials", "Lab", "--tenant-url", "http://scim.example.com/", "--token", "t"],
    )
    assert insecure.exit_code == 1
    assert "--allow-insecure-http" in insecure.stderr


def test_settings_defaults_and_changes(runner: CliRunner) -> None:
    _json(runner, "app", "add", "cisco-webex", "--name", "Webex")
    shown = _json(runner, "app", "settings", "Webex")["settings"]
    assert (shown["scope"], shown["delete_threshold"], shown["interval_minutes"]) == (
        "assigned",
        500,
        5,
    )
    changed = _json(
        runner,
        "app",
        "settings",
        "Webex",
        "--no-delete-threshold",
        "--interval",
        "40",
        "--skip-out-of-scope-deletions",
        "--dialect",
        "entra",
        "--no-groups",
    )
    assert changed["settings"]["delete_threshold"] is None
    assert changed["settings"]["skip_out_of_scope_deletions"] is True
    assert changed["objectTypes"] == ["User"]
    bad = runner.invoke(app, ["app", "settings", "Webex", "--notify", "not-an-email"])
    assert bad.exit_code == 1
    assert "not an email address" in bad.stderr
    assert shown["nested_groups"] == "direct"  # Entra's only behaviour is the default
    flat = _json(runner, "app", "settings", "Webex", "--nested-groups", "flatten")
    assert flat["settings"]["nested_groups"] == "flatten"
    assert flat["needsInitialCycle"] is True
    wrong = runner.invoke(app, ["app", "settings", "Webex", "--nested-groups", "deep"])
    assert wrong.exit_code != 0


def test_mappings_round_trip_and_expression_errors(runner: CliRunner, tmp_path: Path) -> None:
    _json(runner, "app", "add", "cisco-webex", "--name", "Webex")
    path = tmp_path / "m.json"
    _json(runner, "app", "mappings", "Webex", "export", str(path))
    document = json.loads(path.read_text())
    document["User"]["attributeMappings"][1]["source"]["value"] = "mailNickname"
    path.write_text(json.dumps(document))
    _json(runner, "app", "mappings", "Webex", "import", str(path))
    shown = _json(runner, "app", "mappings", "Webex", "show")
    assert shown["attributeMappings"][1]["source"]["value"] == "mailNickname"
    bad = runner.invoke(
        app,
        ["app", "mappings", "Webex", "set", "displayName", "--expression", 'Join(" ", [givenName]'],
    )
    assert bad.exit_code == 1
    assert "line 1, column" in bad.stderr
    changed = _json(
        runner,
        "app",
        "mappings",
        "Webex",
        "set",
        "displayName",
        "--source",
        "mailNickname",
        "--apply",
        "create",
    )
    row = next(m for m in changed["attributeMappings"] if m["targetAttributeName"] == "displayName")
    assert (row["source"]["value"], row["flowType"]) == ("mailNickname", "ObjectAddOnly")
    _json(
        runner,
        "app",
        "scoping",
        "Webex",
        "add",
        "department",
        "EQUALS",
        "Sales",
        "--filter",
        "sales",
    )
    cleared = _json(runner, "app", "scoping", "Webex", "remove", "--filter", "sales")
    assert cleared["scope"]["groups"] == []
    restored = _json(runner, "app", "mappings", "Webex", "restore-defaults")
    assert restored["needsInitialCycle"] is True


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--source", "jobTitel"],
            "User mapping 5 (target 'displayName'), field source: 'jobTitel' is not a User "
            "attribute of the directory; closest: jobTitle",
        ),
        (
            ["--expression", "PCase([displayNme])"],
            "User mapping 5 (target 'displayName'), field expression, [displayNme] at column 7: "
            "'displayNme' is not a User attribute of the directory; closest: displayName",
        ),
        (
            ["--expression", "AppRoleAssignmentsComplex([appRoleAssignments])"],
            "User mapping 5 (target 'displayName'), field expression: it can produce complex "
            "values",
        ),
    ],
    ids=["unknown-source", "unknown-in-expression", "complex-into-string"],
)
def test_a_mapping_that_cannot_work_is_refused_when_set(
    runner: CliRunner, args: list[str], says: str
) -> None:
    _json(runner, "app", "add", "cisco-webex", "--name", "Webex")
    before = _json(runner, "app", "mappings", "Webex", "show")
    refused = runner.invoke(app, ["app", "mappings", "Webex", "set", "displayName", *args])
    assert refused.exit_code == 1
    assert says in " ".join(refused.stderr.split())
    assert "Traceback" not in refused.output
    assert _json(runner, "app", "mappings", "Webex", "show") == before


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console wide enough that no table cell folds."""
    monkeypatch.setattr(output.stdout, "width", 400)


@pytest.mark.usefixtures("wide")
def test_mappings_show_prints_sources_targets_and_defaults_as_stored(runner: CliRunner) -> None:
    _json(runner, "app", "add", "scim", "--name", "Lab")
    _json(runner, "app", "mappings", "Lab", "set", "nickName", "--expression", "PCase([givenName])")
    _json(runner, "app", "mappings", "Lab", "set", "title", "--default", "Staff")
    shown = runner.invoke(app, ["app", "mappings", "Lab", "show"])
    assert shown.exit_code == 0, shown.output
    rows = {line.split("│")[1].strip(): line for line in shown.stdout.splitlines() if "│" in line}
    assert "PCase([givenName])" in rows["nickName"]
    assert 'Switch([IsSoftDeleted], , "False", "True", "True", "False")' in rows["active"]
    assert "mail" in rows['emails[type eq "work"].value']
    assert [cell.strip() for cell in rows["title"].split("│")[1:-1]] == [
        "title",
        "Attribute",
        "jobTitle",
        "Staff",
        "",
        "Always",
    ]
    assert "default" in shown.stdout.splitlines()[2]


@pytest.mark.usefixtures("wide")
def test_gallery_show_lists_each_target_once(runner: CliRunner) -> None:
    shown = runner.invoke(app, ["gallery", "show", "scim"])
    assert shown.exit_code == 0, shown.output
    targets = [line.split("│")[1].strip() for line in shown.stdout.splitlines() if "│" in line]
    user_targets = targets[: len(targets) - 3]
    assert len(user_targets) == len(set(user_targets)) == 22
    assert 'phoneNumbers[type eq "mobile"].value' in user_targets
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" in user_targets
