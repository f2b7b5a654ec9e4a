"""Default mapping sets as data: Entra's generic SCIM app (docs/entra.md §7) and Cisco Webex
(docs/entra.md, Webex). The app gallery references these by name.
"""

from __future__ import annotations

from scimitar.mapping.mappings import AttributeMapping, MappingSet, TargetType

__all__ = [
    "ACTIVE_EXPRESSION",
    "DEFAULT_MAPPING_SETS",
    "SCIM_GROUP_MAPPINGS",
    "SCIM_USER_MAPPINGS",
    "WEBEX_GROUP_MAPPINGS",
    "WEBEX_USER_MAPPINGS",
]

#: The standard ``active`` expression (docs/entra.md §4.3, §7).
ACTIVE_EXPRESSION = 'Switch([IsSoftDeleted], , "False", "True", "True", "False")'

_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_direct = AttributeMapping.direct
_expression = AttributeMapping.expression

_SCIM_DIRECT = (
    ("displayName", "displayName"),
    ("jobTitle", "title"),
    ("mail", 'emails[type eq "work"].value'),
    ("preferredLanguage", "preferredLanguage"),
    ("givenName", "name.givenName"),
    ("surname", "name.familyName"),
)
_SCIM_ADDRESS_AND_PHONE = (
    ("physicalDeliveryOfficeName", 'addresses[type eq "work"].formatted'),
    ("streetAddress", 'addresses[type eq "work"].streetAddress'),
    ("city", 'addresses[type eq "work"].locality'),
    ("state", 'addresses[type eq "work"].region'),
    ("postalCode", 'addresses[type eq "work"].postalCode'),
    ("country", 'addresses[type eq "work"].country'),
    ("telephoneNumber", 'phoneNumbers[type eq "work"].value'),
    ("mobile", 'phoneNumbers[type eq "mobile"].value'),
    ("facsimileTelephoneNumber", 'phoneNumbers[type eq "fax"].value'),
    ("mailNickname", "externalId"),
    ("employeeId", f"{_ENTERPRISE}:employeeNumber"),
    ("department", f"{_ENTERPRISE}:department"),
)

#: "Provision Microsoft Entra ID Users" for the non-gallery ``scim`` template (docs/entra.md §7).
SCIM_USER_MAPPINGS = MappingSet(
    name="Provision Microsoft Entra ID Users",
    object_type="User",
    mappings=(
        _direct("userPrincipalName", "userName", matching_precedence=1, is_required=True),
        _expression(ACTIVE_EXPRESSION, "active", target_type=TargetType.BOOLEAN),
        *(_direct(source, target) for source, target in _SCIM_DIRECT),
        _expression('Join(" ", [givenName], [surname])', "name.formatted"),
        *(_direct(source, target) for source, target in _SCIM_ADDRESS_AND_PHONE),
        _direct("manager", f"{_ENTERPRISE}:manager", target_type=TargetType.REFERENCE),
    ),
)

#: "Provision Microsoft Entra ID Groups" for the ``scim`` template (docs/entra.md §7).
SCIM_GROUP_MAPPINGS = MappingSet(
    name="Provision Microsoft Entra ID Groups",
    object_type="Group",
    mappings=(
        _direct("displayName", "displayName", matching_precedence=1, is_required=True),
        _direct("objectId", "externalId"),
        _direct("members", "members", target_type=TargetType.REFERENCE),
    ),
)

#: "Synchronize Microsoft Entra users to Cisco Webex" (docs/entra.md, Webex).
WEBEX_USER_MAPPINGS = MappingSet(
    name="Synchronize Microsoft Entra users to Cisco Webex",
    object_type="User",
    mappings=(
        _direct("userPrincipalName", "userName", matching_precedence=1, is_required=True),
        _direct("givenName", "name.givenName"),
        _direct("surname", "name.familyName"),
        _expression(ACTIVE_EXPRESSION, "active", target_type=TargetType.BOOLEAN),
        _direct("displayName", "displayName"),
        _direct("objectId", "externalId"),
    ),
)

#: "Synchronize Microsoft Entra groups to Cisco Webex" (docs/entra.md, Webex).
WEBEX_GROUP_MAPPINGS = MappingSet(
    name="Synchronize Microsoft Entra groups to Cisco Webex",
    object_type="Group",
    mappings=(
        _direct("displayName", "displayName", matching_precedence=1, is_required=True),
        _direct("members", "members", target_type=TargetType.REFERENCE),
        _direct("objectId", "externalId"),
    ),
)

#: Every default set by the name templates use.
DEFAULT_MAPPING_SETS: dict[str, MappingSet] = {
    "scim.user": SCIM_USER_MAPPINGS,
    "scim.group": SCIM_GROUP_MAPPINGS,
    "cisco-webex.user": WEBEX_USER_MAPPINGS,
    "cisco-webex.group": WEBEX_GROUP_MAPPINGS,
}
