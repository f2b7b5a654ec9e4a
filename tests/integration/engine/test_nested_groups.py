"""``app settings --nested-groups flatten``: nested groups' users reach the app (embedded target).

A tree with a cycle: All (assigned) holds Engineering, which holds Platform, which holds
Infra, which holds All again. Entra's ``direct`` keeps only All's own users in scope; ``flatten``
gives the app every user of the tree, as members of the app's All group, and a change at the
bottom of the tree reaches the app in the next incremental cycle.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from scimitar.apps.model import NestedGroups
from scimitar.audit import Actor
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.convergence import app_state
from tests.integration.engine.harness import World, world_for

ACTOR = Actor.cli("tests")


@pytest.fixture
async def world(database: Database, settings: Settings) -> AsyncIterator[World]:
    async with world_for(database, settings) as world:
        yield world


async def _tree(world: World) -> dict[str, str]:
    """The groups, each with one user of its own; returns group name -> its user's UPN."""
    groups = world.directory.groups
    names = ["All", "Engineering", "Platform", "Infra"]
    users: dict[str, str] = {}
    for name in names:
        await groups.create({"displayName": name})
        users[name] = await world.user(name.lower(), assign=False)
        await groups.add_members(name, [users[name]])
    for parent, child in zip(names, [*names[1:], names[0]], strict=True):  # Infra holds All
        await groups.add_members(parent, [child])
    await world.apps.assignments.assign(world.app_name, group="All", role="User", actor=ACTOR)
    return users


async def _cycle(world: World, kind: str) -> dict[str, int]:
    summary = await world.runner().run(world.app_name)
    assert (summary.kind, summary.status) == (kind, "succeeded")
    return summary.counts


async def _flatten(world: World) -> None:
    config = await world.apps.provisioning.config(world.app_name)
    settings = replace(config.settings, nested_groups=NestedGroups.FLATTEN)
    await world.apps.provisioning.update_settings(world.app_name, settings, actor=ACTOR)


async def test_direct_keeps_only_the_assigned_groups_own_users(world: World) -> None:
    users = await _tree(world)
    await _cycle(world, "initial")
    state = await app_state(world)
    assert state.groups["All"]["members"] == [users["All"]]
    assert sorted(state.users) == [users["All"]]


async def test_flatten_gives_every_user_of_the_tree_and_follows_deep_changes(
    world: World,
) -> None:
    users = await _tree(world)
    await _cycle(world, "initial")
    await _flatten(world)
    await _cycle(world, "initial")  # changing the setting re-evaluates everything
    state = await app_state(world)
    everyone = sorted(users.values())
    assert state.groups["All"]["members"] == everyone
    assert sorted(u for u, v in state.users.items() if v["active"]) == everyone

    newcomer = await world.user("newcomer", assign=False)
    await world.directory.groups.add_members("Infra", [newcomer])  # three levels down
    await world.directory.groups.remove_members("Platform", [users["Platform"]])
    await _cycle(world, "incremental")

    state = await app_state(world)
    expected = sorted({*everyone, newcomer} - {users["Platform"]})
    assert state.groups["All"]["members"] == expected
    assert state.users[newcomer]["active"] is True
    assert state.users[users["Platform"]]["active"] is False  # left scope: disabled


async def test_a_nested_group_added_brings_its_users(world: World) -> None:
    users = await _tree(world)
    await _flatten(world)
    await _cycle(world, "initial")
    await world.directory.groups.create({"displayName": "Contractors"})
    temp = await world.user("temp", assign=False)
    await world.directory.groups.add_members("Contractors", [temp])
    await world.directory.groups.add_members("Platform", ["Contractors"])
    await _cycle(world, "incremental")
    state = await app_state(world)
    assert temp in state.groups["All"]["members"]
    assert state.users[temp]["active"] is True
    assert len(state.groups["All"]["members"]) == len(users) + 1
