"""LDAP and Active Directory sources (``scimitar source add ldap``).

Importing this package registers the ``ldap`` reader and its default inbound mappings, which
depend on the source's ``profile`` setting (``openldap`` or ``active-directory``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scimitar.mapping.mappings import MappingSet
from scimitar.sources.defaults import register_default_mappings
from scimitar.sources.ldap.config import LDAPSourceConfig
from scimitar.sources.ldap.profiles import PROFILES, profile_named
from scimitar.sources.ldap.reader import LDAPReader
from scimitar.sources.reader import register_reader, register_settings_check

if TYPE_CHECKING:
    from scimitar.sources.config import SourceDefinition

__all__ = ["PROFILES", "LDAPReader", "LDAPSourceConfig", "ldap_reader"]


def ldap_reader(source: SourceDefinition) -> LDAPReader:
    """The reader of an LDAP source.

    Raises:
        ConfigError: The source's settings are not a valid LDAP configuration.
    """
    config = LDAPSourceConfig.from_dict(source.settings)
    password = source.secret.reveal() if source.secret is not None else ""
    return LDAPReader(config, password)


def _default_mappings(settings: Mapping[str, Any]) -> dict[str, MappingSet]:
    return profile_named(str(settings.get("profile") or "openldap")).default_mappings()


def _check_settings(settings: Mapping[str, Any]) -> None:
    LDAPSourceConfig.from_dict(settings)


register_reader("ldap", ldap_reader)
register_settings_check("ldap", _check_settings)
register_default_mappings("ldap", _default_mappings)
