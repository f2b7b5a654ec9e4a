"""Where the SCIM client's bearer token comes from, and what an OAuth2 grant stores.

A :class:`BearerSource` gives the ``Authorization: Bearer`` value: :class:`StaticBearer` for
the Secret Token the admin pasted, ``scimitar.connector.oauth2.OAuth2TokenSource`` for an app
that uses the OAuth 2.0 client credentials grant (RFC 6749 §4.4). This module imports no HTTP
library, so the values can be read cheaply (the CLI, the store).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from scimitar.errors import JobError
from scimitar.secrets import Secret

__all__ = [
    "BearerSource",
    "OAuth2ClientCredentials",
    "OAuth2Grant",
    "OAuth2TokenError",
    "StaticBearer",
]


class OAuth2TokenError(JobError):
    """The token URL gave no access token: wrong client id or secret, scope, or URL.

    The message names the token URL and the server's ``error`` code, never the secret.
    """


class BearerSource(Protocol):
    """Where the SCIM client's ``Authorization: Bearer`` value comes from."""

    @property
    def can_refresh(self) -> bool:
        """Whether :meth:`refresh` can give a different token (worth retrying a 401)."""
        ...

    async def token(self) -> Secret:
        """The token to send now.

        Raises:
            OAuth2TokenError: No token could be fetched.
        """
        ...

    async def refresh(self, rejected: Secret) -> Secret:
        """A new token after the app rejected ``rejected`` with 401."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class StaticBearer:
    """The Secret Token the admin pasted; it never changes."""

    can_refresh = False

    def __init__(self, token: Secret) -> None:
        self._token = token

    async def token(self) -> Secret:
        """The saved token."""
        return self._token

    async def refresh(self, rejected: Secret) -> Secret:
        """The same token: a static token cannot be renewed."""
        return self._token

    async def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True, slots=True)
class OAuth2Grant:
    """What an app's client credentials grant (RFC 6749 §4.4) needs besides the secret.

    Stored in plain text and shown to admins; the client secret is stored apart, encrypted.

    Attributes:
        token_url: The authorization server's token endpoint.
        client_id: The client id the app's admin console issued.
        scopes: Scopes to request; none sends no ``scope`` parameter.
    """

    token_url: str
    client_id: str
    scopes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as stored and shown (never the secret)."""
        return {
            "grant": "client_credentials",
            "tokenUrl": self.token_url,
            "clientId": self.client_id,
            "scopes": list(self.scopes),
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> OAuth2Grant:
        """The grant :meth:`to_dict` wrote."""
        return cls(values["tokenUrl"], values["clientId"], tuple(values.get("scopes", ())))


@dataclass(frozen=True, slots=True)
class OAuth2ClientCredentials:
    """An app's client credentials grant with its client secret, to fetch tokens.

    Attributes:
        grant: Token URL, client id and scopes.
        client_secret: The client secret, encrypted at rest like the Secret Token.
    """

    grant: OAuth2Grant
    client_secret: Secret
