"""Learned app quirks on SQLite and PostgreSQL: kept per app and attribute, new only once,
shown in the job's status, forgotten by a full reset."""

from __future__ import annotations

import pytest

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.engine.run.control import JobControl, ResetScope, parse_reset
from scimitar.engine.state.learned import LearnedQuirks, QuirkKind
from scimitar.engine.state.registry import JobRegistry
from scimitar.engine.state.status import JobStatusService
from scimitar.settings import Settings
from scimitar.store import Database

ACTOR = Actor.cli("tests")


@pytest.fixture
async def app_id(database: Database, settings: Settings) -> str:
    return (await Apps.create(database, settings).apps.add("scim", "Lab", actor=ACTOR)).id


async def test_a_quirk_is_new_once_across_processes_and_kept(
    database: Database, app_id: str
) -> None:
    one = await LearnedQuirks.load(database, app_id)
    other = await LearnedQuirks.load(database, app_id)

    first = await one.learn(QuirkKind.PATCH_REFUSED, "User", "title", "PATCH of 'title': 501")
    again = await one.learn(QuirkKind.PATCH_REFUSED, "User", "TITLE")
    elsewhere = await other.learn(QuirkKind.PATCH_REFUSED, "User", "title")  # loaded before

    assert first is not None
    assert first.detail == "PATCH of 'title': 501"
    assert (again, elsewhere) == (None, None)
    later = await LearnedQuirks.load(database, app_id)
    assert later.has(QuirkKind.PATCH_REFUSED, "User", "Title")
    assert not later.has(QuirkKind.PATCH_REFUSED, "Group", "title")
    assert later.is_kept("User", "title")


async def test_status_lists_the_quirks_and_a_full_reset_forgets_them(
    database: Database, settings: Settings, app_id: str
) -> None:
    learned = await LearnedQuirks.load(database, app_id)
    await learned.learn(QuirkKind.FILTER_IGNORED, "Group", "displayName")
    await learned.learn(QuirkKind.NOT_KEPT, "User", "preferredLanguage")

    shown = (await JobStatusService(database).status(app_id)).to_dict()["appQuirks"]
    assert [q["message"] for q in shown] == [
        "this app ignores filters on Groups.displayName; matching lists groups instead",
        "this app does not keep User.preferredLanguage (it accepts a value and drops it); it "
        "is no longer compared nor sent again in updates",
    ]

    control = JobControl(database, Apps.create(database, settings), jobs=JobRegistry())
    await control.restart(app_id, {ResetScope.LINKS}, actor=ACTOR)
    assert len((await JobStatusService(database).status(app_id)).app_quirks) == 2
    await control.restart(app_id, parse_reset("full"), actor=ACTOR)
    assert (await JobStatusService(database).status(app_id)).app_quirks == ()
