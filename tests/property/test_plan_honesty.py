"""A plan is honest: on an unchanged world the cycle does what the plan said, object by object.

Random directories and assignments (the scope convergence test's moves: attributes, sign-in,
soft and hard deletes, memberships, assign and unassign with roles, scope and scoping filter
switches), with cycles in between; before every cycle a plan is made, and the cycle that
follows must log the same actions on the same objects with the same old and new values, and
send the same number of writes of each method. The ids a plan makes up for what it would
create are read as the ids the cycle's creates got.
"""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from scimitar.engine.run.preview import CyclePlan, PlannedAction, plan_cycle
from scimitar.engine.run.recording import PLANNED_ID_PREFIX
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for
from tests.property.test_scope_convergence import Scenario, _empty_directory, start, step

_PLANNED = re.compile(re.escape(PLANNED_ID_PREFIX) + r"[0-9a-f]{32}")


def _ids_made_up(plan: CyclePlan, done: list[PlannedAction]) -> dict[str, str]:
    """Each id the plan made up, and the id the cycle's create of the same object got."""
    real = {(a.object_type, a.source_id): a.target_id for a in done if a.action == "create"}
    made: dict[str, str] = {}
    for item in plan.actions:
        if (
            item.action == "create"
            and item.target_id
            and item.target_id.startswith(PLANNED_ID_PREFIX)
        ):
            made[item.target_id] = str(real.get((item.object_type, item.source_id)))
    return made


def _shown(item: PlannedAction, made: dict[str, str]) -> str:
    def real(text: str | None) -> str | None:
        return None if text is None else _PLANNED.sub(lambda m: made.get(m[0], m[0]), text)

    changes = sorted((a, real(o), real(n)) for a, o, n in item.changes)
    shown = (item.object_type, item.source_id, item.name, item.action, item.status)
    return repr((*shown, real(item.target_id), changes, item.reason))


async def _cycle_actions(world: World, cycle_id: str) -> list[PlannedAction]:
    logs = ProvisioningLogStore(world.database)
    page = await logs.query(world.app_id, cycle=cycle_id, limit=10_000)
    return [PlannedAction.of(e.object_type, e.record) for e in reversed(page.records)]


class PlannedScenario(Scenario):
    """The convergence test's scenario, with a plan made and checked before every cycle."""

    async def cycle(self) -> dict[str, int]:
        world = self.world
        plan = await plan_cycle(world.database, world.settings, world.app_name, page_size=4)
        summary = await world.runner(page_size=4).run(world.app_name)
        assert summary.status == "succeeded"
        done = await _cycle_actions(world, summary.cycle_id)
        made = _ids_made_up(plan, done)
        assert sorted(_shown(a, made) for a in plan.actions) == sorted(_shown(a, {}) for a in done)
        assert plan.kind == summary.kind
        self.plans += 1
        return summary.counts

    plans = 0


@examples(
    max_examples=int(os.environ.get("PLAN_EXAMPLES", "5")),
    deadline=None,
    derandomize="PLAN_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(begin=start, moves=st.lists(step, max_size=8))
async def test_the_cycle_does_what_the_plan_said(
    database: Database, settings: Settings, begin: dict[str, Any], moves: list[tuple[Any, ...]]
) -> None:
    async with world_for(database, settings) as world:
        await _empty_directory(world)
        scenario = PlannedScenario(world)
        await scenario.set_up(begin)
        for move in moves:
            await scenario.apply(move)
        await scenario.cycle()
        assert scenario.plans >= 2
