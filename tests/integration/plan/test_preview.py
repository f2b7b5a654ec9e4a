"""``plan_cycle``: the next cycle's actions and requests, with nothing written anywhere."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from scimitar.audit import Actor
from scimitar.engine.run.preview import plan_cycle
from scimitar.engine.run.recording import PLANNED_ID_PREFIX
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables import engine as engine_tables
from tests.integration.engine.harness import World, world_for


async def _state(world: World) -> dict[str, Any]:
    """What a plan must leave as it was: the app's links, log, cycles and job state."""
    counted = {}
    async with world.database.read() as conn:
        for name in ("LINK", "LOG", "CYCLE"):
            table = getattr(engine_tables, name, None)
            if table is not None:
                query = select(func.count()).select_from(table)
                counted[name] = (await conn.execute(query)).scalar_one()
    status = await world.status()
    return {"counts": counted, "status": status.to_dict(), "target": await world.target_users()}


async def test_a_plan_shows_the_creates_and_writes_nothing(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        for name in ("ada", "bob"):
            await world.user(name)
        before = await _state(world)

        plan = await plan_cycle(database, settings, world.app_name)

        assert plan.kind == "initial"
        assert plan.counts() == {"create": 2}
        assert {a.name for a in plan.changes} == {"ada@contoso.com", "bob@contoso.com"}
        assert plan.requests.by_method().get("POST") == 2
        assert all(w.method == "POST" and w.path == "/Users" for w in plan.requests.writes)
        assert await _state(world) == before
        assert await world.target_users() == {}


async def test_a_plan_shows_old_and_new_values_and_the_cycle_then_does_it(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada", department="Sales")
        await world.runner().run(world.app_name)
        await world.directory.users.update("ada@contoso.com", {"department": "Legal"})
        before = await _state(world)

        plan = await plan_cycle(database, settings, world.app_name)

        assert plan.kind == "incremental"
        [update] = plan.changes
        assert update.action == "update"
        assert any(old == "Sales" and new == "Legal" for _a, old, new in update.changes)
        assert [w.method for w in plan.requests.writes] == ["PATCH"]
        assert not update.target_id or not update.target_id.startswith(PLANNED_ID_PREFIX)
        assert await _state(world) == before
        summary = await world.runner().run(world.app_name)
        assert summary.counts.get("update") == 1
        users = await world.target_users()
        assert "Legal" in str(users["ada@contoso.com"])


async def test_a_proposed_scoping_file_is_planned_before_it_is_saved(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada", department="Sales")
        await world.user("bob", department="Legal")
        await world.runner().run(world.app_name)
        exported = await world.apps.config.export(world.app_name)
        await world.apps.mappings.add_scoping_clause(
            world.app_name,
            "User",
            "sales",
            ("department", "EQUALS", "Sales"),
            actor=Actor.cli("tests"),
        )
        proposed = await world.apps.config.export(world.app_name)
        await world.apps.mappings.clear_scoping(world.app_name, "User", actor=Actor.cli("tests"))
        assert await world.apps.config.export(world.app_name) == exported
        import json

        plan = await plan_cycle(database, settings, world.app_name, proposed=json.dumps(proposed))

        assert plan.kind == "initial"
        assert [(a.name, a.action) for a in plan.changes] == [("bob@contoso.com", "disable")]
        assert await world.apps.config.export(world.app_name) == exported
