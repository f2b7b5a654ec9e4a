"""Scope changes that are not directory changes reach the app in the next cycle (issue 14).

Assigning or unassigning a group, changing a role, removing a user's own assignment while a
group still covers it, switching the scope, editing a scoping filter, hard-deleting an assigned
object: after each, the next cycle leaves the app as one initial cycle from scratch would
(:mod:`tests.integration.engine.convergence`), and the group deletions it makes honour the
deletion threshold and "skip out-of-scope deletions".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from scimitar.apps.mapping_edits import MappingEdit
from scimitar.apps.model import Scope
from scimitar.audit import Actor
from scimitar.engine.run.ondemand import OnDemandProvisioner, TooManyMembersError
from scimitar.mapping.mappings import SourceType
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.convergence import app_state, assert_converged, fresh_state
from tests.integration.engine.harness import World, world_for

#: The user's role as a value that is never null (a null is not sent, so could not show).
ROLE_EXPRESSION = 'Coalesce(SingleAppRoleAssignment([appRoleAssignments]), "none")'


@pytest.fixture
async def world(database: Database, settings: Settings) -> AsyncIterator[World]:
    async with world_for(database, settings) as world:
        yield world


async def _team(world: World, name: str, locals_: list[str]) -> list[str]:
    """A directory group of new (unassigned) users; returns their UPNs."""
    upns = [await world.user(local, assign=False) for local in locals_]
    await world.directory.groups.create({"displayName": name})
    await world.directory.groups.add_members(name, upns)
    return upns


async def _cycle(world: World, kind: str = "incremental") -> dict[str, int]:
    summary = await world.runner().run(world.app_name)
    assert (summary.kind, summary.status) == (kind, "succeeded")
    return summary.counts


def _actions(counts: dict[str, int]) -> dict[str, int]:
    """A cycle's counts without its skips: what it sent."""
    return {kind: n for kind, n in counts.items() if kind != "skip"}


async def _converged(world: World) -> None:
    assert_converged(await app_state(world), await fresh_state(world))


async def test_a_group_assigned_after_the_initial_cycle_is_created_with_its_members(
    world: World,
) -> None:
    await world.user("anna")
    upns = await _team(world, "Project Willow 2", ["ben", "cleo", "dan"])
    await _cycle(world, "initial")
    assert (await app_state(world)).groups == {}

    await world.apps.assignments.assign(
        world.app_name, group="Project Willow 2", role="User", actor=Actor.cli("tests")
    )
    counts = await _cycle(world)

    state = await app_state(world)
    assert state.groups["Project Willow 2"]["members"] == sorted(upns)
    assert _actions(counts) == {"create": 4}  # three users and the group
    assert (await world.status()).linked.get("Group") == 1
    await _converged(world)
    assert await _cycle(world) == {}  # nothing more


async def test_an_unassigned_group_is_deleted_and_its_members_disabled(world: World) -> None:
    await world.user("anna")
    upns = await _team(world, "Willow", ["ben", "cleo"])
    await world.apps.assignments.assign(
        world.app_name, group="Willow", role="User", actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")
    assert "Willow" in (await app_state(world)).groups

    await world.apps.assignments.unassign(
        world.app_name, group="Willow", role=None, actor=Actor.cli("tests")
    )
    counts = await _cycle(world)

    state = await app_state(world)
    assert state.groups == {}
    assert {n: u["active"] for n, u in state.users.items() if n in upns} == dict.fromkeys(
        upns, False
    )
    assert _actions(counts) == {"delete": 1, "disable": 2}
    await _converged(world)


async def test_an_unassigned_group_stays_with_skip_out_of_scope_deletions(world: World) -> None:
    await _team(world, "Willow", ["ben"])
    await world.apps.assignments.assign(
        world.app_name, group="Willow", role="User", actor=Actor.cli("tests")
    )
    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name,
        replace(config.settings, skip_out_of_scope_deletions=True),
        actor=Actor.cli("tests"),
    )
    await _cycle(world, "initial")

    await world.apps.assignments.unassign(
        world.app_name, group="Willow", role=None, actor=Actor.cli("tests")
    )
    counts = await _cycle(world)

    assert "Willow" in (await app_state(world)).groups
    assert _actions(counts) == {}
    assert counts.get("skip", 0) >= 1


async def test_unassigned_groups_over_the_threshold_are_held(world: World) -> None:
    for n in range(3):
        (upn,) = await _team(world, f"Team {n}", [f"member{n}"])
        await world.apps.assignments.assign(
            world.app_name, user=upn, role="User", actor=Actor.cli("tests")
        )
        await world.apps.assignments.assign(
            world.app_name, group=f"Team {n}", role="User", actor=Actor.cli("tests")
        )
    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name, replace(config.settings, delete_threshold=2), actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")

    for n in range(3):
        await world.apps.assignments.unassign(
            world.app_name, group=f"Team {n}", role=None, actor=Actor.cli("tests")
        )
    counts = await _cycle(world)

    # The members stay assigned directly: only the groups' deletions count (docs/entra.md §2.6).
    assert _actions(counts) == {"delete": 1, "staged_delete": 2}
    assert len((await app_state(world)).groups) == 2
    held = await world.control().staged(world.app_name)
    assert [(row.object_type, row.action) for row in held] == [("Group", "delete")] * 2
    assert (await world.status()).state == "quarantined"

    allowed = await world.control().allow(world.app_name, actor=Actor.cli("tests"))

    assert allowed.cycle is not None
    assert allowed.cycle.counts.get("delete") == 2
    assert (await app_state(world)).groups == {}
    await _converged(world)


async def test_rejected_group_deletions_come_back_while_the_groups_stay_unassigned(
    world: World,
) -> None:
    for n in range(3):
        (upn,) = await _team(world, f"Team {n}", [f"member{n}"])
        await world.apps.assignments.assign(
            world.app_name, user=upn, role="User", actor=Actor.cli("tests")
        )
        await world.apps.assignments.assign(
            world.app_name, group=f"Team {n}", role="User", actor=Actor.cli("tests")
        )
    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name, replace(config.settings, delete_threshold=2), actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")
    for n in range(3):
        await world.apps.assignments.unassign(
            world.app_name, group=f"Team {n}", role=None, actor=Actor.cli("tests")
        )
    await _cycle(world)

    await world.control().reject(world.app_name, actor=Actor.cli("tests"))
    counts = await _cycle(world)

    # As for users (docs/provisioning.md): fix the assignments, or they are held again.
    assert _actions(counts) == {"delete": 1, "staged_delete": 1}
    assert len((await app_state(world)).groups) == 1


async def _map_roles(world: World) -> None:
    edit = MappingEdit("title", SourceType.EXPRESSION, ROLE_EXPRESSION)
    await world.apps.mappings.set_mapping(world.app_name, "User", edit, actor=Actor.cli("tests"))


async def test_a_role_changed_on_an_assignment_reaches_the_app(world: World) -> None:
    await _map_roles(world)
    upn = await world.user("anna", assign=False)
    await world.apps.assignments.assign(
        world.app_name, user=upn, role=None, actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")
    assert (await app_state(world)).users[upn]["title"] == "none"  # Default Access: no value

    await world.apps.assignments.assign(
        world.app_name, user=upn, role="User", actor=Actor.cli("tests")
    )
    await world.apps.assignments.unassign(
        world.app_name, user=upn, role="Default Access", actor=Actor.cli("tests")
    )
    counts = await _cycle(world)

    assert (await app_state(world)).users[upn]["title"] == "User"
    assert _actions(counts) == {"update": 1}
    await _converged(world)


async def test_a_direct_assignment_removed_under_a_group_assignment_keeps_the_groups_role(
    world: World,
) -> None:
    await _map_roles(world)
    (upn,) = await _team(world, "Willow", ["anna"])
    await world.apps.assignments.assign(
        world.app_name, group="Willow", role=None, actor=Actor.cli("tests")
    )
    await world.apps.assignments.assign(
        world.app_name, user=upn, role="User", actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")
    assert (await app_state(world)).users[upn]["title"] == "User"

    await world.apps.assignments.unassign(
        world.app_name, user=upn, role=None, actor=Actor.cli("tests")
    )
    counts = await _cycle(world)

    assert _actions(counts) == {"update": 1}
    state = await app_state(world)
    assert state.users[upn]["active"] is True
    assert state.users[upn]["title"] == "none"
    assert state.groups["Willow"]["members"] == [upn]
    await _converged(world)


@pytest.mark.parametrize(("before", "after"), [("assigned", "all"), ("all", "assigned")])
async def test_a_scope_switch_gives_what_an_initial_cycle_from_scratch_gives(
    world: World, before: str, after: str
) -> None:
    await world.user("anna")
    await world.user("ben", assign=False)
    await _team(world, "Willow", ["cleo"])
    await _team(world, "Oak", ["dan"])
    await world.apps.assignments.assign(
        world.app_name, group="Willow", role="User", actor=Actor.cli("tests")
    )
    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name, replace(config.settings, scope=Scope(before)), actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")
    await world.directory.users.delete("dan@contoso.com", hard=True)  # unseen by any cycle yet

    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name, replace(config.settings, scope=Scope(after)), actor=Actor.cli("tests")
    )
    # A scope switch re-evaluates everything (docs/entra.md §2.5).
    counts = await _cycle(world, "initial")
    # assigned → all: ben and the group Oak enter scope; all → assigned: ben is disabled, Oak
    # deleted, and dan (hard-deleted before the switch) deleted.
    wanted = {"create": 2} if after == "all" else {"disable": 1, "delete": 2}
    assert _actions(counts) == wanted

    await _converged(world)
    assert await _cycle(world) == {}


async def test_an_edited_scoping_filter_gives_what_an_initial_cycle_from_scratch_gives(
    world: World,
) -> None:
    await world.user("anna", department="Sales")
    await world.user("ben", department="Legal")
    await _team(world, "Willow", ["cleo"])
    await world.apps.assignments.assign(
        world.app_name, group="Willow", role="User", actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")
    await world.directory.groups.delete("Willow", hard=True)  # unseen by any cycle yet

    await world.apps.mappings.add_scoping_clause(
        world.app_name, "User", "sales", ("department", "EQUALS", "Sales"), actor=Actor.cli("tests")
    )
    counts = await _cycle(world, "initial")
    # ben fails the filter, cleo lost her group; the group was hard-deleted before the edit.
    assert _actions(counts) == {"disable": 2, "delete": 1}

    state = await app_state(world)
    assert {n: u["active"] for n, u in state.users.items()} == {
        "anna@contoso.com": True,
        "ben@contoso.com": False,
        "cleo@contoso.com": False,
    }
    await _converged(world)


async def test_a_hard_deleted_user_loses_its_assignments(world: World) -> None:
    upn = await world.user("anna")
    await world.user("ben")
    await _cycle(world, "initial")

    await world.directory.users.delete(upn, hard=True)

    listed = await world.apps.assignments.list(world.app_name)
    assert [a.display for a in listed] == ["ben@contoso.com"]
    counts = await _cycle(world)
    assert _actions(counts) == {"delete": 1}
    await _converged(world)


async def test_a_hard_deleted_assigned_group_loses_its_assignment_and_its_members_leave(
    world: World,
) -> None:
    upns = await _team(world, "Willow", ["ben", "cleo"])
    await world.apps.assignments.assign(
        world.app_name, group="Willow", role="User", actor=Actor.cli("tests")
    )
    await _cycle(world, "initial")

    await world.directory.groups.delete("Willow", hard=True)

    assert await world.apps.assignments.list(world.app_name) == []
    counts = await _cycle(world)
    assert _actions(counts) == {"delete": 1, "disable": 2}
    state = await app_state(world)
    assert state.groups == {}
    assert {n: u["active"] for n, u in state.users.items()} == dict.fromkeys(upns, False)
    await _converged(world)


async def test_a_group_too_big_for_on_demand_is_provisioned_whole_by_the_next_cycle(
    world: World,
) -> None:
    await world.user("anna")
    upns = await _team(world, "Big", [f"m{n}" for n in range(7)])
    await _cycle(world, "initial")
    await world.apps.assignments.assign(
        world.app_name, group="Big", role="User", actor=Actor.cli("tests")
    )
    provisioner = OnDemandProvisioner(
        world.database, world.apps, jobs=world.jobs, directory=world.directory
    )
    with pytest.raises(TooManyMembersError, match="whole group is provisioned by the next cycle"):
        await provisioner.provision_group(world.app_name, "Big")

    await _cycle(world)

    assert (await app_state(world)).groups["Big"]["members"] == sorted(upns)
    await _converged(world)
