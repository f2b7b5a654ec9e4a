"""An initial cycle counts its objects first and reports a total and a percent."""

from __future__ import annotations

import json

from sqlalchemy import select

from scimitar.engine.run.runstate import Progress
from scimitar.engine.state.status import CycleProgress
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.engine import CYCLE
from tests.integration.engine.harness import world_for


async def test_an_initial_cycle_reports_a_total_and_a_percent(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        for n in range(12):
            await world.user(f"u{n}", assign=n % 3 != 0)  # unassigned users are read too
        seen: list[tuple[int, int | None, float | None]] = []

        def note(progress: Progress) -> None:
            seen.append((progress.objects, progress.total, progress.percent))

        summary = await world.runner(page_size=5, on_progress=note).run(world.app_name)

        assert summary.kind == "initial"
        assert {total for _o, total, _p in seen} == {12}
        percents = [p for o, _t, p in seen if o]
        assert percents == sorted(percents)
        assert percents[0] is not None
        assert 0 < percents[0] < 100
        assert percents[-1] == 100.0
        async with database.read() as conn:
            row = (await conn.execute(select(CYCLE.c.progress))).scalar_one()
        stored = CycleProgress.from_stored(json.loads(row))
        assert stored.total == 12
        assert stored.percent == 100.0


async def test_an_incremental_cycle_has_no_total(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        await world.runner().run(world.app_name)
        await world.user("bob")
        seen: list[int | None] = []
        await world.runner(on_progress=lambda p: seen.append(p.total)).run(world.app_name)
        assert seen
        assert set(seen) == {None}
