"""Who made a change: an admin at the CLI, an API key, a portal session, or Scimitar itself.

Each face (CLI, admin API, portal) builds the :class:`Actor` of its caller and passes it to the
service method that changes something; the service writes it into the audit record.
"""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Actor", "ActorKind"]


class ActorKind(StrEnum):
    """Through which face a change came."""

    CLI = "cli"
    API = "api"
    PORTAL = "portal"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change, as the audit log names them (``cli:alice``, ``api:ci-pipeline``).

    Attributes:
        kind: The face.
        name: The OS user, the API key's name, the portal session's identity (``password`` or
            ``key:<name>``), or what Scimitar itself was doing (``demo``).
        session: For the portal, a short id of the session, so two sessions of one identity
            can be told apart; the session's secrets are never part of it.
    """

    kind: ActorKind
    name: str
    session: str | None = None

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}"

    @classmethod
    def cli(cls, user: str | None = None) -> Actor:
        """The admin running a ``scimitar`` command (their operating-system user)."""
        if user is None:
            try:
                user = getpass.getuser()
            except (KeyError, OSError):
                # A container user without a passwd entry or a login name.
                user = "unknown"
        return cls(ActorKind.CLI, user)

    @classmethod
    def api(cls, key_name: str) -> Actor:
        """A request to the admin API authenticated with the key named ``key_name``."""
        return cls(ActorKind.API, key_name)

    @classmethod
    def portal(cls, subject: str, session_secret: str) -> Actor:
        """A portal session.

        Args:
            subject: The session's subject: ``admin`` (signed in with the password) or
                ``key:<name>`` (signed in with an API key).
            session_secret: A value unique to the session (its CSRF token); only the first
                8 hex digits of its SHA-256 are kept.
        """
        name = "password" if subject == "admin" else subject
        digest = hashlib.sha256(session_secret.encode("utf-8")).hexdigest()[:8]
        return cls(ActorKind.PORTAL, name, digest)

    @classmethod
    def system(cls, name: str) -> Actor:
        """Scimitar acting on its own (``demo`` setting up the demo)."""
        return cls(ActorKind.SYSTEM, name)
