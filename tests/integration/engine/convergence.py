"""What the app holds, and what one initial cycle from scratch would give it (issue 14).

:func:`fresh_state` sets up a twin of the world's app — same settings, mappings and
assignments — on a new tenant of the same target, runs one initial cycle there and reads it.
:func:`assert_converged` compares the world's app with it: the same active users with the same
values, the same groups with the same members; the users the twin lacks may only be there
disabled (an account that left scope is disabled, not deleted, docs/entra.md §2.4).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import insert

from scimitar.audit import Actor
from scimitar.clock import utcnow
from scimitar.secrets import Secret
from scimitar.store.tables.apps import ASSIGNMENT
from tests.integration.engine.harness import World

__all__ = ["TargetState", "app_state", "assert_converged", "fresh_state", "read_target"]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_SERVER_SET = ("id", "meta", "groups", "members")


@dataclass(frozen=True)
class TargetState:
    """A tenant's users by userName and groups by displayName, ids replaced by names."""

    users: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]

    @property
    def active_users(self) -> dict[str, dict[str, Any]]:
        return {n: u for n, u in self.users.items() if u.get("active") is not False}


async def read_target(url: str, token: str) -> TargetState:
    """Every user and group of the tenant at ``url``, read over HTTP."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        users = (await http.get("Users", params={"count": "1000"})).json().get("Resources", [])
        listed = (await http.get("Groups", params={"count": "1000"})).json().get("Resources", [])
        groups = [(await http.get(f"Groups/{g['id']}")).json() for g in listed]
    names = {str(u["id"]): str(u["userName"]) for u in users}
    return TargetState(
        {str(u["userName"]): _user(u, names) for u in users},
        {str(g["displayName"]): _group(g, names) for g in groups},
    )


def _user(resource: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    values = {k: v for k, v in resource.items() if k not in _SERVER_SET}
    enterprise = dict(values.get(ENTERPRISE) or {})
    manager = enterprise.get("manager")
    if isinstance(manager, dict):
        enterprise["manager"] = names.get(str(manager.get("value")), "?")
    if enterprise:
        values[ENTERPRISE] = enterprise
    return values


def _group(resource: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    values = {k: v for k, v in resource.items() if k not in _SERVER_SET}
    members = resource.get("members") or []
    values["members"] = sorted(names.get(str(m["value"]), "?") for m in members)
    return values


async def fresh_state(world: World) -> TargetState:
    """The app after one initial cycle from scratch: a twin on a new tenant."""
    config = await world.apps.provisioning.config(world.app_name)
    tenant, token = await world.tenants.create(
        f"t-{uuid.uuid4().hex[:8]}", profile="generic", actor=Actor.cli("tests")
    )
    url = world.url.replace(world.tenant_id, tenant.id)
    name = f"twin-{uuid.uuid4().hex[:8]}"
    twin = await world.apps.apps.add("scim", name, actor=Actor.cli("tests"))
    await world.apps.provisioning.set_credentials(
        name, url, Secret(token), actor=Actor.cli("tests")
    )
    await world.apps.provisioning.save_mappings(
        twin, dict(config.mappings), actor=Actor.cli("tests"), action="mappings.import"
    )
    await world.apps.provisioning.update_settings(name, config.settings, actor=Actor.cli("tests"))
    assignments = await world.apps.assignments.list(world.app_name)
    rows = [
        {
            "app_id": twin.id,
            "principal_type": a.principal_type.value,
            "principal_id": a.principal_id,
            "role": a.role,
            "created_at": utcnow(),
        }
        for a in assignments
    ]
    if rows:  # as they are: the assign command refuses soft-deleted users
        async with world.database.write() as conn:
            await conn.execute(insert(ASSIGNMENT), rows)
    await world.apps.provisioning.set_provisioning(name, is_on=True, actor=Actor.cli("tests"))
    summary = await world.runner().run(name)
    assert (summary.kind, summary.status) == ("initial", "succeeded")
    return await read_target(url, token)


async def app_state(world: World) -> TargetState:
    """What the world's app holds now."""
    return await read_target(world.url, world.token)


def assert_converged(held: TargetState, fresh: TargetState) -> None:
    """``held`` is what one initial cycle from scratch gives, plus disabled leftovers."""
    assert held.active_users == fresh.users
    leftovers = {n: u.get("active") for n, u in held.users.items() if n not in fresh.users}
    assert leftovers == dict.fromkeys(leftovers, False)
    assert held.groups == fresh.groups
