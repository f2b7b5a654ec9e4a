"""An LDAP source's settings, checked once when they are saved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ldap.dn
import ldap.filter

from scimitar.errors import ConfigError
from scimitar.sources.ldap.profiles import PROFILES, Profile, profile_named

__all__ = ["LDAPSourceConfig"]

_MAX_PAGE = 5000
_DAY = 86400


@dataclass(frozen=True, slots=True)
class LDAPSourceConfig:
    """Where and how to read one LDAP directory.

    Attributes:
        url: ``ldap://host[:port]`` or ``ldaps://host[:port]``.
        bind_dn: The DN to bind as (empty for an anonymous bind).
        users_base: Where users are searched (subtree).
        groups_base: Where groups are searched; empty reads no groups.
        user_filter: A filter ANDed with the profile's user filter.
        group_filter: A filter ANDed with the profile's group filter.
        profile: ``openldap`` or ``active-directory``.
        start_tls: Upgrade an ``ldap://`` connection with StartTLS (RFC 4511 §4.14).
        ca_file: PEM file of the CA that signed the server's certificate; the system's CAs
            when empty.
        verify_tls: Check the server's certificate and name; on by default.
        page_size: Entries per page of a paged search (RFC 2696).
        full_read_interval: Seconds between full reads, which find entries deleted from a
            directory without readable tombstones.
        timeout: Seconds for connecting and for each operation.
    """

    url: str
    users_base: str
    bind_dn: str = ""
    groups_base: str = ""
    user_filter: str = ""
    group_filter: str = ""
    profile: str = "openldap"
    start_tls: bool = False
    ca_file: str = ""
    verify_tls: bool = True
    page_size: int = 1000
    full_read_interval: int = _DAY
    timeout: float = 30.0

    def __post_init__(self) -> None:
        self._check_url()
        for name in ("users_base", "groups_base", "bind_dn"):
            value = getattr(self, name)
            if value and not ldap.dn.is_dn(value):
                raise ConfigError(
                    f"LDAP source: {name} {value!r} is not a DN (e.g. ou=people,dc=example,dc=org)"
                )
        if not self.users_base:
            raise ConfigError("LDAP source: users_base is required (the DN users live under)")
        for name in ("user_filter", "group_filter"):
            _check_filter(name, getattr(self, name))
        profile_named(self.profile)
        if not 1 <= self.page_size <= _MAX_PAGE:
            raise ConfigError(
                f"LDAP source: page_size must be 1 to {_MAX_PAGE}, not {self.page_size}"
            )
        if self.full_read_interval < 60:
            raise ConfigError("LDAP source: full_read_interval must be at least 60 seconds")
        if not 0 < self.timeout <= 600:
            raise ConfigError("LDAP source: timeout must be more than 0 and at most 600 seconds")
        if self.ca_file and not Path(self.ca_file).is_file():
            raise ConfigError(f"LDAP source: ca_file {self.ca_file!r} is not a readable file")

    def _check_url(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise ConfigError(
                f"LDAP source: url {self.url!r} must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]"
            )
        if parts.path not in ("", "/") or parts.query:
            raise ConfigError(f"LDAP source: url {self.url!r} takes no path; set users_base")
        if parts.scheme == "ldaps" and self.start_tls:
            raise ConfigError("LDAP source: start_tls is for ldap:// URLs; ldaps:// is TLS already")

    @property
    def profile_spec(self) -> Profile:
        """The server profile."""
        return PROFILES[self.profile]

    @property
    def is_tls(self) -> bool:
        """Whether the connection is encrypted (LDAPS or StartTLS)."""
        return self.url.startswith("ldaps://") or self.start_tls

    def to_dict(self) -> dict[str, Any]:
        """JSON shape, as stored with the source (the bind password is kept apart)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LDAPSourceConfig:
        """Read :meth:`to_dict`'s shape.

        Raises:
            ConfigError: An unknown or missing setting, or a bad value.
        """
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"LDAP source: unknown setting(s) {', '.join(unknown)}")
        try:
            return cls(**dict(data))
        except TypeError as exc:
            raise ConfigError(f"LDAP source: {exc}") from exc


def _check_filter(name: str, text: str) -> None:
    if not text:
        return
    if not (text.startswith("(") and text.endswith(")")) or text.count("(") != text.count(")"):
        raise ConfigError(
            f"LDAP source: {name} {text!r} is not an LDAP filter; write it in parentheses, "
            "e.g. (department=Sales)"
        )
    if ldap.filter.escape_filter_chars("\x00") in text:
        raise ConfigError(f"LDAP source: {name} contains a NUL character")
