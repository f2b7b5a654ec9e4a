"""The LDAP reader against a real slapd (openldap profile): full and incremental reads, TLS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scimitar.errors import JobError, RetryableError
from scimitar.sources.ldap import LDAPReader, LDAPSourceConfig
from scimitar.sources.ldap.slapd import LocalSlapd
from scimitar.sources.reader import ReadResult, SourceRecord
from tests.ldapserver import GROUPS, PEOPLE, openldap_server

Served = tuple[LocalSlapd, Path | None]


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[Served]:
    server, ca_file = openldap_server(tmp_path, tls=True)
    try:
        yield server, ca_file
    finally:
        server.stop()


def _config(server: LocalSlapd, **options: object) -> LDAPSourceConfig:
    settings: dict[str, object] = {
        "url": server.url,
        "bind_dn": server.root_dn,
        "users_base": PEOPLE,
        "groups_base": GROUPS,
        "page_size": 2,
    }
    settings.update(options)
    return LDAPSourceConfig.from_dict(settings)


def _by_name(result: ReadResult, kind: str, key: str = "cn") -> dict[str, SourceRecord]:
    assert isinstance(result.records, list)
    return {str(r.attributes[key]): r for r in result.records if r.kind == kind}


async def test_full_read_gives_users_groups_members_and_managers(slapd: Served) -> None:
    server, _ = slapd
    result = await LDAPReader(_config(server), server.root_password).read(since=None)

    assert result.complete
    users = _by_name(result, "user", "uid")
    assert sorted(users) == ["alice", "bob", "carol"]  # the printer is outside the users base
    alice = users["alice"]
    assert alice.attributes["mail"] == "alice@example.org"
    assert alice.attributes["l"] == "Zürich"
    assert "userPassword" not in alice.attributes
    assert alice.attributes["manager"] == users["bob"].anchor
    assert alice.attributes["memberOf"] == (f"cn=engineering,{GROUPS}",)
    assert len(alice.anchor) == 36  # entryUUID
    groups = _by_name(result, "group")
    assert set(groups["engineering"].members or ()) == {users["alice"].anchor, users["bob"].anchor}
    assert groups["admins"].members == (users["carol"].anchor,)  # the printer is not a source user
    assert set(groups["staff"].members or ()) == {
        groups["engineering"].anchor,
        groups["admins"].anchor,
    }
    assert groups["auditors"].members == (users["carol"].anchor,)  # uniqueMember, #'...'B dropped


async def test_incremental_read_gives_only_changed_entries(slapd: Served) -> None:
    server, _ = slapd
    reader = LDAPReader(_config(server), server.root_password)
    first = await reader.read(since=None)
    server.modify_ldif(
        f"dn: uid=carol,{PEOPLE}\nchangetype: modify\nreplace: title\ntitle: Auditor\n-\n"
        "replace: manager\nmanager: uid=bob,ou=people,dc=example,dc=org\n"
    )
    server.modify_ldif(
        f"dn: cn=admins,{GROUPS}\nchangetype: modify\nadd: member\nmember: uid=alice,{PEOPLE}\n"
    )
    changed = await reader.read(since=dict(first.watermark))

    assert not changed.complete
    users = _by_name(changed, "user", "uid")
    assert users["carol"].attributes["title"] == "Auditor"
    bob = _by_name(first, "user", "uid")["bob"]
    assert users["carol"].attributes["manager"] == bob.anchor  # bob looked up by DN
    admins = _by_name(changed, "group")["admins"]
    alice = _by_name(first, "user", "uid")["alice"]
    assert alice.anchor in (admins.members or ())


async def test_incremental_read_skips_what_did_not_change(slapd: Served) -> None:
    server, _ = slapd
    reader = LDAPReader(_config(server), server.root_password)
    first = await reader.read(since=None)
    watermark = dict(first.watermark)
    watermark["modifyTimestamp"] = "29990101000000Z"  # as if every entry were older
    later = await reader.read(since=watermark)
    assert later.records == []
    assert later.watermark["modifyTimestamp"] == "29990101000000Z"


async def test_a_full_read_comes_back_after_the_interval(slapd: Served) -> None:
    server, _ = slapd
    now = [1_000_000.0]
    reader = LDAPReader(
        _config(server, full_read_interval=3600), server.root_password, clock=lambda: now[0]
    )
    first = await reader.read(since=None)
    now[0] += 3599
    assert not (await reader.read(since=dict(first.watermark))).complete
    server.modify_ldif(f"dn: uid=carol,{PEOPLE}\nchangetype: delete\n")
    now[0] += 1
    full = await reader.read(since=dict(first.watermark))
    assert full.complete
    assert "carol" not in _by_name(full, "user", "uid")
    assert full.watermark["lastFullRead"] == now[0]


async def test_changed_settings_mean_a_full_read(slapd: Served) -> None:
    server, _ = slapd
    first = await LDAPReader(_config(server), server.root_password).read(since=None)
    narrower = LDAPReader(_config(server, users_base=f"uid=alice,{PEOPLE}"), server.root_password)
    again = await narrower.read(since=dict(first.watermark))
    assert again.complete
    assert sorted(_by_name(again, "user", "uid")) == ["alice"]


async def test_user_filter_narrows_the_read(slapd: Served) -> None:
    server, _ = slapd
    config = _config(server, user_filter="(title=Engineer)", groups_base="")
    result = await LDAPReader(config, server.root_password).read(since=None)
    assert sorted(_by_name(result, "user", "uid")) == ["alice"]
    assert _by_name(result, "group") == {}


@pytest.mark.parametrize("mode", ["ldaps", "starttls"])
async def test_tls_with_the_ca_file(slapd: Served, mode: str) -> None:
    server, ca_file = slapd
    url = server.ldaps_url if mode == "ldaps" else server.url
    config = _config(server, url=url, start_tls=mode == "starttls", ca_file=str(ca_file))
    result = await LDAPReader(config, server.root_password).read(since=None)
    assert len(_by_name(result, "user", "uid")) == 3


@pytest.mark.parametrize("mode", ["ldaps", "starttls"])
async def test_tls_refuses_an_unknown_ca(slapd: Served, mode: str) -> None:
    server, _ = slapd
    url = server.ldaps_url if mode == "ldaps" else server.url
    reader = LDAPReader(_config(server, url=url, start_tls=mode == "starttls"), "secret")
    with pytest.raises(JobError, match=r"certificate|TLS"):
        await reader.read(since=None)
    report = await reader.test()
    assert not report.is_ok


async def test_a_wrong_password_stops_the_read(slapd: Served) -> None:
    server, _ = slapd
    reader = LDAPReader(_config(server), "not the password")
    with pytest.raises(JobError, match="bind DN and password"):
        await reader.read(since=None)


async def test_a_server_that_is_down_can_be_retried(slapd: Served) -> None:
    server, _ = slapd
    config = _config(server)
    server.stop()
    with pytest.raises(RetryableError):
        await LDAPReader(config, "secret").read(since=None)


async def test_test_reports_the_server(slapd: Served) -> None:
    server, ca_file = slapd
    config = _config(server, start_tls=True, ca_file=str(ca_file))
    report = await LDAPReader(config, server.root_password).test()
    assert report.is_ok, report.message
    assert report.details["userFound"] is True
    assert report.details["groupFound"] is True
    assert report.details["pagedResults"] is True
    assert report.details["tls"] is True


async def test_member_values_naming_nothing_are_dropped(slapd: Served) -> None:
    server, _ = slapd
    reader = LDAPReader(_config(server), server.root_password)
    first = await reader.read(since=None)
    server.modify_ldif(
        f"dn: cn=admins,{GROUPS}\nchangetype: modify\nadd: member\n"
        f"member: uid=nobody,{PEOPLE}\nmember: cn=gone,ou=machines,dc=example,dc=org\n"
    )
    later = await reader.read(since=dict(first.watermark))
    admins = _by_name(later, "group")["admins"]
    carol = _by_name(first, "user", "uid")["carol"]
    assert admins.members == (carol.anchor,)
