"""The concrete schemas: RFC 7643 core User and Group, the Enterprise User extension (§4, §8.7),
and the Webex additions and Cisco webexidentity extensions (docs/entra.md, Webex).

Built once per profile through :func:`scimitar.scim.schema.user_schema` and ``group_schema``.
"""

from __future__ import annotations

from scimitar.scim.cisco import cisco_group_extension, cisco_user_extension
from scimitar.scim.schema import (
    Attribute,
    AttributeType,
    Mutability,
    Profile,
    ResourceSchema,
    Schema,
    SchemaExtension,
)
from scimitar.scim.urns import CORE_GROUP, CORE_USER, ENTERPRISE_USER, MICROSOFT_GROUP

__all__ = ["build_group", "build_user", "enterprise_user", "plural", "simple"]


def simple(name: str, type_: AttributeType = "string") -> Attribute:
    """Return a single-valued, read-write attribute with RFC 7643 §7 defaults."""
    return Attribute(name, type=type_)


def plural(
    name: str,
    types: tuple[str, ...] = (),
    *,
    value_type: AttributeType = "string",
    extra: tuple[Attribute, ...] = (),
    unique_types: bool = False,
    mutability: Mutability = "readWrite",
) -> Attribute:
    """Return a multi-valued complex attribute with the RFC 7643 §2.4 sub-attributes.

    Args:
        name: The attribute name.
        types: Canonical values of the ``type`` sub-attribute.
        value_type: The type of the ``value`` sub-attribute.
        extra: Further sub-attributes.
        unique_types: Whether two values may not share a ``type`` (Entra's profile).
        mutability: The attribute's mutability.
    """
    subs = (
        Attribute("value", type=value_type, mutability=mutability),
        Attribute("display", mutability=mutability),
        Attribute("type", canonical_values=types, mutability=mutability),
        Attribute("primary", type="boolean", mutability=mutability),
        *extra,
    )
    return Attribute(
        name,
        type="complex",
        multi_valued=True,
        sub_attributes=subs,
        unique_types=unique_types,
        mutability=mutability,
    )


_RFC_PHONE_TYPES = ("work", "home", "mobile", "fax", "pager", "other")
_WEBEX_PHONE_TYPES = (*_RFC_PHONE_TYPES, "work_extension", "alternate1", "alternate2")
_RFC_IM_TYPES = ("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")
_WEBEX_IM_TYPES = (
    *_RFC_IM_TYPES,
    "cucm-jid",
    "webex-squared-jid",
    "webex-messenger-jid",
    "xmpp-fed-jid",
    "microsoft-sip-uri",
)


def _name() -> Attribute:
    parts = ("formatted", "familyName", "givenName", "middleName")
    subs = tuple(simple(p) for p in (*parts, "honorificPrefix", "honorificSuffix"))
    return Attribute("name", type="complex", sub_attributes=subs)


def _addresses() -> Attribute:
    parts = ("formatted", "streetAddress", "locality", "region", "postalCode", "country")
    subs = (
        *(simple(p) for p in parts),
        Attribute("type", canonical_values=("work", "home", "other")),
        Attribute("primary", type="boolean"),
    )
    return Attribute(
        "addresses", type="complex", multi_valued=True, sub_attributes=subs, unique_types=True
    )


def _groups() -> Attribute:
    subs = (
        Attribute("value", mutability="readOnly"),
        Attribute(
            "$ref", type="reference", reference_types=("User", "Group"), mutability="readOnly"
        ),
        Attribute("display", mutability="readOnly"),
        Attribute("type", canonical_values=("direct", "indirect"), mutability="readOnly"),
    )
    return Attribute(
        "groups", type="complex", multi_valued=True, mutability="readOnly", sub_attributes=subs
    )


def _user_attributes(profile: Profile) -> tuple[Attribute, ...]:
    webex = profile == "webex"
    user_types = ("user", "room", "external_calling", "calling_service") if webex else ()
    photo_types = ("photo", "thumbnail", "resizable") if webex else ("photo", "thumbnail")
    return (
        Attribute("userName", required=True, uniqueness="server"),
        _name(),
        simple("displayName"),
        simple("nickName"),
        Attribute("profileUrl", type="reference", reference_types=("external",)),
        simple("title"),
        Attribute("userType", canonical_values=user_types),
        simple("preferredLanguage"),
        simple("locale"),
        simple("timezone"),
        simple("active", "boolean"),
        Attribute("password", case_exact=True, mutability="writeOnly", returned="never"),
        plural(
            "emails", ("work", "home", "other", *(("room",) if webex else ())), unique_types=True
        ),
        plural(
            "phoneNumbers", _WEBEX_PHONE_TYPES if webex else _RFC_PHONE_TYPES, unique_types=True
        ),
        plural("ims", _WEBEX_IM_TYPES if webex else _RFC_IM_TYPES, unique_types=True),
        plural("photos", photo_types, value_type="reference", unique_types=True),
        _addresses(),
        _groups(),
        plural("entitlements"),
        plural("roles", ("ciRole", "serviceRole", "globalRole") if webex else ()),
        plural("x509Certificates", value_type="binary"),
    )


def _webex_user_additions() -> tuple[Attribute, ...]:
    subs = tuple(Attribute(n, mutability="immutable") for n in ("type", "value", "source"))
    inheritances = Attribute("inheritances", type="complex", multi_valued=True, sub_attributes=subs)
    return (
        Attribute(
            "id", case_exact=True, mutability="readOnly", returned="always", uniqueness="global"
        ),
        Attribute("externalId", case_exact=True),
        inheritances,
    )


def enterprise_user() -> Schema:
    """Return the Enterprise User extension (RFC 7643 §4.3)."""
    manager = Attribute(
        "manager",
        type="complex",
        sub_attributes=(
            Attribute("value"),
            Attribute("$ref", type="reference", reference_types=("User",), mutability="readOnly"),
            Attribute("displayName", mutability="readOnly"),
        ),
    )
    names = ("employeeNumber", "costCenter", "organization", "division", "department")
    return Schema(
        ENTERPRISE_USER,
        "EnterpriseUser",
        "Enterprise User",
        (*(simple(n) for n in names), manager),
    )


def build_user(profile: Profile) -> ResourceSchema:
    """Build the User resource type for ``profile`` (RFC 7643 §4.1; Webex §1.6)."""
    attributes = _user_attributes(profile)
    extensions = [SchemaExtension(enterprise_user())]
    if profile == "webex":
        attributes = (*_webex_user_additions(), *attributes)
        extensions.append(SchemaExtension(cisco_user_extension()))
    core = Schema(CORE_USER, "User", "User Account", attributes)
    return ResourceSchema("User", "/Users", core, tuple(extensions))


def _members() -> Attribute:
    subs = (
        Attribute("value", case_exact=True, mutability="immutable"),
        Attribute(
            "$ref", type="reference", reference_types=("User", "Group"), mutability="immutable"
        ),
        Attribute("type", canonical_values=("User", "Group"), mutability="immutable"),
        Attribute("display", mutability="readOnly"),
    )
    return Attribute("members", type="complex", multi_valued=True, sub_attributes=subs)


def build_group(profile: Profile) -> ResourceSchema:
    """Build the Group resource type for ``profile`` (RFC 7643 §4.2; Webex §1.6, §1.8).

    ``displayName`` is required: RFC 7643 §4.2 says so in prose, Webex's PostGroup needs it and
    Entra matches groups on it.
    """
    attributes: tuple[Attribute, ...] = (Attribute("displayName", required=True), _members())
    extensions: tuple[SchemaExtension, ...] = ()
    if profile == "webex":
        attributes = (
            Attribute(
                "id", case_exact=True, mutability="readOnly", returned="always", uniqueness="global"
            ),
            *attributes,
            Attribute("externalId", case_exact=True),
        )
        extensions = (SchemaExtension(cisco_group_extension()),)
    core = Schema(CORE_GROUP, "Group", "Group", attributes)
    return ResourceSchema("Group", "/Groups", core, extensions, (MICROSOFT_GROUP,))
