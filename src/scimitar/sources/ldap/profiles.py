"""What differs between directory servers: anchors, filters, members, change tracking, mappings.

Two profiles ship. ``openldap`` reads ``inetOrgPerson`` users and ``groupOfNames`` /
``groupOfUniqueNames`` groups, anchored on ``entryUUID`` (RFC 4530), with changes found by
``modifyTimestamp`` (RFC 4512 §3.4). ``active-directory`` reads ``user`` and ``group`` objects
anchored on ``objectGUID``, with changes found by ``uSNChanged`` and deletions by tombstones
(https://learn.microsoft.com/en-us/windows/win32/ad/polling-for-changes-using-usnchanged).
Each profile's default inbound mappings give the directory's Entra-style attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from scimitar.errors import ConfigError
from scimitar.mapping.mappings import AttributeMapping, MappingSet, TargetType

__all__ = ["PROFILES", "ChangeTracking", "Profile", "profile_named"]

# userAccountControl ACCOUNTDISABLE (MS-ADTS §2.2.16) and groupType's security bit (§2.2.12).
_ACCOUNT_DISABLE = 0x2
_SECURITY_GROUP = 0x80000000


class ChangeTracking(StrEnum):
    """How an incremental read finds what changed since the last read."""

    MODIFY_TIMESTAMP = "modifyTimestamp"
    USN_CHANGED = "uSNChanged"


def _uac_enabled(attributes: Mapping[str, object]) -> dict[str, object]:
    raw = attributes.get("userAccountControl")
    if not isinstance(raw, str) or not raw.lstrip("-").isdigit():
        return {}
    return {"accountEnabled": "False" if int(raw) & _ACCOUNT_DISABLE else "True"}


def _group_security(attributes: Mapping[str, object]) -> dict[str, object]:
    raw = attributes.get("groupType")
    if not isinstance(raw, str) or not raw.lstrip("-").isdigit():
        return {}
    return {"securityEnabled": "True" if int(raw) & _SECURITY_GROUP else "False"}


def _none(attributes: Mapping[str, object]) -> dict[str, object]:
    return {}


Derive = Callable[[Mapping[str, object]], dict[str, object]]


@dataclass(frozen=True, slots=True)
class Profile:
    """One kind of directory server.

    Attributes:
        name: ``openldap`` or ``active-directory``.
        anchor: The attribute that names an entry for life.
        binary_anchor: Whether the anchor is a binary GUID (AD's ``objectGUID``).
        user_filter: Which entries under the users base are users.
        group_filter: Which entries under the groups base are groups.
        member_attributes: Attributes of a group that hold its members' DNs.
        change_tracking: How incremental reads select changed entries.
        has_tombstones: Whether deleted entries stay readable (AD's ``isDeleted``).
        operational: Operational attributes to ask for besides ``*``.
        derive_user: Extra attributes computed from a user's (``accountEnabled``).
        derive_group: Extra attributes computed from a group's (``securityEnabled``).
        user_mappings: Default inbound mappings for users.
        group_mappings: Default inbound mappings for groups.
    """

    name: str
    anchor: str
    binary_anchor: bool
    user_filter: str
    group_filter: str
    member_attributes: tuple[str, ...]
    change_tracking: ChangeTracking
    has_tombstones: bool
    operational: tuple[str, ...]
    derive_user: Derive
    derive_group: Derive
    user_mappings: tuple[AttributeMapping, ...]
    group_mappings: tuple[AttributeMapping, ...]

    @property
    def member_names(self) -> frozenset[str]:
        """The member attributes, lower-cased."""
        return frozenset(name.lower() for name in self.member_attributes)

    def default_mappings(self) -> dict[str, MappingSet]:
        """The profile's inbound mapping sets, keyed ``User`` and ``Group``."""
        return {
            "User": MappingSet(f"{self.name} users", "User", self.user_mappings),
            "Group": MappingSet(f"{self.name} groups", "Group", self.group_mappings),
        }


_d = AttributeMapping.direct
_x = AttributeMapping.expression

OPENLDAP = Profile(
    name="openldap",
    anchor="entryUUID",
    binary_anchor=False,
    user_filter="(objectClass=inetOrgPerson)",
    group_filter="(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    member_attributes=("member", "uniqueMember"),
    change_tracking=ChangeTracking.MODIFY_TIMESTAMP,
    has_tombstones=False,
    operational=("entryUUID", "modifyTimestamp", "memberOf"),
    derive_user=_none,
    derive_group=_none,
    user_mappings=(
        _d("mail", "userPrincipalName", matching_precedence=1),
        _d("mail", "mail"),
        _d("uid", "mailNickname"),
        _d("givenName", "givenName"),
        _d("sn", "surname"),
        _x("Coalesce([displayName], [cn])", "displayName"),
        _d("departmentNumber", "department"),
        _d("title", "jobTitle"),
        _d("employeeNumber", "employeeId", matching_precedence=2),
        _d("o", "companyName"),
        _d("telephoneNumber", "telephoneNumber"),
        _d("mobile", "mobile"),
        _d("street", "streetAddress"),
        _d("l", "city"),
        _d("st", "state"),
        _d("postalCode", "postalCode"),
        _d("preferredLanguage", "preferredLanguage"),
        _d("manager", "manager"),
    ),
    group_mappings=(
        _d("cn", "displayName", matching_precedence=1),
        _d("description", "description"),
    ),
)

ACTIVE_DIRECTORY = Profile(
    name="active-directory",
    anchor="objectGUID",
    binary_anchor=True,
    user_filter="(&(objectCategory=person)(objectClass=user))",
    group_filter="(objectClass=group)",
    member_attributes=("member",),
    change_tracking=ChangeTracking.USN_CHANGED,
    has_tombstones=True,
    operational=(),
    derive_user=_uac_enabled,
    derive_group=_group_security,
    user_mappings=(
        _d("userPrincipalName", "userPrincipalName", matching_precedence=1),
        _d("mail", "mail"),
        _d("sAMAccountName", "mailNickname"),
        _d("givenName", "givenName"),
        _d("sn", "surname"),
        _x("Coalesce([displayName], [cn])", "displayName"),
        _d("department", "department"),
        _d("title", "jobTitle"),
        _d("employeeID", "employeeId", matching_precedence=2),
        _d("company", "companyName"),
        _d("telephoneNumber", "telephoneNumber"),
        _d("mobile", "mobile"),
        _d("streetAddress", "streetAddress"),
        _d("l", "city"),
        _d("st", "state"),
        _d("postalCode", "postalCode"),
        _d("co", "country"),
        _d("physicalDeliveryOfficeName", "physicalDeliveryOfficeName"),
        _d("preferredLanguage", "preferredLanguage"),
        _d("proxyAddresses", "proxyAddresses"),
        _d("accountEnabled", "accountEnabled", target_type=TargetType.BOOLEAN),
        _d("manager", "manager"),
    ),
    group_mappings=(
        _x("Coalesce([displayName], [cn])", "displayName", matching_precedence=1),
        _d("sAMAccountName", "mailNickname"),
        _d("description", "description"),
        _d("securityEnabled", "securityEnabled", target_type=TargetType.BOOLEAN),
    ),
)

PROFILES: Mapping[str, Profile] = {p.name: p for p in (OPENLDAP, ACTIVE_DIRECTORY)}


def profile_named(name: str) -> Profile:
    """The profile called ``name``.

    Raises:
        ConfigError: No such profile; the message lists the known ones.
    """
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ConfigError(f"unknown LDAP profile {name!r}: use one of {known}") from None
