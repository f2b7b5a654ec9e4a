"""An LDAP source synced into the directory (SQLite and PostgreSQL): full, incremental, deletion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scimitar.directory.service import DirectoryService
from scimitar.secrets import Secret, SecretBox
from scimitar.settings import Settings
from scimitar.sources.config import SourceKind
from scimitar.sources.ldap.slapd import LocalSlapd
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database
from tests.integration.sources.conftest import ACTOR
from tests.ldapserver import GROUPS, PEOPLE, FakeAD, openldap_server


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[LocalSlapd]:
    server, _ = openldap_server(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sources(database: Database, settings: Settings) -> SourceService:
    return SourceService(database, SecretBox.from_settings(settings))


async def test_openldap_users_groups_and_managers_reach_the_directory(
    slapd: LocalSlapd, sources: SourceService, database: Database
) -> None:
    settings = {
        "url": slapd.url,
        "bind_dn": slapd.root_dn,
        "users_base": PEOPLE,
        "groups_base": GROUPS,
    }
    await sources.add(SourceKind.LDAP, "corp", settings, secret=Secret("secret"), actor=ACTOR)
    sync = SourceSync(database, sources)
    directory = DirectoryService(database)

    first = await sync.run("corp")
    assert first.is_complete
    alice = await directory.users.get("alice@example.org")
    bob = await directory.users.get("bob@example.org")
    assert alice.attributes["surname"] == "Archer"
    assert alice.attributes["jobTitle"] == "Engineer"
    assert alice.attributes["department"] == "Engineering"
    assert alice.attributes["employeeId"] == "1001"
    assert alice.attributes["manager"] == bob.object_id
    engineering = await directory.groups.get("engineering")
    found = await directory.source.get_group(engineering.object_id)
    assert found is not None
    assert {m.object_id for m in found.members} == {alice.object_id, bob.object_id}
    staff = await directory.source.get_group((await directory.groups.get("staff")).object_id)
    assert staff is not None
    assert {m.object_id for m in staff.members} == {
        engineering.object_id,
        (await directory.groups.get("admins")).object_id,
    }

    slapd.modify_ldif(f"dn: uid=alice,{PEOPLE}\nchangetype: modify\nreplace: title\ntitle: CTO\n")
    second = await sync.run("corp")
    assert not second.is_complete
    alice = await directory.users.get("alice@example.org")
    assert alice.attributes["jobTitle"] == "CTO"
    assert alice.attributes["manager"] == bob.object_id


async def test_an_ad_tombstone_soft_deletes_the_user(
    tmp_path: Path, sources: SourceService, database: Database
) -> None:
    ad = FakeAD.start(tmp_path)
    try:
        boss = ad.add_user("boss", mail="boss@example.org")
        ada = ad.add_user("ada", uac=514, manager=boss, employeeID="7")
        settings = {
            "url": ad.server.url,
            "bind_dn": ad.server.root_dn,
            "users_base": PEOPLE,
            "groups_base": GROUPS,
            "profile": "active-directory",
        }
        await sources.add(SourceKind.LDAP, "ad", settings, secret=Secret("secret"), actor=ACTOR)
        sync = SourceSync(database, sources)
        directory = DirectoryService(database)
        await sync.run("ad")
        user = await directory.users.get("ada@example.org")
        assert user.attributes["accountEnabled"] is False
        assert user.attributes["employeeId"] == "7"
        assert (
            user.attributes["manager"] == (await directory.users.get("boss@example.org")).object_id
        )

        ad.delete(ada)
        later = await sync.run("ad")
        assert not later.is_complete
        gone = await directory.users.get("ada@example.org")
        assert gone.deleted_at is not None
    finally:
        ad.server.stop()
