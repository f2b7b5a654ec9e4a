"""``scimitar target tenant ...`` through typer's runner, against SQLite and PostgreSQL."""

from __future__ import annotations

import json

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


def test_create_prints_urls_and_a_token_once(runner: CliRunner) -> None:
    created = runner.invoke(app, ["target", "tenant", "create", "acme", "--json"])
    assert created.exit_code == 0, created.output
    body = json.loads(created.stdout)
    assert body["profile"] == "webex"
    assert body["token"].startswith("scimtgt_")
    assert body["tenant_urls"] == [
        f"http://127.0.0.1:8000/v1/scim/{body['id']}/",
        f"http://127.0.0.1:8000/identity/scim/{body['id']}/v2/",
    ]
    listed = runner.invoke(app, ["target", "tenant", "list", "--json"])
    assert body["token"] not in listed.stdout
    assert [t["name"] for t in json.loads(listed.stdout)] == ["acme"]


def test_human_output_shows_the_token_and_url(runner: CliRunner) -> None:
    created = runner.invoke(app, ["target", "tenant", "create", "acme", "--profile", "generic"])
    assert created.exit_code == 0
    assert "/scim/" in created.stdout
    assert "scimtgt_" in created.stdout


def test_rotate_token_gives_a_new_token(runner: CliRunner) -> None:
    first = json.loads(runner.invoke(app, ["target", "tenant", "create", "acme", "--json"]).stdout)
    rotated = json.loads(
        runner.invoke(app, ["target", "tenant", "rotate-token", "acme", "--json"]).stdout
    )
    assert rotated["id"] == first["id"]
    assert rotated["token"] != first["token"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["target", "tenant", "create", "x", "--profile", "ldap"], "profile 'ldap' is unknown"),
        (["target", "tenant", "rotate-token", "nope"], "no target tenant"),
        (["target", "tenant", "faults", "nope", "--latency-ms", "5"], "no target tenant"),
        (["target", "tenant", "create", "x", "--quirks", "loose"], "quirks 'loose' is unknown"),
    ],
    ids=["bad-profile", "unknown-tenant", "faults-unknown-tenant", "bad-quirks"],
)
def test_errors_go_to_stderr_with_a_non_zero_exit(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr


def test_duplicate_name_is_refused_and_nothing_changes(runner: CliRunner) -> None:
    runner.invoke(app, ["target", "tenant", "create", "acme", "--json"])
    again = runner.invoke(app, ["target", "tenant", "create", "acme", "--json"])
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert len(json.loads(runner.invoke(app, ["target", "tenant", "list", "--json"]).stdout)) == 1


def test_faults_and_quirks_are_stored(runner: CliRunner) -> None:
    runner.invoke(app, ["target", "tenant", "create", "acme", "--json"])
    runner.invoke(
        app, ["target", "tenant", "faults", "acme", "--latency-ms", "25", "--error-rate", "0.5"]
    )
    runner.invoke(app, ["target", "tenant", "set", "acme", "--quirks", "rfc"])
    [tenant] = json.loads(runner.invoke(app, ["target", "tenant", "list", "--json"]).stdout)
    assert tenant["faults"]["latency_ms"] == 25
    assert tenant["faults"]["error_rate"] == 0.5
    assert tenant["quirks"] == "rfc"
    deleted = runner.invoke(app, ["target", "tenant", "delete", "acme", "--json"])
    assert deleted.exit_code == 0
    assert json.loads(runner.invoke(app, ["target", "tenant", "list", "--json"]).stdout) == []


def _switches(runner: CliRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["target", "tenant", "quirk-switches", "acme", *args, "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout)["quirk_switches"])


def test_quirk_switches_are_set_kept_replaced_and_turned_off(runner: CliRunner) -> None:
    runner.invoke(app, ["target", "tenant", "create", "acme", "--profile", "generic"])
    switched = _switches(
        runner,
        "--patch-unsupported",
        "title",
        "--patch-unsupported",
        "OP:Remove",
        "--filter-ignored",
        "displayName",
        "--drop-attribute",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "--numeric-status",
    )
    assert switched == {
        "patch_unsupported": ["title", "op:remove"],
        "filters_ignored": ["displayName"],
        "dropped": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"],
        "numeric_status": True,
    }
    assert _switches(runner) == switched
    replaced = _switches(runner, "--drop-attribute", "title")
    assert replaced == {**switched, "dropped": ["title"]}
    [listed] = json.loads(runner.invoke(app, ["target", "tenant", "list", "--json"]).stdout)
    assert listed["quirk_switches"] == replaced
    assert _switches(runner, "--off", "--filter-ignored", "userName") == {
        "patch_unsupported": [],
        "filters_ignored": ["userName"],
        "dropped": [],
        "numeric_status": False,
    }
    human = runner.invoke(app, ["target", "tenant", "quirk-switches", "acme", "--off"])
    assert human.exit_code == 0
    assert "Quirk switches of acme: none" in human.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patch-unsupported", "op:merge"], "--patch-unsupported: 'op:merge' is not an"),
        (["--filter-ignored", "emails[type eq"], "--filter-ignored: 'emails[type eq' is not"),
        (["--drop-attribute", "*"], "--drop-attribute: '*' is not an attribute name"),
    ],
    ids=["unknown-op", "filter-syntax", "star-is-for-patch-only"],
)
def test_bad_quirk_switches_are_refused_and_nothing_changes(
    runner: CliRunner, args: list[str], message: str
) -> None:
    runner.invoke(app, ["target", "tenant", "create", "acme", "--profile", "generic"])
    _switches(runner, "--numeric-status")
    result = runner.invoke(app, ["target", "tenant", "quirk-switches", "acme", *args, "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert _switches(runner)["numeric_status"] is True


def test_quirk_switches_of_an_unknown_tenant(runner: CliRunner) -> None:
    result = runner.invoke(app, ["target", "tenant", "quirk-switches", "nope", "--off"])
    assert result.exit_code == 1
    assert "no target tenant" in result.stderr
