"""Incremental cycles converge to one initial cycle from scratch (issue 14).

For random sequences of directory edits (attributes, sign-in, soft and hard deletes,
memberships) and scope edits (assign and unassign users and groups with either role, switch the
scope, add or clear a scoping filter), with cycles run in between, the app ends holding what one
initial cycle from scratch gives for the final directory and assignments: the same active
users with the same values, the same groups with the same members (the accounts that left scope
stay, disabled). And one more cycle then sends nothing.

The app maps the user's role to ``title`` through ``Coalesce``, so a role change always has a
value to send (a null is never sent, as in Entra), and ``department`` only takes values.
Every example starts from an empty directory, a new app and a new tenant of the same target.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from scimitar.apps.mapping_edits import MappingEdit
from scimitar.apps.model import Scope
from scimitar.audit import Actor
from scimitar.directory.store import SQLDirectory
from scimitar.mapping.mappings import SourceType
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.convergence import app_state, assert_converged, fresh_state
from tests.integration.engine.harness import World, world_for

USERS = 5
GROUPS = 3
ROLES = (None, "User")
DEPARTMENTS = ("Sales", "Legal")
ROLE_EXPRESSION = 'Coalesce(SingleAppRoleAssignment([appRoleAssignments]), "none")'

user_index = st.integers(0, USERS - 1)
group_index = st.integers(0, GROUPS - 1)
role = st.sampled_from(ROLES)
step = st.one_of(
    st.tuples(st.just("cycle")),
    st.tuples(st.just("assign_user"), user_index, role),
    st.tuples(st.just("unassign_user"), user_index),
    st.tuples(st.just("assign_group"), group_index, role),
    st.tuples(st.just("unassign_group"), group_index),
    st.tuples(st.just("add_member"), group_index, user_index),
    st.tuples(st.just("remove_member"), group_index, user_index),
    st.tuples(st.just("department"), user_index, st.sampled_from(DEPARTMENTS)),
    st.tuples(st.just("enabled"), user_index, st.booleans()),
    st.tuples(st.just("soft_delete"), user_index),
    st.tuples(st.just("restore"), user_index),
    st.tuples(st.just("hard_delete_user"), user_index),
    st.tuples(st.just("hard_delete_group"), group_index),
    st.tuples(st.just("scope"), st.sampled_from(("assigned", "all"))),
    st.tuples(st.just("filter"), st.booleans()),
)
start = st.fixed_dictionaries(
    {
        "departments": st.lists(st.sampled_from(DEPARTMENTS), min_size=USERS, max_size=USERS),
        "members": st.lists(st.sets(user_index, max_size=3), min_size=GROUPS, max_size=GROUPS),
        "users": st.dictionaries(user_index, role, max_size=3),
        "groups": st.dictionaries(group_index, role, max_size=2),
    }
)


def upn(index: int) -> str:
    return f"p{index}@contoso.com"


def group(index: int) -> str:
    return f"PG{index}"


class Scenario:
    """One example's world, and what exists in its directory."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.app = world.app_name
        self.users: set[int] = set()
        self.deleted: set[int] = set()
        self.groups: set[int] = set()
        self.has_filter = False

    async def set_up(self, begin: dict[str, Any]) -> None:
        directory, apps = self.world.directory, self.world.apps
        edit = MappingEdit("title", SourceType.EXPRESSION, ROLE_EXPRESSION)
        await apps.mappings.set_mapping(self.app, "User", edit, actor=Actor.cli("tests"))
        for index, department in enumerate(begin["departments"]):
            await directory.users.create(
                {"userPrincipalName": upn(index), "department": department}
            )
            self.users.add(index)
        for index, members in enumerate(begin["members"]):
            await directory.groups.create({"displayName": group(index)})
            await directory.groups.add_members(group(index), [upn(m) for m in sorted(members)])
            self.groups.add(index)
        for index, chosen in begin["users"].items():
            await apps.assignments.assign(
                self.app, user=upn(index), role=chosen, actor=Actor.cli("tests")
            )
        for index, chosen in begin["groups"].items():
            await apps.assignments.assign(
                self.app, group=group(index), role=chosen, actor=Actor.cli("tests")
            )
        await self.cycle()

    async def cycle(self) -> dict[str, int]:
        summary = await self.world.runner(page_size=4).run(self.app)
        assert summary.status == "succeeded"
        return summary.counts

    async def apply(self, move: tuple[Any, ...]) -> None:
        name, *args = move
        if name == "cycle":
            await self.cycle()
            return
        if name in _USER_MOVES and args[0] not in self.users:
            return
        if name in _GROUP_MOVES and args[0] not in self.groups:
            return
        await getattr(self, f"_{name}")(*args)

    async def _assign_user(self, index: int, chosen: str | None) -> None:
        if index not in self.deleted:  # a deleted user cannot be assigned
            await self.world.apps.assignments.assign(
                self.app, user=upn(index), role=chosen, actor=Actor.cli("tests")
            )

    async def _unassign_user(self, index: int) -> None:
        listed = await self.world.apps.assignments.list(self.app)
        if any(a.display == upn(index) for a in listed):
            await self.world.apps.assignments.unassign(
                self.app, user=upn(index), role=None, actor=Actor.cli("tests")
            )

    async def _assign_group(self, index: int, chosen: str | None) -> None:
        await self.world.apps.assignments.assign(
            self.app, group=group(index), role=chosen, actor=Actor.cli("tests")
        )

    async def _unassign_group(self, index: int) -> None:
        listed = await self.world.apps.assignments.list(self.app)
        if any(a.display == group(index) for a in listed):
            await self.world.apps.assignments.unassign(
                self.app, group=group(index), role=None, actor=Actor.cli("tests")
            )

    async def _add_member(self, index: int, member: int) -> None:
        if member in self.users:
            await self.world.directory.groups.add_members(group(index), [upn(member)])

    async def _remove_member(self, index: int, member: int) -> None:
        if member in self.users:
            await self.world.directory.groups.remove_members(group(index), [upn(member)])

    async def _department(self, index: int, department: str) -> None:
        if index not in self.deleted:  # a soft-deleted user cannot be changed
            await self.world.directory.users.update(upn(index), {"department": department})

    async def _enabled(self, index: int, is_enabled: bool) -> None:
        if index not in self.deleted:
            await self.world.directory.users.set_enabled(upn(index), is_enabled=is_enabled)

    async def _soft_delete(self, index: int) -> None:
        if index not in self.deleted:
            await self.world.directory.users.delete(upn(index))
            self.deleted.add(index)

    async def _restore(self, index: int) -> None:
        if index in self.deleted:
            await self.world.directory.users.restore(upn(index))
            self.deleted.discard(index)

    async def _hard_delete_user(self, index: int) -> None:
        await self.world.directory.users.delete(upn(index), hard=True)
        self.users.discard(index)
        self.deleted.discard(index)

    async def _hard_delete_group(self, index: int) -> None:
        await self.world.directory.groups.delete(group(index), hard=True)
        self.groups.discard(index)

    async def _scope(self, scope: str) -> None:
        config = await self.world.apps.provisioning.config(self.app)
        await self.world.apps.provisioning.update_settings(
            self.app, replace(config.settings, scope=Scope(scope)), actor=Actor.cli("tests")
        )

    async def _filter(self, is_on: bool) -> None:
        mappings = self.world.apps.mappings
        if is_on and not self.has_filter:
            clause = ("department", "EQUALS", "Sales")
            await mappings.add_scoping_clause(
                self.app, "User", "sales", clause, actor=Actor.cli("tests")
            )
        elif not is_on and self.has_filter:
            await mappings.clear_scoping(self.app, "User", actor=Actor.cli("tests"))
        self.has_filter = is_on


_USER_MOVES = {
    "assign_user",
    "unassign_user",
    "department",
    "enabled",
    "soft_delete",
    "restore",
    "hard_delete_user",
}
_GROUP_MOVES = {
    "assign_group",
    "unassign_group",
    "add_member",
    "remove_member",
    "hard_delete_group",
}


async def _empty_directory(world: World) -> None:
    source = SQLDirectory(world.database)
    for user in (await source.read_users(None, 1000)).items:
        await world.directory.users.delete(user.object_id, hard=True)
    for found in (await source.read_groups(None, 1000)).items:
        await world.directory.groups.delete(found.object_id, hard=True)


@examples(
    max_examples=int(os.environ.get("SCOPE_EXAMPLES", "20")),
    deadline=None,
    derandomize="SCOPE_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(begin=start, moves=st.lists(step, max_size=10))
async def test_incremental_cycles_converge_to_an_initial_cycle_from_scratch(
    database: Database, settings: Settings, begin: dict[str, Any], moves: list[tuple[Any, ...]]
) -> None:
    async with world_for(database, settings) as world:
        await _empty_directory(world)
        scenario = Scenario(world)
        await scenario.set_up(begin)
        for move in moves:
            await scenario.apply(move)
        await scenario.cycle()

        assert_converged(await app_state(world), await fresh_state(world))
        again = await scenario.cycle()
        assert set(again) <= {"skip"}
