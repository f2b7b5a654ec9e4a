"""The connector's transport seam: send one HTTP request, get status, headers and body.

:class:`Transport` is the small interface the SCIM client talks to; :class:`AiohttpTransport` is
the production implementation (one keep-alive pool per app).
Tests inject faults with their own :class:`Transport`, never by patching this module.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

from scimitar.connector.network import network_error

__all__ = [
    "AiohttpTransport",
    "Timeouts",
    "Transport",
    "TransportRequest",
    "TransportResponse",
]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Limits for one request, in seconds.

    Attributes:
        total: The whole request, connection to last byte.
        connect: Getting a connection (DNS, TCP, TLS).
        read: Waiting between two reads of the response.
    """

    total: float = 30.0
    connect: float = 10.0
    read: float = 30.0


@dataclass(frozen=True, slots=True)
class TransportRequest:
    """One request as sent on the wire.

    Attributes:
        method: ``GET``, ``POST``, ...
        url: The absolute URL, query string included.
        headers: Every header to send.
        body: The encoded body, if any.
        timeouts: Overrides the transport's default limits.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeouts: Timeouts | None = None


@dataclass(frozen=True, slots=True)
class TransportResponse:
    """One response: status, headers (names lower-cased) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name."""
        return self.headers.get(name.lower())


class Transport(Protocol):
    """Sends requests to one app's SCIM endpoint."""

    async def send(self, request: TransportRequest) -> TransportResponse:
        """Send a request and read the whole response.

        Raises:
            TargetUnreachableError: No response (DNS, refused, timeout, reset).
            TargetTLSError: The TLS handshake failed.
        """
        ...

    async def close(self) -> None:
        """Release pooled connections."""
        ...


@functools.cache
def _default_context() -> ssl.SSLContext:
    """The system's verified default trust, made once per process.

    Loading the system's certificates costs about 0.15 s, and every cycle opens a transport:
    for a real-time run of one change that was a third of its time. The context is only read
    after it is made (aiohttp's connectors share it safely).
    """
    return ssl.create_default_context()


class AiohttpTransport:
    """:class:`Transport` over one aiohttp ``ClientSession`` (keep-alive, TLS verified).

    Args:
        session: The session this transport owns and closes.
        timeouts: Default limits of every request.
    """

    def __init__(self, session: aiohttp.ClientSession, timeouts: Timeouts | None = None) -> None:
        self._session = session
        self._timeouts = timeouts or Timeouts()

    @classmethod
    def create(
        cls,
        *,
        timeouts: Timeouts | None = None,
        ssl_context: ssl.SSLContext | None = None,
        connections: int = 16,
    ) -> AiohttpTransport:
        """A transport with its own session; call it inside the running event loop.

        Args:
            timeouts: Default limits of every request.
            ssl_context: Trust settings; the system's verified default when ``None``.
            connections: Most connections open to the app at once.
        """
        connector = aiohttp.TCPConnector(limit=connections, ssl=ssl_context or _default_context())
        return cls(aiohttp.ClientSession(connector=connector, auto_decompress=True), timeouts)

    async def send(self, request: TransportRequest) -> TransportResponse:
        """Send one request (see :meth:`Transport.send`)."""
        limits = request.timeouts or self._timeouts
        timeout = aiohttp.ClientTimeout(
            total=limits.total, sock_connect=limits.connect, sock_read=limits.read
        )
        try:
            async with self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                headers = {name.lower(): value for name, value in response.headers.items()}
                return TransportResponse(response.status, headers, body)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise network_error(request.url, exc, limits.total) from exc

    async def close(self) -> None:
        """Close the session and its connections."""
        await self._session.close()
