"""A cycle killed at any point resumes to the directory's state (issue 6).

The initial cycle is swept too: its groups go one a page with several pages in flight, so a
kill lands between pages sent side by side.

A small directory is provisioned by an initial cycle, then changed in every way an incremental
cycle follows: users leave the assigned group (disabled, out of scope), outsiders join it
(created; one is the manager of a renamed user), a manager changes, sign-in is blocked, a user
is soft-deleted, another hard-deleted (its memberships and its report's manager go with it).
Pages hold three changes, so group changes and user changes land on different pages.

Users who block sign-in or are deleted in a group with no change of its own ("three") must
still leave it in the app: the cycle does that for the users whose links it changed, at the end.

The cycle is then killed at every point in turn — before and after each request to the app,
after each page's commit — and run again; each time the app must hold exactly what the
directory says: every in-scope user once and active, every user who left scope disabled, the
hard-deleted one gone, the groups' members and the managers right, one link per object.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from scimitar.audit import Actor
from scimitar.directory.service import DirectoryService
from scimitar.directory.store import SQLDirectory
from scimitar.engine.state.linkstore import linked_ids
from scimitar.secrets import Secret
from scimitar.target.tenants import TenantService
from tests.integration.engine.killing import (
    Killed,
    KillPoint,
    KillSwitch,
    ServedTarget,
    Store,
    killing_runner,
)

APP = "Killed"
PAGE = 3
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DOMAIN = "contoso.com"
ASSIGNED = ("one", "two", "three")

#: name → (groups, manager); "others" is the one group not assigned to the app.
PEOPLE: dict[str, tuple[tuple[str, ...], str | None]] = {
    "alice": (("one", "two", "three"), None),
    "bob": (("one",), "alice"),
    "carol": (("one", "others"), "alice"),
    "dave": (("one",), "bob"),
    "erin": (("one",), "oscar"),
    "frank": (("one",), "alice"),
    "gina": (("two",), "alice"),
    "hank": (("two",), "alice"),
    "ivan": (("two",), "hank"),
    "judy": (("two",), "hank"),
    "kate": (("three",), "alice"),
    "liam": (("three",), "kate"),
    "mia": (("three", "others"), "liam"),
    "oscar": (("others",), None),
    "olga": ((), "alice"),
    "paul": (("others",), "alice"),
}


def upn(name: str) -> str:
    return f"{name}@{DOMAIN}"


@dataclass
class World:
    """The snapshot after the initial cycle and the changes, and how to read the app."""

    store: Store
    target: ServedTarget
    tenant_url: str
    token: str
    in_scope_before: set[str]


async def _directory(directory: DirectoryService) -> None:
    for name, (_groups, _manager) in PEOPLE.items():
        await directory.users.create(
            {"userPrincipalName": upn(name), "givenName": name.title(), "surname": "Tester"}
        )
    for name, (_groups, manager) in PEOPLE.items():
        if manager:
            await directory.users.update(upn(name), {"manager": upn(manager)})
    for group in ("one", "two", "three", "others"):
        await directory.groups.create({"displayName": group})
        members = [upn(n) for n, (groups, _m) in PEOPLE.items() if group in groups]
        await directory.groups.add_members(group, members)


async def _change(directory: DirectoryService) -> None:
    """Group changes first, user changes after them, on later pages."""
    await directory.groups.remove_members("one", [upn("frank")])
    await directory.groups.add_members("one", [upn("oscar"), upn("olga")])
    await directory.users.update(upn("erin"), {"givenName": "Erina"})
    await directory.users.update(upn("carol"), {"manager": upn("gina")})
    await directory.users.set_enabled(upn("dave"), is_enabled=False)
    await directory.users.delete(upn("ivan"))
    await directory.users.delete(upn("hank"), hard=True)
    await directory.users.set_enabled(upn("liam"), is_enabled=False)
    await directory.users.delete(upn("kate"))


@asynccontextmanager
async def _provisioned(tmp_path: Path, *, is_changed: bool) -> AsyncIterator[World]:
    """The directory and the app, before any cycle; or after the initial cycle and the changes."""
    store = Store.open(tmp_path, tmp_path / "base.sqlite3")
    await store.database.migrate()
    target = ServedTarget()
    target.serve(store.database, store.settings)
    await target.start()
    try:
        directory = DirectoryService.from_settings(store.database, store.settings)
        await _directory(directory)
        tenant, token = await TenantService(store.database).create(
            "killed", "generic", actor=Actor.cli("tests")
        )
        url = f"{target.origin}/scim/{tenant.id}/v2"
        apps = store.apps
        await apps.apps.add("scim", APP, actor=Actor.cli("tests"))
        await apps.provisioning.set_credentials(
            APP, url, Secret(token), allow_insecure_http=True, actor=Actor.cli("tests")
        )
        for group in ASSIGNED:
            await apps.assignments.assign(APP, group=group, role=None, actor=Actor.cli("tests"))
        await apps.provisioning.set_provisioning(APP, is_on=True, actor=Actor.cli("tests"))
        if not is_changed:
            yield World(store, target, url, token, set())
            return
        initial = await killing_runner(store.database, apps, KillSwitch(), page_size=PAGE).run(APP)
        assert (initial.kind, initial.status) == ("initial", "succeeded")
        before = await _in_scope(store)
        await _change(directory)
        yield World(store, target, url, token, before)
    finally:
        await target.stop()
        await store.database.dispose()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with _provisioned(tmp_path, is_changed=True) as world:
        yield world


@pytest.fixture
async def fresh(tmp_path: Path) -> AsyncIterator[World]:
    async with _provisioned(tmp_path, is_changed=False) as world:
        yield world


async def _in_scope(store: Store) -> set[str]:
    """UPNs of the live, enabled direct members of the assigned groups."""
    source = SQLDirectory(store.database)
    users = {u.object_id: u for u in (await source.read_users(None, 1000)).items}
    groups = (await source.read_groups(None, 1000)).items
    members = {
        m.object_id for g in groups if g.attributes["displayName"] in ASSIGNED for m in g.members
    }
    return {
        str(users[m].attributes["userPrincipalName"])
        for m in members
        if m in users
        and users[m].deleted_at is None
        and users[m].attributes.get("accountEnabled") is not False
    }


async def _read_target(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {world.token}"}
    async with httpx.AsyncClient(base_url=world.tenant_url + "/", headers=headers) as http:
        users = (await http.get("Users", params={"count": "1000"})).json()["Resources"]
        listed = (await http.get("Groups", params={"count": "1000"})).json()["Resources"]
        groups = [(await http.get(f"Groups/{g['id']}")).json() for g in listed]
    return users, groups


async def _assert_app_is_as_the_directory_says(world: World, store: Store) -> None:
    in_scope = await _in_scope(store)
    users, groups = await _read_target(world)
    names = Counter(str(u["userName"]) for u in users)
    assert [n for n, count in names.items() if count > 1] == []
    left = world.in_scope_before - in_scope - {upn("hank")}
    assert {str(u["userName"]): u["active"] for u in users} == {
        **{n: True for n in in_scope},
        **{n: False for n in left},
    }
    names_of = {str(u["id"]): str(u["userName"]) for u in users}
    source = SQLDirectory(store.database)
    directory = {
        str(u.attributes["userPrincipalName"]): u
        for u in (await source.read_users(None, 1000)).items
    }
    name_of = {u.object_id: name for name, u in directory.items()}
    held_groups = {
        str(g["displayName"]): {names_of.get(str(m["value"]), "?") for m in g.get("members") or []}
        for g in groups
    }
    wanted_groups = {
        g.attributes["displayName"]: {
            name_of[m.object_id] for m in g.members if name_of.get(m.object_id) in in_scope
        }
        for g in (await source.read_groups(None, 1000)).items
        if g.attributes["displayName"] in ASSIGNED
    }
    wrong = {
        group: {"extra": sorted(held - wanted), "missing": sorted(wanted - held)}
        for group, wanted in wanted_groups.items()
        if (held := held_groups.get(group, set())) != wanted
    }
    assert (sorted(held_groups), wrong) == (sorted(wanted_groups), {})

    held_managers = {
        str(u["userName"]): names_of.get(
            str(((u.get(ENTERPRISE) or {}).get("manager") or {}).get("value"))
        )
        for u in users
    }
    managers = {name: directory[name].attributes.get("manager") for name in in_scope}
    # A manager never in scope was never provisioned: the reference waits (docs/entra.md §2.7).
    known = in_scope | world.in_scope_before
    wanted_managers = {
        name: name_of[m] if m and name_of[m] in known else None for name, m in managers.items()
    }
    assert {n: held_managers[n] for n in in_scope} == wanted_managers

    app = await store.apps.apps.get(APP)
    async with store.database.read() as conn:
        linked_users = await linked_ids(conn, app.id, "User")
        linked_groups = await linked_ids(conn, app.id, "Group")
    assert (len(linked_users), len(linked_groups)) == (len(users), len(groups))


async def _killed_then_resumed(
    world: World, point: KillPoint | None, path: Path, kind: str = "incremental"
) -> KillSwitch:
    """From the snapshot: run the next cycle (of ``kind``), killed at ``point``, then again."""
    store = await world.store.copy_to(path)
    world.target.serve(store.database, store.settings)
    try:
        switch = KillSwitch(point)
        try:
            summary = await killing_runner(store.database, store.apps, switch, page_size=PAGE).run(
                APP
            )
        except Killed:
            summary = await killing_runner(
                store.database, store.apps, KillSwitch(), page_size=PAGE
            ).run(APP)
        assert (summary.kind, summary.status) == (kind, "succeeded")
        assert switch.fired is (point is not None)
        await _assert_app_is_as_the_directory_says(world, store)
        return switch
    finally:
        await store.database.dispose()


async def test_an_incremental_cycle_brings_the_app_in_line(world: World, tmp_path: Path) -> None:
    await _killed_then_resumed(world, None, tmp_path / "whole.sqlite3")


async def test_killed_at_any_point_it_resumes_to_the_directorys_state(
    world: World, tmp_path: Path
) -> None:
    counted = await _killed_then_resumed(world, None, tmp_path / "count.sqlite3")
    # Before a page's commit is after its last request; a page without requests leaves the
    # store and the app as the commit before it did.
    points = [
        *(
            KillPoint("request", index, when)
            for index in range(counted.counts["request"])
            for when in ("before", "after")
        ),
        *(KillPoint("persist", index, "after") for index in range(counted.counts["persist"])),
    ]
    assert len(points) > 40
    failed: dict[str, str] = {}
    for number, point in enumerate(points):
        try:
            await _killed_then_resumed(world, point, tmp_path / f"kill{number}.sqlite3")
        except AssertionError as exc:
            failed[str(point)] = " ".join(str(exc).split())[:300]
    assert failed == {}


async def test_killed_initial_cycle_at_any_point_resumes_to_the_directorys_state(
    fresh: World, tmp_path: Path
) -> None:
    """Groups go a page each and several pages at once: a kill lands between their pages."""
    counted = await _killed_then_resumed(fresh, None, tmp_path / "count.sqlite3", "initial")
    points = [
        *(
            KillPoint("request", index, when)
            for index in range(counted.counts["request"])
            for when in ("before", "after")
        ),
        *(KillPoint("persist", index, "after") for index in range(counted.counts["persist"])),
    ]
    failed: dict[str, str] = {}
    for number, point in enumerate(points):
        try:
            await _killed_then_resumed(fresh, point, tmp_path / f"kill{number}.sqlite3", "initial")
        except AssertionError as exc:
            failed[str(point)] = " ".join(str(exc).split())[:300]
    assert (len(points) > 40, failed) == (True, {})


class _ReadOrders(SQLDirectory):
    """The SQL directory, noting in which order each full read of users asked; ``as_before``
    reads in the order users were added whatever is asked, as earlier versions did."""

    def __init__(self, database: Any, *, as_before: bool = False) -> None:
        super().__init__(database)
        self.by_id: list[bool] = []
        self._as_before = as_before

    async def read_users(
        self,
        cursor: str | None = None,
        limit: int = 1000,
        *,
        include_deleted: bool = True,
        by_id: bool = False,
    ) -> Any:
        self.by_id.append(by_id)
        return await super().read_users(
            cursor, limit, include_deleted=include_deleted, by_id=by_id and not self._as_before
        )


async def test_an_initial_cycle_begun_in_the_older_order_goes_on_in_it(
    fresh: World, tmp_path: Path
) -> None:
    """Users are read in objectId order; a cycle whose resume point has no ``order`` (saved by
    a version that read in the order users were added, its cursor a ``seq``) keeps that order.
    """
    store = await fresh.store.copy_to(tmp_path / "legacy.sqlite3")
    fresh.target.serve(store.database, store.settings)
    try:
        killed = KillSwitch(KillPoint("persist", 0, "after"))
        first = killing_runner(store.database, store.apps, killed, page_size=PAGE)
        before = _ReadOrders(store.database, as_before=True)
        first._directory = before  # type: ignore[attr-defined]
        first._user_order = lambda _ctx: "id"  # type: ignore[method-assign]  # not managers first
        with pytest.raises(Killed):
            await first.run(APP)
        assert before.by_id
        assert all(before.by_id)
        app = await store.apps.apps.get(APP)
        async with store.database.write() as conn:
            select = text("SELECT resume FROM engine_job_state WHERE app_id = :a")
            resume = json.loads((await conn.execute(select, {"a": app.id})).one().resume)
            assert (resume["phase"], resume["order"], resume["cursor"]) == ("users", "id", "3")
            del resume["order"]  # as the earlier version saved it
            await conn.execute(
                text("UPDATE engine_job_state SET resume = :r WHERE app_id = :a"),
                {"r": json.dumps(resume), "a": app.id},
            )
        second = killing_runner(store.database, store.apps, KillSwitch(), page_size=PAGE)
        reads = _ReadOrders(store.database)
        second._directory = reads  # type: ignore[attr-defined]
        summary = await second.run(APP)
        assert (summary.kind, summary.status) == ("initial", "succeeded")
        assert reads.by_id
        assert not any(reads.by_id)
        await _assert_app_is_as_the_directory_says(fresh, store)
    finally:
        await store.database.dispose()
