"""OAuth2 access tokens for the SCIM client, by the client credentials grant.

:class:`OAuth2TokenSource` fetches the access
token with authlib's ``AsyncOAuth2Client``, keeps it in memory only, fetches a new one shortly
before it expires, and again when the app answers 401 (the SCIM client retries such a request
once, docs/operations.md "OAuth2 to apps").
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from typing import Any

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from scimitar.connector.bearer import OAuth2ClientCredentials, OAuth2TokenError
from scimitar.secrets import Secret

__all__ = ["OAuth2TokenSource"]


def _http_errors() -> tuple[type[Exception], ...]:
    """What authlib's HTTP client raises when no answer arrives or the URL is unusable.

    authlib's httpx integration uses the ``httpx2`` package when it is installed (a dev
    dependency pulls it in) and ``httpx`` otherwise; catch both.
    """
    errors: list[type[Exception]] = [httpx.HTTPError, httpx.InvalidURL]
    try:
        other = importlib.import_module("httpx2")
    except ImportError:
        return tuple(errors)
    return (*errors, other.HTTPError, other.InvalidURL)


_HTTP_ERRORS = _http_errors()

#: A token is replaced this many seconds before the expiry its server announced.
REFRESH_MARGIN_SECONDS = 30.0
#: Limit of one request to the token URL, in seconds.
TOKEN_TIMEOUT_SECONDS = 15.0


#: Makes the authlib client of one token source (tests may point it at their own server).
OAuth2ClientFactory = Callable[[OAuth2ClientCredentials], AsyncOAuth2Client]


def _default_client(grant: OAuth2ClientCredentials) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=grant.grant.client_id,
        client_secret=grant.client_secret.reveal(),
        scope=" ".join(grant.grant.scopes) or None,
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name)
        timeout=TOKEN_TIMEOUT_SECONDS,
    )


class OAuth2TokenSource:
    """Access tokens of one app by the client credentials grant, fetched when needed.

    One source serves one SCIM client; concurrent requests share one fetch (a lock), so a burst
    of requests at expiry asks the token URL once.

    Args:
        grant: The app's saved client credentials.
        clock: Seconds, monotonic enough to judge expiry (``time.time`` by default, since
            authlib reports ``expires_at`` in epoch seconds).
        client_factory: Makes the authlib client.
    """

    can_refresh = True

    def __init__(
        self,
        grant: OAuth2ClientCredentials,
        *,
        clock: Callable[[], float] = time.time,
        client_factory: OAuth2ClientFactory = _default_client,
    ) -> None:
        self._grant = grant
        self._clock = clock
        self._client = client_factory(grant)
        self._lock = asyncio.Lock()
        self._token: Secret | None = None
        self._expires_at: float | None = None

    async def token(self) -> Secret:
        """The current access token; a new one when none is held or it expires soon."""
        async with self._lock:
            if self._token is None or self._expires_soon():
                await self._fetch()
            assert self._token is not None  # noqa: S101 (set by _fetch or it raised)
            return self._token

    async def refresh(self, rejected: Secret) -> Secret:
        """A new access token, unless another request already replaced ``rejected``."""
        async with self._lock:
            if self._token is None or self._token == rejected:
                await self._fetch()
            assert self._token is not None  # noqa: S101 (set by _fetch or it raised)
            return self._token

    async def close(self) -> None:
        """Close the token client's connections."""
        await self._client.aclose()

    def _expires_soon(self) -> bool:
        return (
            self._expires_at is not None
            and self._clock() >= self._expires_at - REFRESH_MARGIN_SECONDS
        )

    async def _fetch(self) -> None:
        url = self._grant.grant.token_url
        try:
            fetched = await self._client.fetch_token(url, grant_type="client_credentials")
        except OAuthError as exc:
            raise OAuth2TokenError(
                f"the token URL {url} refused the client credentials ({exc.error}"
                f"{': ' + exc.description if exc.description else ''}); check the client id, "
                "the client secret and the scopes the app's admin console issued"
            ) from exc
        except _HTTP_ERRORS as exc:
            raise OAuth2TokenError(
                f"the token URL {url} could not be reached ({type(exc).__name__}); check the "
                "URL and that this machine can reach it"
            ) from exc
        except ValueError as exc:
            raise OAuth2TokenError(
                f"the token URL {url} answered with no JSON token; check that it is the "
                "authorization server's token endpoint"
            ) from exc
        self._store(fetched, url)

    def _store(self, fetched: dict[str, Any], url: str) -> None:
        access = fetched.get("access_token")
        if not isinstance(access, str) or not access:
            raise OAuth2TokenError(
                f"the token URL {url} answered without an access_token; check that it is the "
                "authorization server's token endpoint"
            )
        expires_at = fetched.get("expires_at")
        self._token = Secret(access)
        self._expires_at = float(expires_at) if isinstance(expires_at, int | float) else None
