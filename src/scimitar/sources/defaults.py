"""Default inbound mappings per source kind (a reader's module may register its own).

File feeds name their columns after the directory's attributes by default; the inbound API
reads SCIM Users (core, enterprise extension) the way Entra's API-driven provisioning maps
them (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-concepts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scimitar.directory.model import GROUP_ATTRIBUTES, USER_ATTRIBUTES
from scimitar.mapping.mappings import AttributeMapping, MappingSet, TargetType

__all__ = ["ENTERPRISE", "DefaultsFactory", "default_mappings", "register_default_mappings"]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

DefaultsFactory = Callable[[Mapping[str, Any]], dict[str, MappingSet]]
_FACTORIES: dict[str, DefaultsFactory] = {}


def register_default_mappings(kind: str, factory: DefaultsFactory) -> None:
    """Make ``factory`` (given the source's settings) give the default sets of ``kind``."""
    _FACTORIES[kind] = factory


def _typed(target: str) -> dict[str, Any]:
    spec = USER_ATTRIBUTES.get(target)
    if spec is not None and spec.type.value == "boolean":
        return {"target_type": TargetType.BOOLEAN}
    return {}


def _file_defaults(_settings: Mapping[str, Any]) -> dict[str, MappingSet]:
    matching = {"employeeId": 1, "userPrincipalName": 2}
    users = tuple(
        AttributeMapping.direct(name, name, matching_precedence=matching.get(name), **_typed(name))
        for name in USER_ATTRIBUTES
    )
    groups = tuple(AttributeMapping.direct(name, name) for name in GROUP_ATTRIBUTES)
    return {
        "User": MappingSet("Source Users", "User", users),
        "Group": MappingSet("Source Groups", "Group", groups),
    }


_API_USER = (
    ("externalId", "employeeId", 1),
    ("userName", "userPrincipalName", 2),
    ("name.givenName", "givenName", None),
    ("name.familyName", "surname", None),
    ("displayName", "displayName", None),
    ('emails[type eq "work"].value', "mail", None),
    ("title", "jobTitle", None),
    ("preferredLanguage", "preferredLanguage", None),
    ('phoneNumbers[type eq "work"].value', "telephoneNumber", None),
    ('phoneNumbers[type eq "mobile"].value', "mobile", None),
    ('addresses[type eq "work"].streetAddress', "streetAddress", None),
    ('addresses[type eq "work"].locality', "city", None),
    ('addresses[type eq "work"].region', "state", None),
    ('addresses[type eq "work"].postalCode', "postalCode", None),
    ('addresses[type eq "work"].country', "country", None),
    (f"{ENTERPRISE}:department", "department", None),
    (f"{ENTERPRISE}:organization", "companyName", None),
    (f"{ENTERPRISE}:manager.value", "manager", None),
    ("active", "accountEnabled", None),
)


def _api_defaults(_settings: Mapping[str, Any]) -> dict[str, MappingSet]:
    users = tuple(
        AttributeMapping.direct(source, target, matching_precedence=rank, **_typed(target))
        for source, target, rank in _API_USER
    )
    return {"User": MappingSet("API Users", "User", users)}


register_default_mappings("csv", _file_defaults)
register_default_mappings("json", _file_defaults)
register_default_mappings("api", _api_defaults)


def default_mappings(kind: str, settings: Mapping[str, Any]) -> dict[str, MappingSet]:
    """The default mapping sets of a new source of ``kind`` (none if nothing is registered)."""
    from scimitar.sources.reader import load_builtin_reader

    load_builtin_reader(kind)
    factory = _FACTORIES.get(kind)
    return factory(settings) if factory is not None else {}
