"""``scimitar app attributes`` and typed mappings (``mappings set --type``) through the runner."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app
from scimitar.settings import Settings

BADGE = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:badge"
SPONSOR = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:sponsor"


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SCIMITAR_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("SCIMITAR_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("SCIMITAR_DATABASE_URL", raising=False)
    runner = CliRunner()
    _json(runner, "app", "add", "cisco-webex", "--name", "Webex")
    return runner


def _json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_add_list_and_remove_an_attribute(runner: CliRunner) -> None:
    added = _json(
        runner, "app", "attributes", "Webex", "add", BADGE, "--type", "integer",
        "--multi-valued", "--required",
    )  # fmt: skip
    assert added[-1] == {
        "name": BADGE,
        "type": "Integer",
        "multiValued": True,
        "required": True,
        "referencedObject": None,
        "origin": "custom",
    }
    listed = _json(runner, "app", "attributes", "Webex", "list")
    assert [a["origin"] for a in listed].count("template") == 6
    groups = _json(runner, "app", "attributes", "Webex", "list", "--object", "group")
    assert {"name": "members", "type": "Reference"}.items() <= groups[-1].items()
    left = _json(runner, "app", "attributes", "Webex", "remove", BADGE)
    assert BADGE not in [a["name"] for a in left]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", SPONSOR, "--type", "reference"], "which object type"),
        (["add", BADGE, "--type", "float"], "use one of String"),
        (["add", "userName"], "already"),
        (["remove", "userName"], "comes from the template"),
    ],
    ids=["reference-without-object", "unknown-type", "twice", "template-attribute"],
)
def test_bad_attribute_edits_exit_non_zero(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["app", "attributes", "Webex", *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_manager_to_a_reference_attribute_is_typed_a_reference(runner: CliRunner) -> None:
    _json(
        runner, "app", "attributes", "Webex", "add", SPONSOR, "--type", "Reference",
        "--refers-to", "user",
    )  # fmt: skip
    edited = _json(runner, "app", "mappings", "Webex", "set", SPONSOR, "--source", "manager")
    assert edited["attributeMappings"][-1]["targetType"] == "Reference"


def test_manager_to_a_string_is_refused_unless_typed(runner: CliRunner) -> None:
    refused = runner.invoke(
        app, ["app", "mappings", "Webex", "set", "displayName", "--source", "manager"]
    )
    assert refused.exit_code == 1
    assert "--type reference" in refused.stderr
    assert "--type string" in refused.stderr
    typed = runner.invoke(
        app,
        ["app", "mappings", "Webex", "set", "displayName", "--source", "manager", "--type",
         "string", "--json"],
    )  # fmt: skip
    assert typed.exit_code == 0, typed.output
    assert "warning:" in typed.stderr
    assert "objectId" in typed.stderr
    row = json.loads(typed.stdout)["attributeMappings"][-2]
    assert (row["targetAttributeName"], row["targetType"]) == ("displayName", "String")
    as_reference = _json(
        runner, "app", "mappings", "Webex", "set", "displayName", "--type", "reference"
    )
    row = next(
        m for m in as_reference["attributeMappings"] if m["targetAttributeName"] == "displayName"
    )
    assert row["targetType"] == "Reference"


def test_group_members_are_typed_a_reference_from_the_list(runner: CliRunner) -> None:
    _json(runner, "app", "mappings", "Webex", "remove", "members", "--object", "group")
    mapped = _json(
        runner, "app", "mappings", "Webex", "set", "members", "--source", "members",
        "--object", "group",
    )  # fmt: skip
    row = next(m for m in mapped["attributeMappings"] if m["targetAttributeName"] == "members")
    assert row["targetType"] == "Reference"
    elsewhere = runner.invoke(
        app,
        ["app", "mappings", "Webex", "set", "externalId", "--source", "members", "--object",
         "group", "--type", "reference"],
    )  # fmt: skip
    assert elsewhere.exit_code == 1
    assert "group members are sent to members" in elsewhere.stderr
