"""Save-time mapping checks through the mapping service, on SQLite and PostgreSQL.

The rule lives below the faces: a set, an import and a restore of defaults all pass through
it, extension attributes count once a directory user has one, and a refused save stores
nothing.
"""

from __future__ import annotations

import json

import pytest

from scimitar.apps import Apps, MappingEdit
from scimitar.apps.config_document import ConfigDocumentError
from scimitar.audit import Actor
from scimitar.directory.service import DirectoryService
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import SourceType
from scimitar.settings import Settings
from scimitar.store import Database


@pytest.fixture
async def services(database: Database, settings: Settings) -> Apps:
    directory = DirectoryService.from_settings(database, settings)
    await directory.users.create(
        {"userPrincipalName": "ada@contoso.com", "extension_costCenter": "CC-1"}
    )
    await directory.users.create({"userPrincipalName": "bob@contoso.com"})
    apps = Apps.create(database, settings)
    await apps.apps.add("scim", "Lab", actor=Actor.cli("tests"))
    return apps


async def test_an_unknown_source_is_refused_and_nothing_is_saved(services: Apps) -> None:
    before = await services.mappings.show("Lab", "user")
    edit = MappingEdit("title", SourceType.ATTRIBUTE, "jobTitel")
    with pytest.raises(ConfigError) as caught:
        await services.mappings.set_mapping("Lab", "user", edit, actor=Actor.cli("tests"))
    assert str(caught.value) == (
        "User mapping 4 (target 'title'), field source: 'jobTitel' is not a User attribute of "
        "the directory; closest: jobTitle"
    )
    assert await services.mappings.show("Lab", "user") == before


async def test_an_extension_attribute_counts_once_a_user_has_it(services: Apps) -> None:
    edit = MappingEdit("nickName", SourceType.EXPRESSION, "ToUpper([extension_CostCenter])")
    saved = await services.mappings.set_mapping("Lab", "user", edit, actor=Actor.cli("tests"))
    assert saved.mappings[-1].source == "ToUpper([extension_CostCenter])"
    missing = MappingEdit("nickName", SourceType.ATTRIBUTE, "extension_costCentre")
    with pytest.raises(ConfigError, match="closest: extension_costCenter"):
        await services.mappings.set_mapping("Lab", "user", missing, actor=Actor.cli("tests"))


async def test_an_import_is_checked_too(services: Apps) -> None:
    document = await services.mappings.export("Lab")
    document["Group"]["attributeMappings"][1]["source"]["value"] = "objectID"
    document["User"]["attributeMappings"][2]["source"]["value"] = "dispayName"
    with pytest.raises(ConfigError) as caught:
        await services.mappings.import_document(
            "Lab", json.dumps(document), actor=Actor.cli("tests")
        )
    assert "field source: 'dispayName' is not a User attribute" in str(caught.value)
    assert "closest: displayName" in str(caught.value)
    assert (await services.mappings.show("Lab", "user")).mappings[2].source == "displayName"


async def test_a_result_that_cannot_fit_its_target_is_refused_at_save(services: Apps) -> None:
    complex_roles = MappingEdit(
        'roles[primary eq "True"].value',
        SourceType.EXPRESSION,
        "AppRoleAssignmentsComplex([appRoleAssignments])",
    )
    with pytest.raises(ConfigError, match=r"field expression: it can produce complex values"):
        await services.mappings.set_mapping("Lab", "user", complex_roles, actor=Actor.cli("tests"))
    addresses = MappingEdit("nickName", SourceType.ATTRIBUTE, "proxyAddresses")
    with pytest.raises(ConfigError, match=r"which does not fit 'nickName' \(a single-valued"):
        await services.mappings.set_mapping("Lab", "user", addresses, actor=Actor.cli("tests"))
    single = MappingEdit(
        'roles[primary eq "True"].value',
        SourceType.EXPRESSION,
        "SingleAppRoleAssignment([appRoleAssignments])",
    )
    saved = await services.mappings.set_mapping("Lab", "user", single, actor=Actor.cli("tests"))
    assert saved.mappings[-1].target == 'roles[primary eq "True"].value'


async def test_restoring_the_defaults_passes_the_checks(services: Apps) -> None:
    config = await services.mappings.restore_defaults("Lab", actor=Actor.cli("tests"))
    assert config.mappings == config.template.default_mappings


async def test_a_configuration_import_is_checked_too(services: Apps) -> None:
    document = await services.config.export("Lab")
    users = document["mappings"]["User"]
    users[2]["source"] = "dispayName"
    users[3] = {**users[3], "sourceType": "Expression", "source": 'Join(",", [proxyAddresses])'}
    users[4]["source"] = "proxyAddresses"
    before = await services.config.export("Lab")
    with pytest.raises(ConfigDocumentError) as caught:
        await services.config.import_config("Lab", document, actor=Actor.cli("tests"))
    found = {problem.path: problem.message for problem in caught.value.problems}
    assert list(found) == ["$.mappings.User[2]", "$.mappings.User[4]"]
    assert "field source: 'dispayName' is not a User attribute" in found["$.mappings.User[2]"]
    assert "closest: displayName" in found["$.mappings.User[2]"]
    assert "it can produce several values" in found["$.mappings.User[4]"]
    assert await services.config.export("Lab") == before
