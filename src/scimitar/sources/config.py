"""A source's configuration as values: kind, settings, secret, schedule, deletion rule, mappings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from scimitar.directory.errors import AttributeValueError
from scimitar.directory.model import ObjectType, attribute_spec
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import MappingSet
from scimitar.secrets import Secret

__all__ = [
    "OBJECT_TYPES",
    "DeletionRule",
    "SourceDefinition",
    "SourceKind",
    "check_inbound_set",
    "load_mapping_sets",
]

#: Mapping set object types, and the directory object type each feeds.
OBJECT_TYPES: Mapping[str, ObjectType] = {"User": ObjectType.USER, "Group": ObjectType.GROUP}


class SourceKind(StrEnum):
    """Where a source's identities live."""

    LDAP = "ldap"
    API = "api"
    CSV = "csv"
    JSON = "json"


class DeletionRule(StrEnum):
    """What happens to a directory object that vanished from its (only) source."""

    SOFT_DELETE = "soft-delete"
    DISABLE = "disable"


@dataclass(frozen=True, slots=True)
class SourceDefinition:
    """One source as configured.

    Attributes:
        id: Its id.
        name: Its unique name.
        kind: ldap, api, csv or json.
        settings: Kind-specific settings (``url``, ``bind_dn``, ``users_base``, ``path``...).
        secret: The decrypted secret (an LDAP bind password), redacted wherever printed.
        interval_minutes: How often ``scimitar serve`` syncs it (0: only on demand).
        delete_threshold: Most objects one sync may delete or disable; beyond, the deletions
            are held and logged (``None``: no limit).
        deletion_rule: Soft-delete or disable objects that vanished.
        precedence: Lower wins when several sources give one attribute of one object.
        attribute_precedence: Per directory attribute, a precedence overriding ``precedence``.
        is_enabled: Whether scheduled syncs run.
        mappings: Inbound mapping sets by object type (``User``, ``Group``): targets are
            directory attributes, sources are the source's attribute names.
        state: The reader's watermark and the last run's outcome.
        has_api_key: An inbound API key is set (api sources).
        created_at: When it was added.
        next_run_at: When the scheduler runs it next.
    """

    id: str
    name: str
    kind: SourceKind
    settings: Mapping[str, Any]
    secret: Secret | None = None
    interval_minutes: int = 40
    delete_threshold: int | None = 500
    deletion_rule: DeletionRule = DeletionRule.SOFT_DELETE
    precedence: int = 100
    attribute_precedence: Mapping[str, int] = field(default_factory=dict)
    is_enabled: bool = True
    mappings: Mapping[str, MappingSet] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)
    has_api_key: bool = False
    created_at: datetime | None = None
    next_run_at: datetime | None = None
    _targets: Mapping[str, frozenset[str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        targets = {
            name: frozenset(m.target for m in s.mappings) for name, s in self.mappings.items()
        }
        object.__setattr__(self, "_targets", targets)

    def precedence_of(self, attribute: str) -> int:
        """This source's precedence for one directory attribute (lower wins)."""
        return self.attribute_precedence.get(attribute, self.precedence)

    def mapped_targets(self, object_type: str) -> frozenset[str]:
        """The directory attributes this source's mapping set of ``object_type`` gives."""
        return self._targets.get(object_type, frozenset())

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the CLI and API; never the secret."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind.value,
            "settings": dict(self.settings),
            "hasSecret": self.secret is not None,
            "hasApiKey": self.has_api_key,
            "intervalMinutes": self.interval_minutes,
            "deleteThreshold": self.delete_threshold,
            "deletionRule": self.deletion_rule.value,
            "precedence": self.precedence,
            "attributePrecedence": dict(self.attribute_precedence),
            "enabled": self.is_enabled,
            "objectTypes": sorted(self.mappings),
            "state": dict(self.state),
            "createdAt": self.created_at.isoformat() if self.created_at else None,
            "nextRunAt": self.next_run_at.isoformat() if self.next_run_at else None,
        }


def check_inbound_set(mapping_set: MappingSet) -> None:
    """Check a set as an inbound one: every target is an attribute of the directory.

    Raises:
        ConfigError: Naming the mapping whose target the directory does not have.
    """
    mapping_set.validate()
    object_type = OBJECT_TYPES[mapping_set.object_type]
    for index, mapping in enumerate(mapping_set.mappings, start=1):
        try:
            attribute_spec(object_type, mapping.target)
        except AttributeValueError as exc:
            raise ConfigError(
                f"mapping {index} (target {mapping.target!r}): the directory's "
                f"{object_type.value}s have no such attribute ({exc}); use an Entra attribute "
                "name such as userPrincipalName, givenName, department or extension_<name>"
            ) from exc


def load_mapping_sets(text: str) -> dict[str, MappingSet]:
    """The mapping sets stored as JSON ``{"User": ..., "Group": ...}``."""
    return dict(_parsed_sets(text))


@lru_cache(maxsize=64)
def _parsed_sets(text: str) -> Mapping[str, MappingSet]:
    """Parsed and validated once per stored text (every upload and sync reads its source's):
    the sets are frozen values, so sharing them is safe."""
    data = json.loads(text) if text else {}
    return MappingProxyType({name: MappingSet.from_dict(value) for name, value in data.items()})


def dump_mapping_sets(sets: Mapping[str, MappingSet]) -> str:
    """The JSON text :func:`load_mapping_sets` reads."""
    return json.dumps({name: s.to_dict() for name, s in sets.items()}, ensure_ascii=False)
