"""A source's records applied to the directory: create, match, update, precedence, deletion."""

from __future__ import annotations

import pytest

from scimitar.directory.service import DirectoryService
from scimitar.errors import NotFoundError
from scimitar.sources.logstore import SourceLogFilter, SourceLogStore
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database
from tests.integration.sources.conftest import ACTOR, add_source, feed, group, user

ADA = {
    "userPrincipalName": "ada@contoso.com",
    "employeeId": "E1",
    "givenName": "Ada",
    "department": "R&D",
}
BOB = {
    "userPrincipalName": "bob@contoso.com",
    "employeeId": "E2",
    "givenName": "Bob",
    "manager": "e1",
}


async def test_a_full_read_creates_users_groups_managers_and_logs_them(
    sync: SourceSync, sources: SourceService, directory: DirectoryService, database: Database
) -> None:
    await add_source(sources, "hr")
    records = [
        user("e2", **BOB),
        user("e1", **ADA),
        user("e3", userPrincipalName="cy@contoso.com"),
        user("e4", userPrincipalName="di@contoso.com"),
        group("g1", ["e1", "e2", "nobody"], displayName="Engineering"),
    ]
    summary = await feed(sync, sources, "hr", records)
    assert summary.counts["created"] == 5
    ada = await directory.users.get("ada@contoso.com")
    bob = await directory.users.get("bob@contoso.com")
    assert ada.attributes["department"] == "R&D"
    assert bob.attributes["manager"] == ada.object_id
    engineering = await directory.groups.get("Engineering")
    members = await directory.source.get_group(engineering.object_id)
    assert members is not None
    assert {m.object_id for m in members.members} == {ada.object_id, bob.object_id}
    feed_page = await directory.source.read_changes(None, limit=100)
    created = {
        (c.object_type.value, c.object_id) for c in feed_page.changes if c.kind.value == "created"
    }
    assert {("user", ada.object_id), ("group", engineering.object_id)} <= created
    page = await SourceLogStore(database).query(
        (await sources.get("hr")).id, SourceLogFilter(run=summary.run_id)
    )
    assert len(page.records) == 5
    assert {entry.record.action.value for entry in page.records} == {"create"}
    again = await feed(sync, sources, "hr", records)
    assert (again.counts["unchanged"], again.counts["created"]) == (5, 0)


async def test_matching_links_an_existing_user_by_employee_id_then_upn(
    sync: SourceSync, sources: SourceService, directory: DirectoryService
) -> None:
    made = await directory.users.create(
        {"userPrincipalName": "old-ada@contoso.com", "employeeId": "E1"}
    )
    upn_only = await directory.users.create({"userPrincipalName": "bob@contoso.com"})
    await add_source(sources, "hr")
    summary = await feed(
        sync, sources, "hr", [user("e1", **ADA), user("e2", **{**BOB, "manager": None})]
    )
    assert (summary.counts["updated"], summary.counts["created"]) == (2, 0)
    assert (await directory.users.get(made.object_id)).attributes[
        "userPrincipalName"
    ] == "ada@contoso.com"
    assert (await directory.users.get(upn_only.object_id)).attributes["employeeId"] == "E2"


async def test_a_bad_value_fails_its_record_only(
    sync: SourceSync, sources: SourceService, directory: DirectoryService, database: Database
) -> None:
    source = await add_source(sources, "hr")
    summary = await feed(
        sync, sources, "hr", [user("e1", **ADA), user("e9", userPrincipalName="not-an-upn")]
    )
    assert (summary.counts["created"], summary.counts["failed"]) == (1, 1)
    failures = await SourceLogStore(database).query(source.id, SourceLogFilter(user="e9"))
    error = failures.records[0].record.error
    assert error is not None
    assert "userPrincipalName" in error.reason
    with pytest.raises(NotFoundError):
        await directory.users.get("not-an-upn")


@pytest.mark.parametrize(
    ("rule", "expect_deleted", "expect_enabled"),
    [("soft-delete", True, True), ("disable", False, False)],
    ids=["soft-delete", "disable"],
)
async def test_a_vanished_user_follows_the_deletion_rule_and_comes_back(
    sync: SourceSync,
    sources: SourceService,
    directory: DirectoryService,
    rule: str,
    expect_deleted: bool,
    expect_enabled: bool,
) -> None:
    await add_source(sources, "hr")
    await sources.update_settings("hr", {"deletion_rule": rule}, actor=ACTOR)
    await feed(sync, sources, "hr", [user("e1", **ADA), user("e2", **BOB)])
    summary = await feed(sync, sources, "hr", [user("e1", **ADA)])
    assert summary.counts["deleted" if expect_deleted else "disabled"] == 1
    bob = await directory.users.get("bob@contoso.com")
    assert bob.is_deleted is expect_deleted
    assert (bob.attributes.get("accountEnabled") is not False) is expect_enabled
    again = await feed(sync, sources, "hr", [user("e1", **ADA)])
    assert again.counts["deleted"] + again.counts["disabled"] == 0
    back = await feed(sync, sources, "hr", [user("e1", **ADA), user("e2", **BOB)])
    assert back.counts["restored"] + back.counts["updated"] == 1
    bob = await directory.users.get("bob@contoso.com")
    assert not bob.is_deleted
    assert bob.attributes.get("accountEnabled") is True


async def test_deletions_beyond_the_threshold_are_held(
    sync: SourceSync, sources: SourceService, directory: DirectoryService
) -> None:
    await add_source(sources, "hr")
    await sources.update_settings("hr", {"delete_threshold": 1}, actor=ACTOR)
    await feed(
        sync,
        sources,
        "hr",
        [user("e1", **ADA), user("e2", **BOB), user("e3", userPrincipalName="cy@contoso.com")],
    )
    summary = await feed(sync, sources, "hr", [user("e1", **ADA)])
    assert (summary.counts["held"], summary.counts["deleted"]) == (2, 0)
    assert not (await directory.users.get("cy@contoso.com")).is_deleted
    incremental = await feed(sync, sources, "hr", [user("e1", **ADA)], complete=False)
    assert incremental.counts["held"] == 0


async def test_precedence_per_attribute_across_two_sources(
    sync: SourceSync, sources: SourceService, directory: DirectoryService
) -> None:
    await add_source(sources, "hr")
    await add_source(sources, "ad")
    await sources.update_settings("hr", {"precedence": 10}, actor=ACTOR)
    await sources.update_settings(
        "ad", {"precedence": 20, "attribute_precedence": {"department": 5}}, actor=ACTOR
    )
    await feed(sync, sources, "hr", [user("hr-1", **ADA)])
    await feed(
        sync,
        sources,
        "ad",
        [
            user(
                "AD-GUID-1",
                userPrincipalName="ada@contoso.com",
                employeeId="E1",
                givenName="Adeline",
                department="Research",
            )
        ],
    )
    ada = await directory.users.get("ada@contoso.com")
    assert ada.attributes["givenName"] == "Ada"  # hr wins overall
    assert ada.attributes["department"] == "Research"  # ad wins department
    await feed(
        sync, sources, "hr", [user("hr-1", **{**ADA, "givenName": "Augusta", "department": "Ops"})]
    )
    ada = await directory.users.get("ada@contoso.com")
    assert (ada.attributes["givenName"], ada.attributes["department"]) == ("Augusta", "Research")
    summary = await feed(sync, sources, "hr", [])
    assert summary.counts["released"] == 1
    ada = await directory.users.get("ada@contoso.com")
    assert not ada.is_deleted
    assert ada.attributes["givenName"] == "Adeline"  # the remaining source's value takes over
