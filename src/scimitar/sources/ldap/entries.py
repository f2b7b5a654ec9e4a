"""One LDAP entry as the reader keeps it before DNs are turned into anchors.

Every value is decoded here: text as UTF-8, Active Directory's binary GUIDs and SIDs in their
canonical text form. Secrets and photos are never read into a record (``userPassword``,
``unicodePwd``, ``jpegPhoto``...). An attribute holds one string, or a tuple when the entry
has several values or the attribute is multi-valued by nature (``memberOf``,
``proxyAddresses``...), so a mapping sees the same shape for every entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from scimitar.sources.ldap.profiles import Profile
from scimitar.sources.ldap.values import decode_guid, decode_sid

__all__ = ["ParsedEntry", "parse_entry"]

_SKIPPED = frozenset(
    name.lower()
    for name in (
        "userPassword",
        "unicodePwd",
        "dBCSPwd",
        "supplementalCredentials",
        "ntPwdHistory",
        "lmPwdHistory",
        "jpegPhoto",
        "thumbnailPhoto",
        "photo",
        "userCertificate",
        "userSMIMECertificate",
        "nTSecurityDescriptor",
        "msExchMailboxSecurityDescriptor",
        "logonHours",
        "msDS-KeyCredentialLink",
        "mSMQSignCertificates",
        "mSMQDigests",
    )
)
_MULTI = frozenset(
    name.lower()
    for name in (
        "objectClass",
        "memberOf",
        "proxyAddresses",
        "otherMailbox",
        "mailAlternateAddress",
    )
)
_GUIDS = frozenset(("objectguid", "msexchmailboxguid"))
_SIDS = frozenset(("objectsid", "sidhistory"))
_SPECIAL = _MULTI | _GUIDS | _SIDS | {"manager"}


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """An entry read from the server.

    Attributes:
        dn: Its DN as the server wrote it.
        anchor: The profile's anchor, as text.
        attributes: Decoded attributes (manager still a DN, members left out).
        manager_dn: The ``manager`` DN, if any.
        member_dns: The DNs in the member attributes (groups only).
    """

    dn: str
    anchor: str
    attributes: dict[str, object]
    manager_dn: str | None
    member_dns: tuple[str, ...]


def _decode(lowered: str, values: list[bytes]) -> object:
    if lowered in _GUIDS:
        decoded = [decode_guid(v) if len(v) == 16 else v.decode("ascii", "replace") for v in values]
    elif lowered in _SIDS:
        decoded = [decode_sid(v) for v in values]
    else:
        decoded = [v.decode("utf-8", "replace") for v in values]
    if len(decoded) == 1 and lowered not in _MULTI:
        return decoded[0]
    return tuple(decoded)


@lru_cache(maxsize=8)
def _ignored(profile: Profile) -> frozenset[str]:
    return _SKIPPED | profile.member_names


def parse_entry(
    profile: Profile,
    dn: str,
    raw: Mapping[str, list[bytes]],
    members: Mapping[str, list[bytes]] | None = None,
) -> ParsedEntry | None:
    """Decode one entry; ``None`` when it has no anchor (it cannot be followed).

    Args:
        profile: The server profile.
        dn: The entry's DN.
        raw: Its attributes as the server sent them.
        members: For groups, the member attributes' full value lists (ranges followed).
    """
    anchor_values = raw.get(profile.anchor)
    if not anchor_values:
        return None
    anchor_raw = anchor_values[0]
    anchor = decode_guid(anchor_raw) if profile.binary_anchor else anchor_raw.decode("ascii")
    attributes: dict[str, object] = {}
    manager_dn: str | None = None
    ignored = _ignored(profile)
    for name, values in raw.items():
        lowered = name.lower()
        if lowered in ignored or not values or ";" in name:
            continue
        if lowered in _SPECIAL:
            if lowered == "manager":
                manager_dn = values[0].decode("utf-8", "replace")
            else:
                attributes[name] = _decode(lowered, values)
        elif len(values) == 1:  # the hot case: one text value
            attributes[name] = values[0].decode("utf-8", "replace")
        else:
            attributes[name] = tuple(v.decode("utf-8", "replace") for v in values)
    member_dns: tuple[str, ...] = ()
    if members is not None:
        member_dns = tuple(
            _strip_uid(value.decode("utf-8", "replace"))
            for values in members.values()
            for value in values
        )
    return ParsedEntry(dn, anchor, attributes, manager_dn, member_dns)


def _strip_uid(value: str) -> str:
    # groupOfUniqueNames' nameAndOptionalUID: "dn#'0101'B" (RFC 4517 §3.3.21).
    if value.endswith("'B") and "#'" in value:
        return value.rsplit("#'", 1)[0]
    return value
