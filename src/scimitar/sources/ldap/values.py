"""Turning raw LDAP values into the strings a source record carries.

LDAP hands over every value as bytes. Text is UTF-8 (RFC 4517 §3.3.6); a few attributes are
binary and have a canonical text form: Active Directory's ``objectGUID`` is 16 bytes whose first
three fields are little-endian (MS-DTYP §2.3.4.2, shown as ``{...}`` in AD's own tools), and
``objectSid`` is a SID (MS-DTYP §2.4.2.2) shown as ``S-1-5-...``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

import ldap.dn

__all__ = ["decode_guid", "decode_sid", "decode_text", "normalise_dn"]

_NEEDS_PARSER = re.compile(r'[\\"+#;<>]')


def decode_guid(raw: bytes) -> str:
    """Active Directory's ``objectGUID`` as its canonical lower-case GUID string.

    Raises:
        ValueError: Not 16 bytes.
    """
    return str(uuid.UUID(bytes_le=raw))


def decode_sid(raw: bytes) -> str:
    """A binary SID as ``S-R-I-S1-S2-...``.

    Raises:
        ValueError: Shorter than its sub-authority count says.
    """
    count = raw[1]
    if len(raw) < 8 + 4 * count:
        raise ValueError("truncated SID")
    authority = int.from_bytes(raw[2:8], "big")
    subs = [int.from_bytes(raw[8 + 4 * i : 12 + 4 * i], "little") for i in range(count)]
    return "-".join(["S", str(raw[0]), str(authority), *map(str, subs)])


def decode_text(raw: bytes) -> str:
    """A text value; bytes that are not UTF-8 are replaced rather than failing the read."""
    return raw.decode("utf-8", errors="replace")


def normalise_dn(dn: str) -> str:
    """A DN in one spelling, for comparing DNs written by different servers or people.

    Attribute types and values are compared case-insensitively (as ``distinguishedNameMatch``
    does for the case-insensitive attributes DNs are made of in practice), spaces around
    separators are dropped and escapes are made uniform. A DN that does not parse is only
    lower-cased. DNs without escapes, quotes or multi-valued RDNs (nearly all) take a fast
    path giving the same result without the parser: a read turns one DN per member value.
    """
    if not _NEEDS_PARSER.search(dn):
        lowered = dn.lower()
        if " " not in lowered:
            return lowered
        return ",".join(
            "=".join(side.strip() for side in rdn.split("=", 1)) for rdn in lowered.split(",")
        )
    try:
        parts: Sequence[Sequence[tuple[str, str, int]]] = ldap.dn.str2dn(dn)
    except ldap.DECODING_ERROR:
        return dn.strip().lower()
    rdns = [[(kind.lower(), value.lower(), 1) for kind, value, _ in rdn] for rdn in parts]
    return str(ldap.dn.dn2str(rdns))
