"""``scimitar app config export|import`` through typer's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

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


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_export_to_stdout_and_import_into_a_new_app(runner: CliRunner, tmp_path: Path) -> None:
    _ok(runner, "app", "add", "cisco-webex", "--name", "Webex")
    _ok(runner, "app", "mappings", "Webex", "set", "displayName", "--source", "mailNickname")
    _ok(runner, "app", "settings", "Webex", "--interval", "17")
    exported = _ok(runner, "app", "config", "export", "Webex")
    document = json.loads(exported)
    assert document["settings"]["intervalMinutes"] == 17
    path = tmp_path / "app.json"
    path.write_text(exported)

    _ok(runner, "app", "add", "cisco-webex", "--name", "Copy")
    shown = json.loads(_ok(runner, "app", "config", "import", "Copy", str(path), "--json"))
    assert shown["needsInitialCycle"] is True
    assert json.loads(_ok(runner, "app", "config", "export", "Copy")) == document


def test_an_import_warns_of_a_manager_sent_as_text(runner: CliRunner, tmp_path: Path) -> None:
    _ok(runner, "app", "add", "cisco-webex", "--name", "Webex")
    document = json.loads(_ok(runner, "app", "config", "export", "Webex"))
    document["mappings"]["User"][4].update(source="manager", targetType="String")
    path = tmp_path / "app.json"
    path.write_text(json.dumps(document))

    result = runner.invoke(app, ["app", "config", "import", "Webex", str(path), "--json"])

    assert result.exit_code == 0, result.output
    assert "warning: displayName gets the manager's objectId" in result.stderr
    json.loads(result.stdout)


def test_a_bad_file_exits_non_zero_with_each_json_path(runner: CliRunner, tmp_path: Path) -> None:
    _ok(runner, "app", "add", "cisco-webex", "--name", "Webex")
    document = json.loads(_ok(runner, "app", "config", "export", "Webex"))
    document["mappings"]["User"][3]["target"] = "title"
    document["settings"]["deleteThreshold"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    before = _ok(runner, "app", "config", "export", "Webex")

    result = runner.invoke(app, ["app", "config", "import", "Webex", str(path)])

    assert result.exit_code == 1
    assert "nothing changed: 2 problems" in result.stderr
    assert "$.mappings.User[3].target: unknown target attribute title" in result.stderr
    assert "$.settings.deleteThreshold: --delete-threshold must be" in result.stderr
    assert "Traceback" not in result.output
    assert _ok(runner, "app", "config", "export", "Webex") == before
    missing = runner.invoke(app, ["app", "config", "import", "Webex", str(tmp_path / "no.json")])
    assert missing.exit_code == 1
    assert "cannot read" in missing.stderr
