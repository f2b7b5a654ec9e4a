"""Cisco ``webexidentity`` schema extensions for User and Group (docs/entra.md, Webex).

Canonical values are advisory except for group ``inheritances`` (documented as role-only).
"""

from __future__ import annotations

from scimitar.scim.schema import Attribute, AttributeType, Schema
from scimitar.scim.urns import CISCO_GROUP, CISCO_USER

__all__ = ["cisco_group_extension", "cisco_user_extension"]

_PROVISION_SOURCES = ("SCIM", "AD", "AAD", "BROADWORKS", "OKTA")
_ACCOUNT_STATUSES = (
    "active",
    "pending",
    "disabled",
    "suspended",
    "transient",
    "pending-transient",
    "compliance-transient",
    "fraud",
    "fraud-transient",
    "marked_deleted",
)


def _complex(name: str, *subs: Attribute, multi: bool = True) -> Attribute:
    return Attribute(name, type="complex", multi_valued=multi, sub_attributes=subs)


def _strings(*names: str, multi: bool = False, type_: AttributeType = "string") -> list[Attribute]:
    return [Attribute(n, type=type_, multi_valued=multi) for n in names]


def _exact(*names: str) -> tuple[Attribute, ...]:
    return tuple(Attribute(n, case_exact=True) for n in names)


def _typed_values(name: str, types: tuple[str, ...]) -> Attribute:
    return _complex(
        name,
        Attribute("value"),
        Attribute("display"),
        Attribute("type", canonical_values=types),
        Attribute("primary", type="boolean"),
    )


def _numbered_families() -> list[Attribute]:
    numbers = range(1, 16)
    family: list[Attribute] = []
    family += (Attribute(f"extensionAttribute{n}", multi_valued=True) for n in numbers)
    family += (_complex(f"externalAttribute{n}", *_exact("value", "source")) for n in numbers)
    family += (_complex(f"crossOrgAttribute{n}", *_exact("value", "orgId")) for n in numbers)
    return family


def _user_attributes() -> list[Attribute]:
    return [
        Attribute("accountStatus", multi_valued=True, canonical_values=_ACCOUNT_STATUSES),
        Attribute("authProvider", canonical_values=("facebook", "O365", "google", "cco")),
        Attribute("teamsClusterId", mutability="readOnly"),
        *_strings(
            "isTeamsOnJabberEnabled", "isUCCallOnJabberEnabled", "mfaEnabled", type_="boolean"
        ),
        *_strings("macAddresses", "licenseID", "userSettings", "userPreferences", multi=True),
        _typed_values("sipAddresses", ("enterprise", "cloud-calling", "personal-room")),
        *_strings("trainSiteNames", "linkedTrainSiteNames", multi=True),
        Attribute("primaryLinkedTrainSiteName"),
        _complex(
            "managedSites",
            Attribute("siteName", required=True, case_exact=True),
            Attribute("role", required=True),
        ),
        Attribute("toBeConverted", mutability="readOnly"),
        _complex("managedOrgs", *_strings("orgId", "role")),
        _complex("managedGroups", *_strings("orgId", "groupId", "role")),
        _complex("extLinkedAccts", *_strings("providerID", "accountGUID", "status")),
        _complex("loginIds", *_strings("value", "format", "type", "status", "lastValidated")),
        Attribute("avatarSyncEnabled", type="boolean", mutability="readOnly"),
        Attribute("provisionSource", mutability="readOnly", canonical_values=_PROVISION_SOURCES),
        _complex(
            "pronouns",
            Attribute("value"),
            Attribute("visibility", canonical_values=("Everyone", "Internal", "Hidden", "Global")),
            multi=False,
        ),
        Attribute("userNameType", canonical_values=("email", "phone", "partner-upn")),
        *_numbered_families(),
        Attribute(
            "meta",
            type="complex",
            mutability="readOnly",
            sub_attributes=(Attribute("organizationId", mutability="readOnly"),),
        ),
    ]


def cisco_user_extension() -> Schema:
    """Return ``urn:scim:schemas:extension:cisco:webexidentity:2.0:User`` (Webex §1.6).

    Webex's own schema document names it "EnterpriseUser", the name of the RFC enterprise
    extension too; two schemas of one name break clients that build classes from /Schemas
    (scim2-models does), so ours is named after its URN.
    """
    return Schema(CISCO_USER, "WebexIdentityUser", "Webex identity user", tuple(_user_attributes()))


def _inheritances() -> Attribute:
    admin_roles = ("id_user_admin", "id_readonly_admin", "id_device_admin", "id_full_admin")
    return _complex(
        "inheritances",
        Attribute("type", canonical_values=("role",), strict_canonical=True),
        Attribute("value", canonical_values=admin_roles, strict_canonical=True),
        Attribute("nested", type="boolean"),
        Attribute("scope", multi_valued=True),
    )


def _group_attributes() -> list[Attribute]:
    member_kinds = ("Group", "User", "Machine")
    return [
        Attribute("usage", canonical_values=("location", "distribution", "policy")),
        Attribute("provisionSource", mutability="readOnly", canonical_values=_PROVISION_SOURCES),
        _complex(
            "owners", Attribute("value"), Attribute("display"), Attribute("primary", type="boolean")
        ),
        _complex(
            "managedBy",
            Attribute("orgId", mutability="immutable"),
            Attribute("type", mutability="immutable", canonical_values=member_kinds),
            Attribute("id", mutability="immutable"),
            Attribute("role"),
        ),
        _inheritances(),
        _typed_values("memberFilter", ("user",)),
        Attribute(
            "groupType",
            canonical_values=("unique_flat_static", "dynamic", "flat_static", "nested_static"),
        ),
        Attribute(
            "meta",
            type="complex",
            mutability="readOnly",
            sub_attributes=(Attribute("organizationID", mutability="readOnly"),),
        ),
    ]


def cisco_group_extension() -> Schema:
    """Return ``urn:scim:schemas:extension:cisco:webexidentity:2.0:Group`` (Webex §1.6)."""
    return Schema(CISCO_GROUP, "Cisco Group", "Cisco Group", tuple(_group_attributes()))
