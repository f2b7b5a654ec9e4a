"""The outbound SCIM client's foundation: URLs, headers and JSON over a :class:`Transport`.

Later layers (dialects, rate limiting, retries, Bulk) build on :meth:`SCIMClient.send` and
:meth:`SCIMClient.request_json`. The bearer token is revealed in exactly one place, the
``Authorization`` header built here; it comes from a :class:`BearerSource` (the saved Secret
Token, or an OAuth2 access token, renewed and retried once when the app answers 401).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from scimitar import __version__, jsontext
from scimitar.connector.bearer import BearerSource, OAuth2ClientCredentials, StaticBearer
from scimitar.connector.errors import TargetResponseError, describe_body, error_for_response
from scimitar.connector.transport import Transport, TransportRequest, TransportResponse
from scimitar.logs import REDACTED
from scimitar.secrets import Secret

__all__ = [
    "SCIM_MEDIA_TYPE",
    "USER_AGENT",
    "Credentials",
    "SCIMClient",
    "decode_json",
    "split_tenant_url",
]

SCIM_MEDIA_TYPE = "application/scim+json"
USER_AGENT = f"scimitar/{__version__}"
_MIN_SCRUBBED_TOKEN = 8


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the admin enters under "Admin Credentials" (docs/entra.md §0, §1.1).

    Attributes:
        tenant_url: The SCIM base URL (Entra's ``BaseAddress``).
        token: The Secret Token, sent as ``Authorization: Bearer`` (empty with ``oauth2``).
        oauth2: The OAuth2 client credentials grant that gives the bearer token instead.
    """

    tenant_url: str
    token: Secret
    oauth2: OAuth2ClientCredentials | None = None


def decode_json(response: TransportResponse, method: str, url: str) -> Any:
    """A success response's JSON body (``None`` for 204 or an empty body).

    Raises:
        TargetResponseError: The body is not JSON (its type and size are named, never its
            bytes: an echoing server could have put the request's headers in it).
    """
    if response.status == 204 or not response.body:
        return None
    try:
        return jsontext.loads(response.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TargetResponseError(
            f"{method} {url}: HTTP {response.status} with a body that is not JSON "
            f"({describe_body(response)}); check that the Tenant URL is the app's SCIM base URL"
        ) from exc


def split_tenant_url(tenant_url: str) -> tuple[str, frozenset[str]]:
    """The SCIM base URL without a query, and the behaviour flags its query carried.

    Entra passes flags such as ``aadOptscim062020`` in the Tenant URL's query (docs/entra.md §1.2);
    they
    choose client behaviour and are not sent to the app.
    """
    parts = urlsplit(tenant_url.strip())
    flags = frozenset(item.split("=", 1)[0] for item in parts.query.split("&") if item)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    return base, flags


class SCIMClient:
    """Requests to one app's SCIM endpoint.

    Args:
        credentials: Tenant URL and Secret Token.
        transport: Where requests go (:class:`AiohttpTransport` in production).
        bearer: Where the bearer token comes from; the Secret Token when ``None``. The client
            closes it.
    """

    def __init__(
        self, credentials: Credentials, transport: Transport, bearer: BearerSource | None = None
    ) -> None:
        self.base_url, self.flags = split_tenant_url(credentials.tenant_url)
        self._bearer: BearerSource = bearer or StaticBearer(credentials.token)
        self._token = credentials.token
        self._transport = transport

    def url_for(self, path: str, params: Mapping[str, str] | None = None) -> str:
        """The absolute URL of ``path`` (``/Users``) under the Tenant URL, with a query."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        return f"{url}?{urlencode(params)}" if params else url

    def headers(self, *, has_body: bool = False) -> dict[str, str]:
        """The headers every request carries (docs/entra.md §1.1)."""
        headers = {
            "Authorization": f"Bearer {self._token.reveal()}",  # the last token from the source
            "Accept": SCIM_MEDIA_TYPE,
            "User-Agent": USER_AGENT,
        }
        if has_body:
            headers["Content-Type"] = f"{SCIM_MEDIA_TYPE}; charset=utf-8"
        return headers

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> TransportResponse:
        """Send one request and return the response, whatever its status.

        ``headers`` are added to those every request carries (``If-Match``, ...).

        Raises:
            TargetUnreachableError: No response arrived.
            TargetTLSError: The TLS handshake failed.
        """
        encoded = None if body is None else jsontext.dumps_bytes(body)
        url = self.url_for(path, params)
        token = await self._bearer.token()
        response = await self._send_once(method, url, encoded, headers, token)
        if response.status == 401 and self._bearer.can_refresh:
            # An OAuth2 token can be revoked or expire early: renew it and retry once.
            token = await self._bearer.refresh(token)
            response = await self._send_once(method, url, encoded, headers, token)
        return response

    async def _send_once(
        self,
        method: str,
        url: str,
        encoded: bytes | None,
        headers: Mapping[str, str] | None,
        token: Secret,
    ) -> TransportResponse:
        # Concurrent requests share the client: each sends, and scrubs, the token it was given.
        self._token = token
        sent = self.headers(has_body=encoded is not None)
        if headers:
            sent.update(headers)
        request = TransportRequest(method, url, sent, encoded)
        return self._scrubbed(await self._transport.send(request), token)

    def _scrubbed(self, response: TransportResponse, token_sent: Secret) -> TransportResponse:
        """The response with the token blanked out wherever the app echoed it back.

        No SCIM answer carries the caller's token; one that does comes from a server echoing
        the request, and anything read from it (an error's detail, a log record) must not show
        the token. Done here, once, before any caller reads the body.
        """
        token = token_sent.reveal().encode("utf-8")
        # A token this short is no real one (a test's "t"); blanking it would maul the body.
        if len(token) < _MIN_SCRUBBED_TOKEN or token not in response.body:
            return response
        body = response.body.replace(token, REDACTED.encode("ascii"))
        return TransportResponse(response.status, response.headers, body)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        """Send a request and return its JSON body (``None`` for 204).

        Raises:
            HTTPFailure: An error status, as classified by :func:`error_for_response`.
            TargetResponseError: A success status whose body is not JSON.
        """
        response = await self.send(method, path, params=params, body=body)
        url = self.url_for(path, params)
        if response.status >= 400:
            raise error_for_response(method, url, response)
        return decode_json(response, method, url)

    async def close(self) -> None:
        """Close the transport's and the bearer source's connections."""
        try:
            await self._transport.close()
        finally:
            await self._bearer.close()
