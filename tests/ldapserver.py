"""A real slapd for the LDAP source's tests, and the Active Directory look-alike built on it.

``openldap_server`` starts Debian's slapd on a free port (LDAPS and StartTLS with a throwaway
CA) and seeds it online. ``FakeAD`` uses the same slapd with a schema carrying Active
Directory's attributes (``tests/fixtures/ldap/ad-attributes.schema``) and plays the parts of
AD that slapd cannot: binary ``objectGUID`` values, a ``uSNChanged`` counter bumped on every
write, tombstones (``isDeleted``). ``RangedConnection`` wraps a connection to answer like AD
does for attributes with more values than its ``MaxValRange``.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scimitar.sources.ldap.connection import Entry, LDAPConnection
from scimitar.sources.ldap.slapd import LocalSlapd, SlapdTLS
from tests.mailserver import make_certificates

__all__ = [
    "AD_SCHEMA",
    "SEED",
    "FakeAD",
    "RangedConnection",
    "openldap_server",
]

FIXTURES = Path(__file__).parent / "fixtures" / "ldap"
AD_SCHEMA = FIXTURES / "ad-attributes.schema"
SEED = FIXTURES / "seed.ldif"
SUFFIX = "dc=example,dc=org"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"


def openldap_server(workdir: Path, *, tls: bool = False) -> tuple[LocalSlapd, Path | None]:
    """A started slapd seeded with ``seed.ldif``; the CA file when ``tls``."""
    ca_file: Path | None = None
    certs = None
    if tls:
        (workdir / "tls").mkdir(parents=True)
        files = make_certificates(workdir / "tls")
        certs, ca_file = SlapdTLS(files.cert_file, files.key_file), files.ca_file
    server = LocalSlapd(workdir / "slapd", tls=certs)
    server.start()
    server.add_ldif(SEED)
    return server, ca_file


def ldif_value(name: str, value: str | bytes) -> str:
    """One LDIF line; bytes are written base64 (RFC 2849)."""
    if isinstance(value, bytes):
        return f"{name}:: {base64.b64encode(value).decode()}"
    return f"{name}: {value}"


@dataclass
class FakeAD:
    """Active Directory's change tracking and tombstones, played on a slapd.

    Every add and modify sets ``uSNChanged`` from one counter, as a domain controller does;
    :meth:`delete` turns the entry into a tombstone (``isDeleted: TRUE``), which AD keeps
    readable with the show-deleted control.
    """

    server: LocalSlapd
    usn: int = 1000
    guids: dict[str, uuid.UUID] = field(default_factory=dict)

    @classmethod
    def start(cls, workdir: Path) -> FakeAD:
        server = LocalSlapd(workdir, schemas=[AD_SCHEMA], group_class="group")
        server.start()
        server.add_ldif(
            f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\n"
            f"dc: example\n\ndn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n"
            f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n"
        )
        return cls(server)

    def _next_usn(self) -> int:
        self.usn += 1
        return self.usn

    def add_user(self, name: str, uac: int = 512, **attributes: str) -> str:
        """Add ``cn=name`` under people; returns its DN."""
        dn = f"cn={name},{PEOPLE}"
        guid = self.guids.setdefault(dn.lower(), uuid.uuid4())
        lines = [
            f"dn: {dn}",
            "objectClass: user",
            f"cn: {name}",
            f"sn: {attributes.pop('sn', name)}",
            "objectCategory: person",
            ldif_value("objectGUID", guid.bytes_le),
            f"userAccountControl: {uac}",
            f"uSNChanged: {self._next_usn()}",
            f"sAMAccountName: {name}",
            f"userPrincipalName: {name}@example.org",
        ]
        lines += [f"{key}: {value}" for key, value in attributes.items()]
        self.server.add_ldif("\n".join(lines) + "\n")
        return dn

    def add_group(self, name: str, members: Sequence[str], group_type: int = -2147483646) -> str:
        """Add ``cn=name`` under groups with ``members`` (DNs); returns its DN."""
        dn = f"cn={name},{GROUPS}"
        guid = self.guids.setdefault(dn.lower(), uuid.uuid4())
        lines = [
            f"dn: {dn}",
            "objectClass: group",
            f"cn: {name}",
            "objectCategory: group",
            ldif_value("objectGUID", guid.bytes_le),
            f"groupType: {group_type}",
            f"uSNChanged: {self._next_usn()}",
            f"sAMAccountName: {name}",
            *(f"member: {member}" for member in members),
        ]
        self.server.add_ldif("\n".join(lines) + "\n")
        return dn

    def modify(self, dn: str, **replace: str) -> None:
        """Replace attributes of ``dn`` (and bump its ``uSNChanged``)."""
        replace["uSNChanged"] = str(self._next_usn())
        changes = "-\n".join(f"replace: {key}\n{key}: {value}\n" for key, value in replace.items())
        self.server.modify_ldif(f"dn: {dn}\nchangetype: modify\n{changes}")

    def add_members(self, dn: str, members: Sequence[str]) -> None:
        """Add ``members`` to the group ``dn``."""
        lines = "".join(f"member: {m}\n" for m in members)
        usn = self._next_usn()
        self.server.modify_ldif(
            f"dn: {dn}\nchangetype: modify\nadd: member\n{lines}-\n"
            f"replace: uSNChanged\nuSNChanged: {usn}\n"
        )

    def delete(self, dn: str) -> None:
        """Make ``dn`` a tombstone."""
        self.modify(dn, isDeleted="TRUE")

    def guid(self, dn: str) -> str:
        """The anchor the reader gives ``dn``."""
        return str(self.guids[dn.lower()])


class RangedConnection:
    """A connection that answers like AD for attributes with more than ``limit`` values.

    Search results carry ``member;range=0-(limit-1)`` instead of ``member``, and a base read of
    ``member;range=L-*`` returns the next slice, named ``member;range=L-H`` or, for the last,
    ``member;range=L-*`` (MS-ADTS §3.1.1.3.1.3.3). ``shift`` moves the slice a follow-up read
    returns, to play an entry that changed between two reads.
    """

    def __init__(self, inner: LDAPConnection, limit: int, *, shift: int = 0) -> None:
        self._inner = inner
        self._limit = limit
        self._shift = shift
        self.follow_ups = 0

    def _ranged(self, entry: Mapping[str, list[bytes]]) -> dict[str, list[bytes]]:
        answer: dict[str, list[bytes]] = {}
        for name, values in entry.items():
            if name.lower() == "member" and len(values) > self._limit:
                answer[f"{name};range=0-{self._limit - 1}"] = values[: self._limit]
            else:
                answer[name] = values
        return answer

    def search_pages(
        self,
        base: str,
        filterstr: str,
        attributes: Sequence[str],
        *,
        page_size: int,
        controls: Sequence[str] = (),
    ) -> Iterator[list[Entry]]:
        for page in self._inner.search_pages(
            base, filterstr, attributes, page_size=page_size, controls=controls
        ):
            yield [(dn, self._ranged(entry)) for dn, entry in page]

    def read_entry(
        self, dn: str, attributes: Sequence[str], filterstr: str = "(objectClass=*)"
    ) -> dict[str, list[bytes]] | None:
        ranged = [a for a in attributes if ";range=" in a.lower()]
        if not ranged:
            return self._inner.read_entry(dn, attributes, filterstr)
        self.follow_ups += 1
        name, bounds = ranged[0].split(";range=", 1)
        low = int(bounds.split("-", 1)[0])
        entry = self._inner.read_entry(dn, [name], filterstr) or {}
        values = next((v for k, v in entry.items() if k.lower() == name.lower()), [])
        low_sent = low + self._shift
        high = low_sent + self._limit - 1
        part = values[low_sent : high + 1]
        label = "*" if high >= len(values) - 1 else str(high)
        return {f"{name};range={low_sent}-{label}": part}

    def root_dse(self, attributes: Sequence[str]) -> dict[str, list[bytes]]:
        return self._inner.root_dse(attributes)

    def close(self) -> None:
        self._inner.close()
