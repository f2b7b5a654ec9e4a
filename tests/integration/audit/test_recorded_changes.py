"""Every kind of admin change leaves a record with its actor and documents, secrets redacted.

Changes go through the services the CLI, the API and the portal call, on SQLite and PostgreSQL,
against the embedded target served on a real socket.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import text

from scimitar.admin import AdminAuth
from scimitar.apps import Apps, MappingEdit
from scimitar.apps.attributes import new_custom_attribute
from scimitar.audit import Actor, AuditLog, AuditQuery, AuditRecord
from scimitar.engine.run.control import ResetScope
from scimitar.mapping.mappings import SourceType, TargetType
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.target.tenants import TenantService
from tests.integration.engine.harness import World, world_for
from tests.integration.engine.test_deletes import _tripped

ALICE = Actor.cli("alice")
CI = Actor.api("ci-pipeline")
CONTOSO = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User"


async def _records(
    database: Database,
    *,
    app: str | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> list[AuditRecord]:
    where = AuditQuery(app=app, actor=actor, action=action)
    page = await AuditLog(database).query(where, limit=5000)
    return list(reversed(page.records))


async def _raw(database: Database) -> str:
    async with database.read() as conn:
        return repr((await conn.execute(text("SELECT * FROM audit_record"))).all())


def _one(records: list[AuditRecord], action: str) -> AuditRecord:
    (found,) = [r for r in records if r.action == action]
    return found


async def test_job_changes_are_recorded(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        apps, name = world.apps, world.app_name
        await apps.provisioning.set_provisioning(name, is_on=False, actor=ALICE)
        await world.control().start(name, actor=ALICE)
        await world.control().pause(name, actor=ALICE)
        await world.control().restart(name, {ResetScope.LINKS}, actor=ALICE)
        config = await apps.provisioning.config(name)
        await apps.provisioning.update_settings(
            name, replace(config.settings, interval_minutes=30), actor=ALICE
        )
        await apps.provisioning.update_settings(
            name, replace(config.settings, interval_minutes=30), actor=ALICE
        )
        records = await _records(database, actor="cli:alice")

    assert [r.action for r in records] == [
        "provisioning.off",
        "provisioning.on",
        "job.start",
        "job.pause",
        "job.restart",
        "settings.update",
    ]
    assert {(r.app_id, r.app_name) for r in records} == {(world.app_id, name)}
    off = _one(records, "provisioning.off")
    assert (off.before, off.after) == ({"provisioning": "on"}, {"provisioning": "off"})
    assert _one(records, "job.pause").after == {"state": "paused"}
    restart = _one(records, "job.restart")
    assert restart.before == {"state": "paused"}
    assert restart.after["reset"] == ["links"]
    assert "links" in restart.after["removed"]
    settings_record = _one(records, "settings.update")
    assert settings_record.before["interval_minutes"] == 5
    assert settings_record.after["interval_minutes"] == 30


async def test_credentials_record_the_token_only_as_changed(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        apps, name = world.apps, world.app_name
        _tenant, new_token = await world.tenants.rotate_token(world.tenant_id, actor=CI)
        await apps.provisioning.set_credentials(name, world.url, Secret(new_token), actor=CI)
        await apps.provisioning.set_credentials(name, world.url, Secret(new_token), actor=CI)
        records = await _records(database, app=name, action="credentials")
        raw = await _raw(database)

    first_save, changed, same = records
    assert first_save.actor == "cli:tests"
    assert first_save.before == {"tenantUrl": None, "secretToken": None}
    assert changed.actor == "api:ci-pipeline"
    assert changed.before == {"tenantUrl": world.url, "secretToken": "<redacted>"}
    assert changed.after == {"tenantUrl": world.url, "secretToken": "<changed>"}
    assert same.after == {"tenantUrl": world.url, "secretToken": "<redacted>"}
    for secret in (world.token, new_token):
        assert secret not in raw


async def test_mapping_scoping_and_assignment_changes_are_recorded(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        mappings, name = world.apps.mappings, world.app_name
        edit = MappingEdit("displayName", SourceType.EXPRESSION, 'Join(" ", [givenName], "x")')
        await mappings.set_mapping(name, "user", edit, actor=ALICE)
        await mappings.remove_mapping(name, "user", "displayName", actor=ALICE)
        clause = ("department", "EQUALS", "Sales")
        await mappings.add_scoping_clause(name, "user", "Sales", clause, actor=ALICE)
        await mappings.add_scoping_clause(name, "user", "Sales", clause, actor=ALICE)
        await mappings.remove_scoping(name, "user", "Sales", 2, actor=ALICE)
        await mappings.clear_scoping(name, "user", actor=ALICE)
        exported = await mappings.export(name)
        await mappings.import_document(name, json.dumps(exported), actor=ALICE)
        await mappings.restore_defaults(name, actor=ALICE)
        upn = await world.user("ada", assign=False)
        await world.apps.assignments.assign(name, user=upn, role="User", actor=ALICE)
        await world.apps.assignments.assign(name, user=upn, role="User", actor=ALICE)
        await world.apps.assignments.unassign(name, user=upn, role=None, actor=ALICE)
        records = await _records(database, actor="cli:alice")

    assert [r.action for r in records] == [
        "mappings.set",
        "mappings.remove",
        "scoping.add",
        "scoping.add",
        "scoping.remove",
        "scoping.clear",
        "mappings.import",
        "mappings.restore",
        "assignment.add",
        "assignment.remove",
    ]
    added = records[0]
    assert added.object == "User mappings"
    assert added.before is not None
    assert added.after is not None

    def display_name(document: dict[str, Any]) -> dict[str, Any]:
        mappings = document["User"]["attributeMappings"]
        return next(m for m in mappings if m["targetAttributeName"] == "displayName")

    assert display_name(added.after)["source"]["value"] == 'Join(" ", [givenName], "x")'
    assert display_name(added.before)["source"] != display_name(added.after)["source"]
    first_scope = records[2]
    assert first_scope.before["User"]["scope"]["groups"] == []
    assert first_scope.after["User"]["scope"]["groups"][0]["name"] == "Sales"
    assigned = _one(records, "assignment.add")
    assert assigned.before is None
    assert assigned.after == {
        "type": "user",
        "objectId": assigned.after["objectId"],
        "name": upn,
        "role": "User",
    }
    assert _one(records, "assignment.remove").before == assigned.after


async def _decided(world: World, decision: str) -> AuditRecord:
    await _tripped(world)
    control = world.control()
    if decision == "allow":
        await control.allow(world.app_name, actor=CI)
    else:
        await control.reject(world.app_name, actor=CI)
    (found,) = await _records(world.database, action=f"deletions.{decision}")
    return found


async def test_held_deletion_decisions_are_recorded(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        rejected = await _decided(world, "reject")
    assert rejected.actor == "api:ci-pipeline"
    assert rejected.before is not None
    assert rejected.before["heldDeletions"] == 2
    assert {d["action"] for d in rejected.before["deletions"]} == {"delete"}
    assert rejected.after == {"heldDeletions": 0, "decision": "rejected"}


async def test_allowing_held_deletions_is_recorded(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        allowed = await _decided(world, "allow")
    assert allowed.after == {"heldDeletions": 0, "decision": "allowed"}


async def test_deleting_an_app_keeps_its_records(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        await world.apps.apps.delete(world.app_name, actor=ALICE)
        records = await _records(database, app=world.app_name)
    assert records[0].action == "app.add"
    assert records[-1].action == "app.delete"
    assert records[-1].before is not None
    assert records[-1].before["name"] == world.app_name
    assert records[-1].after is None


async def test_admin_and_tenant_changes_never_record_a_secret(database: Database) -> None:
    auth = AdminAuth(database)
    _made, key = await auth.keys.create("ci-pipeline", actor=ALICE)
    await auth.keys.revoke("ci-pipeline", actor=CI)
    await auth.set_password("correct horse battery staple", actor=ALICE)
    await auth.set_password("another horse battery staple", actor=ALICE)
    tenants = TenantService(database)
    tenant, token = await tenants.create("acme", "webex", actor=ALICE)
    _rotated, new_token = await tenants.rotate_token("acme", actor=ALICE)
    await tenants.set_faults("acme", latency_ms=25, actor=ALICE)
    await tenants.set_quirks("acme", "rfc", actor=ALICE)
    await tenants.delete("acme", actor=ALICE)
    records = await _records(database)
    raw = await _raw(database)

    assert [(r.actor, r.action) for r in records] == [
        ("cli:alice", "apikey.create"),
        ("api:ci-pipeline", "apikey.revoke"),
        ("cli:alice", "password.set"),
        ("cli:alice", "password.set"),
        ("cli:alice", "tenant.create"),
        ("cli:alice", "tenant.token_rotate"),
        ("cli:alice", "tenant.faults"),
        ("cli:alice", "tenant.quirks"),
        ("cli:alice", "tenant.delete"),
    ]
    created = records[0]
    assert created.object == "API key ci-pipeline"
    assert created.after is not None
    assert set(created.after) == {"id", "name", "createdAt"}
    first_password, second_password = records[2], records[3]
    assert first_password.before is None
    assert second_password.before == {"password": "<redacted>"}
    assert second_password.after["password"] == "<changed>"
    rotated = records[5]
    assert rotated.before["token"] == "<redacted>"
    assert rotated.after["token"] == "<changed>"
    assert records[6].before["faults"]["latency_ms"] == 0
    assert records[6].after["faults"]["latency_ms"] == 25
    assert records[7].after["quirks"] == "rfc"
    assert records[8].before["id"] == tenant.id
    assert records[8].after is None
    for secret in (key, key.split("_", 2)[2], token, new_token, "horse battery"):
        assert secret not in raw


async def test_attribute_list_changes_are_recorded(database: Database, settings: Settings) -> None:
    apps = Apps.create(database, settings)
    await apps.apps.add("cisco-webex", "Webex", actor=ALICE)
    badge = new_custom_attribute("User", f"{CONTOSO}:badge", TargetType.INTEGER)
    await apps.attributes.add("Webex", "user", badge, actor=CI)
    await apps.attributes.remove("Webex", "user", f"{CONTOSO}:badge", actor=ALICE)
    records = await _records(database, action="attributes")

    added, removed = records
    assert (added.actor, added.action, added.object) == (
        "api:ci-pipeline",
        "attributes.add",
        "User attribute list",
    )
    assert added.before == {"User": []}
    assert added.after == {"User": [badge.to_dict()]}
    assert (removed.actor, removed.action) == ("cli:alice", "attributes.remove")
    assert (removed.before, removed.after) == (added.after, added.before)


async def test_a_configuration_import_is_recorded(database: Database, settings: Settings) -> None:
    apps = Apps.create(database, settings)
    await apps.apps.add("scim", "Source", actor=ALICE)
    await apps.apps.add("scim", "Copy", actor=ALICE)
    config = await apps.provisioning.config("Source")
    await apps.provisioning.update_settings(
        "Source", replace(config.settings, interval_minutes=50), actor=ALICE
    )
    exported = await apps.config.export("Source")
    await apps.config.import_text("Copy", json.dumps(exported), actor=CI)
    (imported,) = await _records(database, action="config.import")

    assert (imported.actor, imported.app_name) == ("api:ci-pipeline", "Copy")
    assert imported.before is not None
    assert imported.after is not None
    assert imported.before["settings"]["interval_minutes"] == 5
    assert imported.after["settings"]["interval_minutes"] == 50
    assert set(imported.after["mappings"]) == {"User", "Group"}
