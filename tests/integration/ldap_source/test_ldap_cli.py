"""``scimitar source add ldap ...``, ``source test`` and ``source sync`` against a real slapd."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app
from scimitar.settings import Settings
from scimitar.sources.ldap.slapd import LocalSlapd
from tests.ldapserver import GROUPS, PEOPLE, openldap_server


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[tuple[LocalSlapd, Path | None]]:
    server, ca_file = openldap_server(tmp_path / "ldap", tls=True)
    try:
        yield server, ca_file
    finally:
        server.stop()


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCIMITAR_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    return CliRunner()


def _json(runner: CliRunner, *arguments: str) -> Any:
    result = runner.invoke(app, [*arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _add(server: LocalSlapd, password_file: Path, *extra: str) -> list[str]:
    return [
        "source", "add", "ldap", "corp", "--url", server.url, "--bind-dn", server.root_dn,
        "--bind-password-file", str(password_file), "--users-base", PEOPLE,
        "--groups-base", GROUPS, *extra,
    ]  # fmt: skip


def test_add_test_and_sync_over_starttls(
    runner: CliRunner, slapd: tuple[LocalSlapd, Path | None], tmp_path: Path
) -> None:
    server, ca_file = slapd
    password = tmp_path / "bind.pw"
    password.write_text("secret\n")
    added = _json(runner, *_add(server, password, "--start-tls", "--ca-file", str(ca_file)))
    assert added["settings"]["start_tls"] is True
    assert "secret" not in json.dumps(added)

    tested = _json(runner, "source", "test", "corp")
    assert tested["ok"] is True, tested
    synced = _json(runner, "source", "sync", "corp")
    assert synced["counts"]["created"] == 7  # 3 users, 4 groups
    alice = _json(runner, "directory", "user", "show", "alice@example.org")
    assert alice["jobTitle"] == "Engineer"


def test_bad_settings_are_refused_before_anything_is_saved(
    runner: CliRunner, slapd: tuple[LocalSlapd, Path | None], tmp_path: Path
) -> None:
    server, _ = slapd
    password = tmp_path / "bind.pw"
    password.write_text("secret")
    result = runner.invoke(app, _add(server, password, "--filter", "title=x"))
    assert result.exit_code != 0
    assert "user_filter 'title=x' is not an LDAP filter" in result.output
    assert _json(runner, "source", "list") == []


def test_a_wrong_password_fails_the_test_naming_the_fix(
    runner: CliRunner, slapd: tuple[LocalSlapd, Path | None], tmp_path: Path
) -> None:
    server, _ = slapd
    password = tmp_path / "bind.pw"
    password.write_text("wrong")
    _json(runner, *_add(server, password))
    result = runner.invoke(app, ["source", "test", "corp", "--json"])
    assert result.exit_code != 0
    assert "check the bind DN and password" in result.output
