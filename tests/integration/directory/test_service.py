"""Users and groups through the service, on SQLite and PostgreSQL: every write is in the feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimitar.directory.errors import AttributeValueError, DuplicateObjectError
from scimitar.directory.service import DirectoryService
from scimitar.directory.source import Change, ChangeKind
from scimitar.errors import ConfigError, NotFoundError
from scimitar.store import Database


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(database: Database, clock: Clock) -> DirectoryService:
    return DirectoryService(database, soft_delete_days=30, clock=clock)


async def _feed(directory: DirectoryService) -> list[Change]:
    return list((await directory.source.read_changes(None, 10_000)).changes)


async def test_create_update_and_their_changes(directory: DirectoryService) -> None:
    ada = await directory.users.create({"userPrincipalName": "Ada@Contoso.com", "givenName": "Ada"})
    await directory.users.update("ada@contoso.com", {"jobTitle": "Engineer", "givenName": "Ada"})
    feed = await _feed(directory)
    assert [(c.seq, c.kind, c.object_id, c.attributes) for c in feed] == [
        (1, ChangeKind.CREATED, ada.object_id, ()),
        (2, ChangeKind.UPDATED, ada.object_id, ("jobTitle",)),
    ]
    assert (await directory.source.get_user(ada.object_id)).attributes["jobTitle"] == "Engineer"  # type: ignore[union-attr]


async def test_an_update_that_changes_nothing_is_not_in_the_feed(
    directory: DirectoryService,
) -> None:
    await directory.users.create({"userPrincipalName": "ada@contoso.com", "city": "London"})
    await directory.users.update("ada@contoso.com", {"city": "London"})
    assert len(await _feed(directory)) == 1


async def test_upn_is_unique_case_insensitively(directory: DirectoryService) -> None:
    await directory.users.create({"userPrincipalName": "ada@contoso.com"})
    with pytest.raises(DuplicateObjectError):
        await directory.users.create({"userPrincipalName": "ADA@contoso.COM"})


async def test_manager_is_stored_as_a_reference(directory: DirectoryService) -> None:
    boss = await directory.users.create({"userPrincipalName": "boss@contoso.com"})
    ada = await directory.users.create(
        {"userPrincipalName": "ada@contoso.com", "manager": "BOSS@contoso.com"}
    )
    assert ada.to_attributes()["manager"] == boss.object_id
    with pytest.raises(AttributeValueError, match="own manager"):
        await directory.users.update("ada@contoso.com", {"manager": ada.object_id})


async def test_disable_makes_the_user_soft_deleted_for_provisioning(
    directory: DirectoryService,
) -> None:
    await directory.users.create({"userPrincipalName": "ada@contoso.com"})
    user = await directory.users.set_enabled("ada@contoso.com", is_enabled=False)
    assert user.to_attributes()["isSoftDeleted"] is True
    assert (await _feed(directory))[-1].attributes == ("accountEnabled",)


async def test_soft_delete_and_restore_keep_memberships(directory: DirectoryService) -> None:
    ada = await directory.users.create({"userPrincipalName": "ada@contoso.com"})
    await directory.groups.create({"displayName": "Sales"})
    await directory.groups.add_members("Sales", ["ada@contoso.com"])
    await directory.users.delete("ada@contoso.com")
    assert (await directory.users.get(ada.object_id)).is_deleted
    with pytest.raises(ConfigError, match="restore it"):
        await directory.users.update("ada@contoso.com", {"city": "Paris"})
    restored = await directory.users.restore("ada@contoso.com")
    assert not restored.is_deleted
    assert [m.object_id for m in (await directory.groups.get("Sales")).members] == [ada.object_id]
    kinds = [c.kind for c in await _feed(directory)]
    assert kinds[-2:] == [ChangeKind.SOFT_DELETED, ChangeKind.RESTORED]


async def test_hard_delete_removes_memberships_and_manager_links(
    directory: DirectoryService,
) -> None:
    boss = await directory.users.create({"userPrincipalName": "boss@contoso.com"})
    ada = await directory.users.create(
        {"userPrincipalName": "ada@contoso.com", "manager": boss.object_id}
    )
    sales = await directory.groups.create({"displayName": "Sales"})
    await directory.groups.add_members("Sales", [boss.object_id])
    await directory.users.delete("boss@contoso.com", hard=True)
    assert await directory.source.get_user(boss.object_id) is None
    assert "manager" not in (await directory.users.get(ada.object_id)).attributes
    assert (await directory.groups.get(sales.object_id)).members == ()
    tail = [(c.kind, c.object_id) for c in (await _feed(directory))[-3:]]
    assert tail == [
        (ChangeKind.MEMBER_REMOVED, sales.object_id),
        (ChangeKind.UPDATED, ada.object_id),
        (ChangeKind.HARD_DELETED, boss.object_id),
    ]


async def test_purge_after_the_window(directory: DirectoryService, clock: Clock) -> None:
    ada = await directory.users.create({"userPrincipalName": "ada@contoso.com"})
    await directory.groups.create({"displayName": "Old"})
    await directory.users.delete("ada@contoso.com")
    await directory.groups.delete("Old")
    clock.now += timedelta(days=29)
    assert (await directory.purge()).users == 0
    clock.now += timedelta(days=2)
    with pytest.raises(ConfigError, match="more than 30 days"):
        await directory.users.restore("ada@contoso.com")
    result = await directory.purge()
    assert (result.users, result.groups) == (1, 1)
    assert await directory.source.get_user(ada.object_id) is None
    assert (await _feed(directory))[-1].kind is ChangeKind.HARD_DELETED


async def test_nested_groups_are_members_not_expanded(directory: DirectoryService) -> None:
    await directory.users.create({"userPrincipalName": "ada@contoso.com"})
    team = await directory.groups.create({"displayName": "Team"})
    await directory.groups.create({"displayName": "Division"})
    await directory.groups.add_members("Team", ["ada@contoso.com"])
    division, added = await directory.groups.add_members("Division", ["Team"])
    assert added == 1
    assert [(m.object_id, m.object_type.value) for m in division.members] == [
        (team.object_id, "group")
    ]
    _, again = await directory.groups.add_members("Division", ["Team"])
    assert again == 0
    with pytest.raises(ConfigError, match="itself"):
        await directory.groups.add_members("Team", ["Team"])


async def test_unknown_objects_are_not_found(directory: DirectoryService) -> None:
    with pytest.raises(NotFoundError):
        await directory.users.get("nobody@contoso.com")
    with pytest.raises(NotFoundError):
        await directory.groups.delete("Nobody")


async def test_full_read_pages_cover_everything_once(directory: DirectoryService) -> None:
    await directory.generate(250, 5, seed=1)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await directory.source.read_users(cursor, 100)
        seen.extend(user.object_id for user in page.items)
        if (cursor := page.cursor) is None:
            break
    assert len(seen) == len(set(seen)) == 250
    groups = await directory.source.read_groups(None, 100)
    assert len(groups.items) == 5
    assert groups.cursor is None
    assert len(groups.items[0].members) == 250


async def test_full_read_by_object_id_pages_in_order(directory: DirectoryService) -> None:
    await directory.generate(250, 0, seed=1)
    victim = (await directory.source.read_users(None, 1)).items[0]
    await directory.users.delete(victim.object_id)
    for include_deleted, expected in ((True, 250), (False, 249)):
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page = await directory.source.read_users(
                cursor, 100, include_deleted=include_deleted, by_id=True
            )
            seen.extend(user.object_id for user in page.items)
            if (cursor := page.cursor) is None:
                break
            assert cursor == page.items[-1].object_id
        assert seen == sorted(set(seen))
        assert len(seen) == expected
    with pytest.raises(AttributeValueError, match="cursor"):
        await directory.source.read_users("100", 100, by_id=True)


@pytest.mark.parametrize(
    ("max_members", "pages"),
    [
        (None, [["big", "a", "b", "c"]]),
        (4, [["big"], ["a", "b"], ["c"]]),
        (2, [["big"], ["a"], ["b"], ["c"]]),
    ],
    ids=["groups-only", "bounded", "one-a-page"],
)
async def test_group_pages_can_be_bounded_by_their_members(
    directory: DirectoryService, max_members: int | None, pages: list[list[str]]
) -> None:
    users = []
    for n in range(6):
        upn = f"u{n}@contoso.com"
        await directory.users.create({"userPrincipalName": upn, "displayName": f"U{n}"})
        users.append(upn)
    sizes = {"big": 6, "a": 2, "b": 2, "c": 1}
    for name, size in sizes.items():
        await directory.groups.create({"displayName": name})
        await directory.groups.add_members(name, users[:size])
    read: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = await directory.source.read_groups(cursor, 10, max_members=max_members)
        read.append([str(g.attributes["displayName"]) for g in page.items])
        assert all(len(g.members) == sizes[str(g.attributes["displayName"])] for g in page.items)
        if (cursor := page.cursor) is None:
            break
    assert read == pages
