"""The LDAP source reader: full and incremental reads of users and groups, with deletions.

A read runs in one worker thread (python-ldap is synchronous) over one bound connection:

1. Active Directory: the root DSE's ``highestCommittedUSN`` is read first; everything changed
   after that point has a higher ``uSNChanged`` and is found by the next read.
2. Users, then groups, in pages (RFC 2696); on an incremental read only the entries changed
   since the watermark (``modifyTimestamp`` or ``uSNChanged``). Ranged ``member`` values are
   followed (:mod:`~scimitar.sources.ldap.ranges`).
3. DNs become anchors: a group's members and a user's ``manager``. DNs not read in this pass
   (an incremental read) are looked up one by one (a base-scope read with the filters, which
   works alike on every server); DNs outside the bases and filters are dropped, as the objects
   they name are not the source's.
4. Deletions: Active Directory's tombstones (``isDeleted``, read with the show-deleted
   control) on incremental reads; and on every server a full read every
   ``full_read_interval`` seconds, returned ``complete`` so the sync deletes what is gone
   (OpenLDAP keeps no tombstones; an AD bind account may not be allowed to read them).

The ``modifyTimestamp`` watermark is the newest timestamp seen, and the next read starts the
read's duration (plus 2 s) before it: an entry changed during a read, after its page was read,
is older than the newest entry seen by at most that long.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scimitar.errors import ConfigError, JobError, RetryableError, ScimitarError
from scimitar.sources.ldap.config import LDAPSourceConfig
from scimitar.sources.ldap.connection import SHOW_DELETED_OID, LDAPConnection, open_connection
from scimitar.sources.ldap.entries import ParsedEntry, parse_entry
from scimitar.sources.ldap.profiles import ChangeTracking
from scimitar.sources.ldap.ranges import collect_ranged
from scimitar.sources.ldap.values import decode_text, normalise_dn
from scimitar.sources.reader import ReadResult, RecordKind, SourceRecord, TestReport

__all__ = ["LDAPReader"]

_OVERLAP_MARGIN = 2
_TIME_FORMAT = "%Y%m%d%H%M%SZ"
# A watermark before any entry: the next read takes every entry, without deleting.
_EPOCH_STAMP = "19700101000000Z"

Connect = Callable[[], LDAPConnection]


@dataclass(slots=True)
class _Pass:
    """What one read gathered, before DNs are resolved."""

    users: list[ParsedEntry] = field(default_factory=list)
    groups: list[ParsedEntry] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)
    newest: str = ""
    deleted: list[SourceRecord] = field(default_factory=list)


class LDAPReader:
    """Reads one LDAP directory (see the module docstring).

    Args:
        config: The source's settings.
        password: The bind password.
        connect: Opens a bound connection; by default python-ldap with ``config``.
        clock: Seconds since the epoch (for the full-read interval).
    """

    def __init__(
        self,
        config: LDAPSourceConfig,
        password: str,
        *,
        connect: Connect | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._profile = config.profile_spec
        self._connect = connect or (lambda: open_connection(config, password))
        self._clock = clock

    async def read(self, *, since: dict[str, object] | None) -> ReadResult:
        """Read everything, or what changed since the watermark ``since``.

        Raises:
            JobError: The bind or TLS failed.
            RetryableError: The server could not be reached.
            ConfigError: The server refused a base or a filter.
        """
        return await asyncio.to_thread(self.read_now, since)

    async def test(self) -> TestReport:
        """Connect, bind, read the root DSE and one entry of each base."""
        return await asyncio.to_thread(self.test_now)

    # The synchronous work, run in a worker thread.

    def read_now(self, since: dict[str, object] | None) -> ReadResult:
        """:meth:`read`, in the calling thread."""
        with _collector_paused():
            return self._read(since)

    def _read(self, since: dict[str, object] | None) -> ReadResult:
        started = time.monotonic()
        is_full = self._wants_full_read(since)
        connection = self._connect()
        try:
            mark = self._usn_mark(connection)
            gathered = _Pass()
            condition = "" if is_full else self._changed_since(since or {})
            self._read_kind(connection, gathered, "user", condition)
            self._read_kind(connection, gathered, "group", condition)
            if not is_full:
                self._resolve_missing(connection, gathered)
                if self._profile.has_tombstones:
                    self._read_tombstones(connection, gathered, condition)
            records = self._records(gathered)
        finally:
            connection.close()
        watermark = self._watermark(since, gathered, mark, is_full, time.monotonic() - started)
        return ReadResult(records=records, complete=is_full, watermark=watermark)

    def _wants_full_read(self, since: dict[str, object] | None) -> bool:
        if not since or since.get("profile") != self._profile.name:
            return True
        if (
            since.get("url") != self._config.url
            or since.get("usersBase") != self._config.users_base
        ):
            return True
        tracking = self._profile.change_tracking
        if tracking is ChangeTracking.MODIFY_TIMESTAMP and not since.get("modifyTimestamp"):
            return True
        if tracking is ChangeTracking.USN_CHANGED and not isinstance(since.get("usn"), int):
            return True
        last_full = since.get("lastFullRead")
        if not isinstance(last_full, int | float):
            return True
        return self._clock() - last_full >= self._config.full_read_interval

    def _changed_since(self, since: dict[str, object]) -> str:
        if self._profile.change_tracking is ChangeTracking.USN_CHANGED:
            return f"(uSNChanged>={int(str(since['usn'])) + 1})"
        newest = _parse_time(str(since["modifyTimestamp"]))
        overlap = since.get("overlapSeconds")
        seconds = overlap if isinstance(overlap, int) else _OVERLAP_MARGIN
        start = (newest - timedelta(seconds=seconds)).strftime(_TIME_FORMAT)
        return f"(modifyTimestamp>={start})"

    def _usn_mark(self, connection: LDAPConnection) -> int | None:
        if self._profile.change_tracking is not ChangeTracking.USN_CHANGED:
            return None
        values = connection.root_dse(["highestCommittedUSN"]).get("highestCommittedUSN")
        return int(values[0]) if values else None

    def _filter(self, kind: str, condition: str) -> str:
        profile, config = self._profile, self._config
        parts = [profile.user_filter if kind == "user" else profile.group_filter]
        extra = config.user_filter if kind == "user" else config.group_filter
        parts += [part for part in (extra, condition) if part]
        if profile.has_tombstones:
            parts.append("(!(isDeleted=TRUE))")
        return parts[0] if len(parts) == 1 else "(&" + "".join(parts) + ")"

    def _attributes(self) -> list[str]:
        tracking = self._profile.change_tracking.value
        return ["*", self._profile.anchor, tracking, *self._profile.operational]

    def _read_kind(
        self, connection: LDAPConnection, gathered: _Pass, kind: str, condition: str
    ) -> None:
        base = self._config.users_base if kind == "user" else self._config.groups_base
        if not base:
            return
        pages = connection.search_pages(
            base,
            self._filter(kind, condition),
            self._attributes(),
            page_size=self._config.page_size,
        )
        for page in pages:
            self._take_page(connection, gathered, kind, page)

    def _take_page(
        self,
        connection: LDAPConnection,
        gathered: _Pass,
        kind: str,
        page: Iterable[tuple[str, dict[str, list[bytes]]]],
    ) -> None:
        profile = self._profile
        tracking = profile.change_tracking.value
        into = gathered.users if kind == "user" else gathered.groups
        for dn, raw in page:
            members = None
            if kind == "group":
                members = {
                    name: collect_ranged(connection, dn, raw, name)
                    for name in profile.member_attributes
                }
            entry = parse_entry(profile, dn, raw, members)
            if entry is None:
                continue
            into.append(entry)
            gathered.anchors[normalise_dn(dn)] = entry.anchor
            stamp = raw.get(tracking)
            if stamp:
                gathered.newest = _newer(
                    gathered.newest, decode_text(stamp[0]), profile.change_tracking
                )

    def _resolve_missing(self, connection: LDAPConnection, gathered: _Pass) -> None:
        wanted: dict[str, str] = {}
        for entry in gathered.users:
            if entry.manager_dn:
                wanted.setdefault(normalise_dn(entry.manager_dn), entry.manager_dn)
        for entry in gathered.groups:
            for dn in entry.member_dns:
                wanted.setdefault(normalise_dn(dn), dn)
        missing = [dn for key, dn in wanted.items() if key not in gathered.anchors]
        if not missing:
            return
        bases = [normalise_dn(b) for b in (self._config.users_base, self._config.groups_base) if b]
        in_scope = f"(|{self._filter('user', '')}{self._filter('group', '')})"
        for dn in missing:
            key = normalise_dn(dn)
            if not any(key == base or key.endswith("," + base) for base in bases):
                continue
            raw = connection.read_entry(dn, [self._profile.anchor], in_scope)
            found = parse_entry(self._profile, dn, raw) if raw else None
            if found is not None:
                gathered.anchors[key] = found.anchor

    def _read_tombstones(self, connection: LDAPConnection, gathered: _Pass, condition: str) -> None:
        root = connection.root_dse(["defaultNamingContext"]).get("defaultNamingContext")
        base = decode_text(root[0]) if root else self._config.users_base
        wanted = (
            f"(&(isDeleted=TRUE){condition}(|(objectClass=user)(objectClass=group))"
            "(!(objectClass=computer)))"
        )
        attributes = [self._profile.anchor, "objectClass", "uSNChanged"]
        pages = connection.search_pages(
            base, wanted, attributes, page_size=self._config.page_size, controls=[SHOW_DELETED_OID]
        )
        for page in pages:
            for dn, raw in page:
                entry = parse_entry(self._profile, dn, raw)
                if entry is None:
                    continue
                classes = {c.lower() for c in _as_tuple(entry.attributes.get("objectClass"))}
                kind: RecordKind = "group" if "group" in classes else "user"
                gathered.deleted.append(SourceRecord(entry.anchor, kind, {}, None, deleted=True))

    def _records(self, gathered: _Pass) -> list[SourceRecord]:
        anchors = gathered.anchors
        records: list[SourceRecord] = []
        derive_user = self._profile.derive_user
        for entry in gathered.users:
            attributes = entry.attributes
            attributes.update(derive_user(attributes))
            if entry.manager_dn is not None:
                manager = anchors.get(normalise_dn(entry.manager_dn))
                if manager is not None:
                    attributes["manager"] = manager
            records.append(SourceRecord(entry.anchor, "user", attributes, None))
        derive_group = self._profile.derive_group
        for entry in gathered.groups:
            attributes = entry.attributes
            attributes.update(derive_group(attributes))
            members = [anchors.get(normalise_dn(dn)) for dn in entry.member_dns]
            known = tuple(dict.fromkeys(m for m in members if m is not None and m != entry.anchor))
            records.append(SourceRecord(entry.anchor, "group", attributes, known))
        records.extend(gathered.deleted)
        return records

    def _watermark(
        self,
        since: dict[str, object] | None,
        gathered: _Pass,
        mark: int | None,
        is_full: bool,
        seconds: float,
    ) -> dict[str, object]:
        previous = since or {}
        last_full = self._clock() if is_full else previous.get("lastFullRead")
        watermark: dict[str, object] = {
            "profile": self._profile.name,
            "url": self._config.url,
            "usersBase": self._config.users_base,
            "lastFullRead": last_full,
        }
        if self._profile.change_tracking is ChangeTracking.USN_CHANGED:
            seen = int(gathered.newest) if gathered.newest else None
            previous_usn = previous.get("usn") if not is_full else None
            candidates = [u for u in (mark, seen, previous_usn) if isinstance(u, int)]
            watermark["usn"] = mark if mark is not None else max(candidates, default=0)
        else:
            previous_stamp = "" if is_full else str(previous.get("modifyTimestamp") or "")
            newest = _newer(previous_stamp, gathered.newest, ChangeTracking.MODIFY_TIMESTAMP)
            watermark["modifyTimestamp"] = newest or _EPOCH_STAMP
            watermark["overlapSeconds"] = math.ceil(seconds) + _OVERLAP_MARGIN
        return watermark

    def test_now(self) -> TestReport:
        """:meth:`test`, in the calling thread."""
        details: dict[str, object] = {"url": self._config.url, "tls": self._config.is_tls}
        try:
            started = time.monotonic()
            connection = self._connect()
            details["bindSeconds"] = round(time.monotonic() - started, 3)
            try:
                self._probe(connection, details)
            finally:
                connection.close()
        except (JobError, RetryableError, ConfigError) as exc:
            return TestReport(False, str(exc), details)
        except ScimitarError as exc:
            return TestReport(False, f"LDAP source at {self._config.url}: {exc}", details)
        return TestReport(True, f"connected to {self._config.url} and read both bases", details)

    def _probe(self, connection: LDAPConnection, details: dict[str, Any]) -> None:
        root = connection.root_dse(["vendorName", "vendorVersion", "supportedControl"])
        details["vendor"] = decode_text(root["vendorName"][0]) if root.get("vendorName") else ""
        controls = {decode_text(v) for v in root.get("supportedControl", [])}
        details["pagedResults"] = "1.2.840.113556.1.4.319" in controls
        for kind in ("user", "group"):
            base = self._config.users_base if kind == "user" else self._config.groups_base
            if not base:
                continue
            pages = connection.search_pages(
                base, self._filter(kind, ""), [self._profile.anchor], page_size=1
            )
            first = next(iter(pages), [])
            details[f"{kind}Found"] = bool(first)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one read.

    A read builds a few small containers per attribute of every entry and keeps them all; the
    collector's generational passes then walk them again and again. Measured on 30,300 entries
    (12 attributes) in one run: 14.1 s and 13.1 s with it, 7.6 s without. Reference counting
    still frees everything short-lived; cycles made meanwhile wait for the read to end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _as_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    return (value,) if isinstance(value, str) else ()


def _newer(current: str, candidate: str, tracking: ChangeTracking) -> str:
    if not current:
        return candidate
    if not candidate:
        return current
    if tracking is ChangeTracking.USN_CHANGED:
        return candidate if int(candidate) > int(current) else current
    # GeneralizedTime's first 14 digits (YYYYMMDDHHMMSS) order as text: no date parsing.
    return candidate if _time_key(candidate) > _time_key(current) else current


def _time_key(text: str) -> str:
    key = text[:14]
    if len(key) != 14 or not key.isdigit():
        raise ConfigError(f"LDAP source: {text!r} is not a GeneralizedTime timestamp")
    return key


def _parse_time(text: str) -> datetime:
    """GeneralizedTime (RFC 4517 §3.3.13) as slapd and AD write it: ``YYYYMMDDHHMMSS[.f]Z``."""
    digits = text.rstrip("Zz").split(".", 1)[0].split(",", 1)[0]
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ConfigError(f"LDAP source: {text!r} is not a GeneralizedTime timestamp") from exc
