"""The apps services on SQLite and PostgreSQL: apps, assignments, job configuration."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scimitar.apps import Apps, ConnectionTestError, MappingEdit, is_entitled
from scimitar.apps.model import Scope
from scimitar.audit import Actor
from scimitar.connector import TransportRequest, TransportResponse
from scimitar.directory.service import DirectoryService
from scimitar.errors import ConfigError, NotFoundError
from scimitar.mapping.mappings import SourceType
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from tests.unit.connector.fakes import FakeTransport, empty_list, scim

TENANT_URL = "https://api.webex.com/v1/scim/0f4ee8c4-7d4c-4a36-9a4e-0b7b2c1f3a55/"


def _answer(request: TransportRequest) -> TransportResponse:
    if "Bearer good" not in request.headers["Authorization"]:
        return scim(401, {"detail": "invalid token"})
    if request.url.endswith("/ServiceProviderConfig"):
        return scim(
            200, {"patch": {"supported": True}, "bulk": {"supported": True, "maxOperations": 10}}
        )
    if request.url.endswith("/Schemas"):
        return scim(
            200,
            {
                "Resources": [
                    {
                        "id": "urn:ietf:params:scim:schemas:core:2.0:User",
                        "attributes": [{"name": "nickName"}],
                    }
                ]
            },
        )
    return empty_list()


@pytest.fixture
async def services(database: Database, settings: Settings) -> Apps:
    directory = DirectoryService.from_settings(database, settings)
    await directory.users.create({"userPrincipalName": "ada@contoso.com"})
    await directory.users.create({"userPrincipalName": "bob@contoso.com"})
    await directory.groups.create({"displayName": "Sales"})
    await directory.groups.create({"displayName": "Nested"})
    await directory.groups.add_members("Sales", ["bob@contoso.com", "Nested"])
    return Apps.create(database, settings, transport_factory=lambda: FakeTransport(_answer))


async def test_add_list_show_delete(services: Apps) -> None:
    app = await services.apps.add("cisco-webex", "Webex  Prod", actor=Actor.cli("tests"))
    assert app.name == "Webex Prod"
    assert [a.id for a in await services.apps.list()] == [app.id]
    assert (await services.apps.get("webex prod")).id == app.id
    with pytest.raises(ConfigError, match="exists already"):
        await services.apps.add("scim", "WEBEX PROD", actor=Actor.cli("tests"))
    await services.apps.delete(app.id, actor=Actor.cli("tests"))
    with pytest.raises(NotFoundError):
        await services.apps.get(app.id)


async def test_a_new_job_has_the_defaults(services: Apps) -> None:
    await services.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    config = await services.provisioning.config("Webex")
    assert config.settings.scope is Scope.ASSIGNED
    assert config.settings.delete_threshold == 500
    assert config.settings.interval_minutes == 5
    assert not config.is_on
    assert config.needs_initial_cycle
    assert not config.has_token
    assert config.mappings["User"] == config.template.default_mappings["User"]


async def test_assignments_with_roles_and_direct_group_members(services: Apps) -> None:
    app = await services.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    await services.assignments.assign(
        "Webex", user="ada@contoso.com", role=None, actor=Actor.cli("tests")
    )
    await services.assignments.assign("Webex", group="Sales", role="user", actor=Actor.cli("tests"))
    listed = await services.assignments.list("Webex")
    assert [(a.display, a.role) for a in listed] == [
        ("ada@contoso.com", "Default Access"),
        ("Sales", "User"),
    ]
    roles = await services.assignments.effective_roles(app)
    by_name = {a.display: a.principal_id for a in listed}
    assert set(roles.values()) == {frozenset({"Default Access"}), frozenset({"User"})}
    assert by_name["ada@contoso.com"] in roles
    template = services.apps.template_of(app)
    assert not is_entitled(frozenset({"Default Access"}), template)
    assert is_entitled(frozenset({"User"}), template)
    with pytest.raises(ConfigError, match="no app role 'Admin'"):
        await services.assignments.assign(
            "Webex", user="bob@contoso.com", role="Admin", actor=Actor.cli("tests")
        )
    assert (
        await services.assignments.unassign(
            "Webex", group="Sales", role=None, actor=Actor.cli("tests")
        )
        == 1
    )


async def test_credentials_are_encrypted_and_discovery_joins(
    services: Apps, database: Database
) -> None:
    await services.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    config = await services.provisioning.set_credentials(
        "Webex", TENANT_URL, Secret("good"), actor=Actor.cli("tests")
    )
    assert config.has_token
    assert config.tenant_url == TENANT_URL
    assert "nickName" in config.target_attributes("User")
    assert config.connector_options().bulk_max_operations == 10
    assert "good" not in str(config.to_dict())
    assert (await services.provisioning.credentials("Webex")).token.reveal() == "good"
    from sqlalchemy import select

    from scimitar.store.tables.apps import JOB

    async with database.read() as conn:
        stored = (await conn.execute(select(JOB.c.token_ciphertext))).scalar_one()
    assert "good" not in stored


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://scim.example.com/", "plain http"),
        ("ftp://x/", "absolute http"),
        ("https://u:p@x/", "user name"),
    ],
    ids=["http-remote", "ftp", "userinfo"],
)
async def test_bad_tenant_urls_are_refused(services: Apps, url: str, reason: str) -> None:
    await services.apps.add("scim", "App", actor=Actor.cli("tests"))
    with pytest.raises(ConfigError, match=reason):
        await services.provisioning.set_credentials(
            "App", url, Secret("good"), actor=Actor.cli("tests")
        )


async def test_provisioning_on_needs_a_passing_test(services: Apps) -> None:
    await services.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    with pytest.raises(ConfigError, match="no credentials"):
        await services.provisioning.set_provisioning("Webex", is_on=True, actor=Actor.cli("tests"))
    await services.provisioning.set_credentials(
        "Webex", TENANT_URL, Secret("bad"), actor=Actor.cli("tests")
    )
    with pytest.raises(ConnectionTestError, match="refused the Secret Token"):
        await services.provisioning.set_provisioning("Webex", is_on=True, actor=Actor.cli("tests"))
    await services.provisioning.set_credentials(
        "Webex", TENANT_URL, Secret("good"), actor=Actor.cli("tests")
    )
    assert (
        await services.provisioning.set_provisioning("Webex", is_on=True, actor=Actor.cli("tests"))
    ).is_on


async def test_settings_and_changes_that_need_an_initial_cycle(services: Apps) -> None:
    app = await services.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    await services.provisioning.mark_cycle_started(app, is_initial=True)
    config = await services.provisioning.config("Webex")
    changed = replace(config.settings, notify_email="ops@contoso.com", notify_on_failure=True)
    config = await services.provisioning.update_settings("Webex", changed, actor=Actor.cli("tests"))
    assert config.settings.notify_email == "ops@contoso.com"
    assert not config.needs_initial_cycle
    config = await services.provisioning.update_settings(
        "Webex", replace(changed, scope=Scope.ALL), actor=Actor.cli("tests")
    )
    assert config.needs_initial_cycle
    with pytest.raises(ConfigError, match="interval"):
        await services.provisioning.update_settings(
            "Webex", replace(changed, interval_minutes=0), actor=Actor.cli("tests")
        )


async def test_mapping_edits(services: Apps) -> None:
    app = await services.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    await services.provisioning.mark_cycle_started(app, is_initial=True)
    edit = MappingEdit("displayName", SourceType.EXPRESSION, 'Join(" ", [givenName], [surname])')
    edited = await services.mappings.set_mapping("Webex", "user", edit, actor=Actor.cli("tests"))
    assert any(m.source.startswith("Join") for m in edited.mappings)
    assert (await services.provisioning.config("Webex")).needs_initial_cycle
    with pytest.raises(ConfigError, match="expression error at line 1, column"):
        await services.mappings.set_mapping(
            "Webex",
            "user",
            MappingEdit("displayName", SourceType.EXPRESSION, "Join("),
            actor=Actor.cli("tests"),
        )
    with pytest.raises(ConfigError, match="not in the target attribute list"):
        await services.mappings.set_mapping(
            "Webex",
            "user",
            MappingEdit("title", SourceType.ATTRIBUTE, "jobTitle"),
            actor=Actor.cli("tests"),
        )
    with pytest.raises(ConfigError, match="matching attribute"):
        await services.mappings.remove_mapping(
            "Webex", "user", "userName", actor=Actor.cli("tests")
        )
    scoped = await services.mappings.add_scoping_clause(
        "Webex", "user", "Sales only", ("department", "EQUALS", "Sales"), actor=Actor.cli("tests")
    )
    assert scoped.scoping_filters[0].clauses[0].value == "Sales"
    assert (
        await services.mappings.clear_scoping("Webex", "user", actor=Actor.cli("tests"))
    ).scoping_filters == ()
    restored = await services.mappings.restore_defaults("Webex", actor=Actor.cli("tests"))
    assert restored.mappings["User"] == restored.template.default_mappings["User"]


@pytest.mark.parametrize(
    ("template", "per_request", "on_create"),
    [("scim", 100, True), ("cisco-webex", 500, False), ("slack", 100, False)],
)
async def test_group_member_requests_are_bounded_by_the_template_or_100(
    services: Apps, template: str, per_request: int, on_create: bool
) -> None:
    """Slack's template names no member limit: a group request still carries at most 100."""
    await services.apps.add(template, "App", actor=Actor.cli("tests"))
    options = (await services.provisioning.config("App")).connector_options()
    assert options.group_members_max_per_request == per_request
    assert options.is_group_created_with_members is on_create
