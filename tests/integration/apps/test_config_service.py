"""Exporting and importing an app's whole provisioning configuration, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest

from scimitar.apps import Apps, MappingEdit
from scimitar.apps.attributes import new_custom_attribute
from scimitar.apps.config_document import ConfigDocumentError
from scimitar.apps.model import Scope
from scimitar.audit import Actor
from scimitar.connector import TransportRequest, TransportResponse
from scimitar.mapping.mappings import SourceType, TargetType
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from tests.unit.connector.fakes import FakeTransport, empty_list, scim

TENANT_URL = "https://api.webex.com/v1/scim/0f4ee8c4-7d4c-4a36-9a4e-0b7b2c1f3a55/"
CONTOSO = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User"
MANAGER_VALUE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"


def _answer(request: TransportRequest) -> TransportResponse:
    if request.url.endswith("/Schemas"):
        enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        manager = {"name": "manager", "type": "complex", "subAttributes": [{"name": "value"}]}
        return scim(200, {"Resources": [{"id": enterprise, "attributes": [manager]}]})
    return empty_list()


@pytest.fixture
async def services(database: Database, settings: Settings) -> Apps:
    return Apps.create(database, settings, transport_factory=lambda: FakeTransport(_answer))


async def _configured(services: Apps) -> None:
    """An app with credentials, discovery, an added attribute, typed mappings and scoping."""
    await services.apps.add("cisco-webex", "Source", actor=Actor.cli("tests"))
    await services.provisioning.set_credentials(
        "Source", TENANT_URL, Secret("s3cret-token"), actor=Actor.cli("tests")
    )
    badge = new_custom_attribute("User", f"{CONTOSO}:badge", TargetType.INTEGER)
    await services.attributes.add("Source", "user", badge, actor=Actor.cli("tests"))
    edits = [
        MappingEdit(f"{CONTOSO}:badge", SourceType.ATTRIBUTE, "employeeId"),
        MappingEdit(
            MANAGER_VALUE, SourceType.ATTRIBUTE, "manager", target_type=TargetType.REFERENCE
        ),
        MappingEdit("displayName", SourceType.EXPRESSION, 'Join(" ", [givenName], [surname])'),
        MappingEdit("externalId", SourceType.ATTRIBUTE, "objectId", matching_precedence=2),
    ]
    for edit in edits:
        await services.mappings.set_mapping("Source", "user", edit, actor=Actor.cli("tests"))
    await services.mappings.add_scoping_clause(
        "Source", "user", "Sales", ("department", "EQUALS", "Sales"), actor=Actor.cli("tests")
    )
    config = await services.provisioning.config("Source")
    settings = replace(
        config.settings,
        scope=Scope.ALL,
        interval_minutes=17,
        disabled_object_types=frozenset({"Group"}),
    )
    await services.provisioning.update_settings("Source", settings, actor=Actor.cli("tests"))


async def test_export_import_round_trips_into_a_new_app_without_credentials(
    services: Apps,
) -> None:
    await _configured(services)
    exported = await services.config.export("Source")
    text = json.dumps(exported)
    assert "s3cret-token" not in text
    assert TENANT_URL not in text
    assert exported["objectTypes"]["Group"]["enabled"] is False
    origins = {a["name"]: a["origin"] for a in exported["targetAttributes"]["User"]}
    assert (origins[MANAGER_VALUE], origins[f"{CONTOSO}:badge"]) == ("discovered", "custom")

    await services.apps.add("cisco-webex", "Copy", actor=Actor.cli("tests"))
    imported = await services.config.import_config(
        "Copy", json.loads(text), actor=Actor.cli("tests")
    )
    assert not imported.has_token
    assert imported.needs_initial_cycle
    assert await services.config.export("Copy") == exported
    manager = next(m for m in imported.mappings["User"].mappings if m.source == "manager")
    assert manager.target_type is TargetType.REFERENCE


def _broken(document: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(document)
    bad["mappings"]["User"][3]["target"] = "nickName"
    bad["mappings"]["User"][1]["sourceType"] = "Expression"
    bad["mappings"]["User"][1]["source"] = "Join("
    bad["targetAttributes"]["User"].append({"name": f"{CONTOSO}:x", "type": "Reference"})
    bad["scoping"]["User"][0]["clauses"][0]["operatorName"] = "SOUNDS LIKE"
    bad["settings"]["intervalMinutes"] = 0
    return bad


async def test_a_bad_file_changes_nothing_and_names_every_problem(services: Apps) -> None:
    await _configured(services)
    exported = await services.config.export("Source")
    await services.apps.add("cisco-webex", "Copy", actor=Actor.cli("tests"))
    before = await services.config.export("Copy")

    with pytest.raises(ConfigDocumentError) as caught:
        await services.config.import_config("Copy", _broken(exported), actor=Actor.cli("tests"))

    paths = [problem.path for problem in caught.value.problems]
    assert paths == [
        "$.settings.intervalMinutes",
        "$.targetAttributes.User[8]",
        "$.mappings.User[1].source",
        "$.mappings.User[3].target",
        "$.scoping.User[0]",
    ]
    assert "unknown target attribute nickName" in str(caught.value)
    assert await services.config.export("Copy") == before


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d.update(template="scim"), "$.template", "is a cisco-webex app"),
        (lambda d: d.update(token="abc"), "$.token", "credentials are never imported"),
        (lambda d: d["settings"].update(scope="everyone"), "$.settings.scope", "assigned"),
        (lambda d: d["settings"].update(notifyOnFailure=True), "$.settings.notifyOnFailure",
         "needs a notification email"),
        (lambda d: d["mappings"].pop("Group"), "$.mappings.Group", "missing"),
        (lambda d: d["objectTypes"]["User"].update(enabled=False), "$.objectTypes.User.enabled",
         "cannot be turned off"),
        (lambda d: d["mappings"]["User"][0].update(matchingPrecedence=2),
         "$.mappings.User[5].matchingPrecedence", "precedence of $.mappings.User[0] too"),
        (lambda d: d["mappings"]["User"][2].update(targetType="Reference"),
         "$.mappings.User[2].targetType", "only a direct mapping"),
        (lambda d: d.update(version=2), "$.version", "1"),
    ],
    ids=["template", "credentials", "scope", "failure-mail-without-email", "missing-set",
         "users-off", "precedence-twice", "reference", "version"],
)  # fmt: skip
async def test_each_problem_has_its_path(
    services: Apps, change: Any, path: str, message: str
) -> None:
    await services.apps.add("cisco-webex", "Copy", actor=Actor.cli("tests"))
    await services.mappings.set_mapping(
        "Copy", "user", MappingEdit("externalId", matching_precedence=2), actor=Actor.cli("tests")
    )
    document = await services.config.export("Copy")
    change(document)
    with pytest.raises(ConfigDocumentError) as caught:
        await services.config.import_config("Copy", document, actor=Actor.cli("tests"))
    problem = next(p for p in caught.value.problems if p.path == path)
    assert message in problem.message


async def test_text_that_is_not_json_says_where(services: Apps) -> None:
    await services.apps.add("cisco-webex", "Copy", actor=Actor.cli("tests"))
    with pytest.raises(ConfigDocumentError, match="line 2, column 2"):
        await services.config.import_text("Copy", '{"format": 1\n}x', actor=Actor.cli("tests"))
