"""The active-directory profile against slapd carrying AD's attributes (see tests/ldapserver.py).

objectGUID anchors, userAccountControl to accountEnabled, groupType to securityEnabled,
uSNChanged incremental reads, tombstones, manager by DN, and ranged ``member`` retrieval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from scimitar.errors import RetryableError
from scimitar.sources.ldap import LDAPReader, LDAPSourceConfig
from scimitar.sources.ldap.connection import Entry, LDAPConnection, open_connection
from scimitar.sources.reader import ReadResult, SourceRecord
from tests.ldapserver import GROUPS, PEOPLE, FakeAD, RangedConnection


@pytest.fixture
def ad(tmp_path: Path) -> Iterator[FakeAD]:
    fake = FakeAD.start(tmp_path)
    try:
        yield fake
    finally:
        fake.server.stop()


def _config(ad: FakeAD, **options: object) -> LDAPSourceConfig:
    settings: dict[str, object] = {
        "url": ad.server.url,
        "bind_dn": ad.server.root_dn,
        "users_base": PEOPLE,
        "groups_base": GROUPS,
        "profile": "active-directory",
        "page_size": 3,
    }
    settings.update(options)
    return LDAPSourceConfig.from_dict(settings)


def _records(result: ReadResult) -> dict[str, SourceRecord]:
    assert isinstance(result.records, list)
    return {r.anchor: r for r in result.records}


async def test_guid_anchor_account_state_and_manager(ad: FakeAD) -> None:
    boss = ad.add_user("boss", department="Sales", employeeID="42")
    ada = ad.add_user("ada", uac=514, manager=boss, title="Rep")
    sales = ad.add_group("sales", [ada, boss])
    result = await LDAPReader(_config(ad), "secret").read(since=None)

    records = _records(result)
    assert set(records) == {ad.guid(boss), ad.guid(ada), ad.guid(sales)}
    assert records[ad.guid(boss)].attributes["accountEnabled"] == "True"
    assert records[ad.guid(ada)].attributes["accountEnabled"] == "False"  # 514 = 512 | disabled
    assert records[ad.guid(ada)].attributes["manager"] == ad.guid(boss)
    assert records[ad.guid(ada)].attributes["objectGUID"] == ad.guid(ada)
    group = records[ad.guid(sales)]
    assert group.kind == "group"
    assert set(group.members or ()) == {ad.guid(ada), ad.guid(boss)}
    assert group.attributes["securityEnabled"] == "True"
    assert result.watermark["usn"] == ad.usn


async def test_usn_changed_incremental_and_tombstones(ad: FakeAD) -> None:
    keep = ad.add_user("keep")
    edit = ad.add_user("edit")
    gone = ad.add_user("gone")
    team = ad.add_group("team", [keep])
    reader = LDAPReader(_config(ad), "secret")
    first = await reader.read(since=None)

    ad.modify(edit, title="Manager")
    ad.delete(gone)
    ad.add_members(team, [edit])
    later = await reader.read(since=dict(first.watermark))

    assert not later.complete
    records = _records(later)
    assert set(records) == {ad.guid(edit), ad.guid(gone), ad.guid(team)}
    assert records[ad.guid(edit)].attributes["title"] == "Manager"
    assert records[ad.guid(gone)].deleted
    assert records[ad.guid(gone)].kind == "user"
    assert set(records[ad.guid(team)].members or ()) == {ad.guid(keep), ad.guid(edit)}
    assert later.watermark["usn"] == ad.usn
    quiet = await reader.read(since=dict(later.watermark))
    assert quiet.records == []


async def test_a_tombstone_is_not_read_as_a_live_user(ad: FakeAD) -> None:
    gone = ad.add_user("gone")
    ad.delete(gone)
    result = await LDAPReader(_config(ad), "secret").read(since=None)
    assert result.complete
    assert result.records == []


async def test_ranged_member_values_are_all_read(ad: FakeAD) -> None:
    users = [ad.add_user(f"u{i:02d}") for i in range(23)]
    big = ad.add_group("big", users)
    config = _config(ad)
    seen: list[RangedConnection] = []

    def connect() -> RangedConnection:
        seen.append(RangedConnection(open_connection(config, "secret"), limit=5))
        return seen[-1]

    result = await LDAPReader(config, "secret", connect=connect).read(since=None)
    group = _records(result)[ad.guid(big)]
    assert set(group.members or ()) == {ad.guid(dn) for dn in users}
    assert seen[0].follow_ups == 4  # 0-4 in the search, then 5-9, 10-14, 15-19, 20-*


async def test_ranges_that_do_not_follow_on_fail_the_read(ad: FakeAD) -> None:
    users = [ad.add_user(f"u{i:02d}") for i in range(8)]
    ad.add_group("big", users)
    config = _config(ad)

    def connect() -> RangedConnection:
        return RangedConnection(open_connection(config, "secret"), limit=5, shift=1)

    with pytest.raises(RetryableError, match="did not follow on at 5"):
        await LDAPReader(config, "secret", connect=connect).read(since=None)


class RootDSEWithUSN:
    """A connection whose root DSE reports ``highestCommittedUSN`` as a domain controller does,
    read from the fake DC's counter when asked; ``during_read`` runs after the first page."""

    def __init__(self, inner: LDAPConnection, ad: FakeAD, during_read: Callable[[], None]) -> None:
        self._inner = inner
        self._ad = ad
        self._during_read = during_read

    def search_pages(
        self,
        base: str,
        filterstr: str,
        attributes: Sequence[str],
        *,
        page_size: int,
        controls: Sequence[str] = (),
    ) -> Iterator[list[Entry]]:
        pages = self._inner.search_pages(
            base, filterstr, attributes, page_size=page_size, controls=controls
        )
        for index, page in enumerate(pages):
            yield page
            if index == 0:
                self._during_read()

    def read_entry(
        self, dn: str, attributes: Sequence[str], filterstr: str = "(objectClass=*)"
    ) -> dict[str, list[bytes]] | None:
        return self._inner.read_entry(dn, attributes, filterstr)

    def root_dse(self, attributes: Sequence[str]) -> dict[str, list[bytes]]:
        found = self._inner.root_dse(attributes)
        if "highestCommittedUSN" in attributes:
            found["highestCommittedUSN"] = [str(self._ad.usn).encode()]
        return found

    def close(self) -> None:
        self._inner.close()


async def test_the_watermark_is_the_usn_before_the_read_so_changes_during_it_come_next(
    ad: FakeAD,
) -> None:
    early = ad.add_user("early")
    late = ad.add_user("late")
    config = _config(ad, page_size=1)
    edits: list[str] = []

    def edit_once() -> None:
        if not edits:  # the first page is read: "early" changes while the read goes on
            edits.append(early)
            ad.modify(early, title="Changed during the read")

    def connect() -> RootDSEWithUSN:
        return RootDSEWithUSN(open_connection(config, "secret"), ad, edit_once)

    reader = LDAPReader(config, "secret", connect=connect)
    first = await reader.read(since=None)
    # The root DSE's USN is read before the search: the edit made during it is above the mark.
    assert first.watermark["usn"] == ad.usn - 1
    later = await reader.read(since=dict(first.watermark))
    records = _records(later)
    assert ad.guid(early) in records
    assert records[ad.guid(early)].attributes["title"] == "Changed during the read"
    assert ad.guid(late) not in records
