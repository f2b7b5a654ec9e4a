"""Schemas (RFC 7643 §4, §7, §8.7) and path resolution (RFC 7644 §3.10)."""

from __future__ import annotations

import pytest

from scimitar.scim.schema import (
    ResourceSchema,
    group_schema,
    schema_to_rfc,
    schema_to_webex,
    user_schema,
)
from scimitar.scim.urns import (
    CISCO_GROUP,
    CISCO_USER,
    CORE_USER,
    ENTERPRISE_USER,
    MICROSOFT_GROUP,
    split_urn,
)


@pytest.mark.parametrize(
    ("path", "name", "type_"),
    [
        ("userName", "userName", "string"),
        ("USERNAME", "userName", "string"),
        ("name.givenName", "givenName", "string"),
        ("Name.GivenName", "givenName", "string"),
        ("emails.primary", "primary", "boolean"),
        ("meta.lastModified", "lastModified", "dateTime"),
        (f"{CORE_USER}:userName", "userName", "string"),
        ("department", "department", "string"),
        (f"{ENTERPRISE_USER}:manager.value", "value", "string"),
        (f"{ENTERPRISE_USER.upper()}:MANAGER", "manager", "complex"),
        (f"{CISCO_USER}:meta.organizationId", "organizationId", "string"),
        (f"{CISCO_USER}:extensionAttribute15", "extensionAttribute15", "string"),
        (f"{CISCO_USER}.sipAddresses", "sipAddresses", "complex"),
        ("accountStatus", "accountStatus", "string"),
    ],
    ids=lambda v: str(v),
)
def test_resolve_user_paths(path: str, name: str, type_: str, users: ResourceSchema) -> None:
    attr = users.resolve(path)
    assert attr is not None
    assert (attr.name, attr.type) == (name, type_)


@pytest.mark.parametrize(
    "path",
    ["shoeSize", "name.nickName", f"{ENTERPRISE_USER}:userName", "urn:example:x:2.0:User:a", ""],
    ids=["unknown", "unknown-sub", "core-attr-under-extension", "unknown-urn", "empty"],
)
def test_resolve_unknown(path: str, users: ResourceSchema) -> None:
    assert users.resolve(path) is None


def test_webex_group_dotted_urn(groups: ResourceSchema) -> None:
    attr = groups.resolve(f"{CISCO_GROUP}.inheritances")
    assert attr is not None
    assert attr.multi_valued
    ref = groups.lookup(f"{CISCO_GROUP}:inheritances.value")
    assert ref is not None
    assert ref.urn == CISCO_GROUP
    assert ref.path.endswith("inheritances.value")


def test_generic_profile_has_no_cisco_extension() -> None:
    generic = user_schema("generic")
    assert [e.schema.id for e in generic.extensions] == [ENTERPRISE_USER]
    assert generic.resolve("accountStatus") is None
    assert group_schema("generic").extensions == ()


def test_profiles_are_built_once() -> None:
    assert user_schema("webex") is user_schema("webex")


def test_unknown_profile() -> None:
    with pytest.raises(ValueError, match="okta"):
        user_schema("okta")


def test_microsoft_group_urn_is_tolerated(groups: ResourceSchema) -> None:
    assert groups.is_tolerated(MICROSOFT_GROUP)
    assert groups.schema_for(MICROSOFT_GROUP) is None


@pytest.mark.parametrize(
    ("attribute", "mutability", "returned"),
    [
        ("id", "readOnly", "always"),
        ("password", "writeOnly", "never"),
        ("groups", "readOnly", "default"),
    ],
    ids=["id", "password", "groups"],
)
def test_rfc_characteristics(
    attribute: str, mutability: str, returned: str, users: ResourceSchema
) -> None:
    attr = users.resolve(attribute)
    assert attr is not None
    assert (attr.mutability, attr.returned) == (mutability, returned)


def test_schema_to_rfc_uses_camel_case(users: ResourceSchema) -> None:
    doc = schema_to_rfc(users.core)
    assert doc["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:Schema"]
    assert doc["id"] == CORE_USER
    emails = next(a for a in doc["attributes"] if a["name"] == "emails")
    assert (emails["type"], emails["mutability"], emails["returned"]) == (
        "complex",
        "readWrite",
        "default",
    )
    assert emails["multiValued"] is True
    assert (
        "work" in next(s for s in emails["subAttributes"] if s["name"] == "type")["canonicalValues"]
    )


def test_schema_to_webex_uses_pascal_case(users: ResourceSchema) -> None:
    doc = schema_to_webex(users.core)
    assert set(doc) == {"id", "name", "description", "attributes"}
    user_name = next(a for a in doc["attributes"] if a["name"] == "userName")
    assert (
        user_name["type"],
        user_name["mutability"],
        user_name["returned"],
        user_name["uniqueness"],
    ) == (
        "String",
        "ReadWrite",
        "Default",
        "Server",
    )
    profile_url = next(a for a in doc["attributes"] if a["name"] == "profileUrl")
    assert profile_url["type"] == "Reference"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("userName", (None, "userName")),
        (f"{ENTERPRISE_USER}:manager.value", (ENTERPRISE_USER, "manager.value")),
        (f"{CISCO_GROUP}.inheritances", (CISCO_GROUP, "inheritances")),
        (ENTERPRISE_USER, (ENTERPRISE_USER, "")),
        ("URN:example:thing:User:x", ("URN:example:thing:User", "x")),
    ],
    ids=["plain", "colon", "webex-dot", "bare-urn", "any-case-urn"],
)
def test_split_urn(text: str, expected: tuple[str | None, str]) -> None:
    assert split_urn(text) == expected
