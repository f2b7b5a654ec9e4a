"""A transport that records every request and answer for the report (never the token)."""

from __future__ import annotations

import json
from typing import Any

from scimitar.connector.errors import TargetTLSError, TargetUnreachableError
from scimitar.connector.transport import Transport, TransportRequest, TransportResponse
from scimitar.validate.model import Exchange

__all__ = ["RecordingTransport", "decode"]

_ANSWER_CHARS = 2000


class RecordingTransport:
    """Sends through ``inner`` and appends each exchange to :attr:`sink`.

    Headers are not recorded: the ``Authorization`` header holds the token.
    """

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sink: list[Exchange] = []

    async def send(self, request: TransportRequest) -> TransportResponse:
        """Send ``request`` and record it (see :meth:`Transport.send`)."""
        body = decode(request.body)
        try:
            response = await self.inner.send(request)
        except (TargetUnreachableError, TargetTLSError) as exc:
            self.sink.append(Exchange(request.method, request.url, body, None, str(exc)))
            raise
        exchange = Exchange(
            request.method, request.url, body, response.status, decode(response.body)
        )
        self.sink.append(exchange)
        return response

    async def close(self) -> None:
        """Close the inner transport."""
        await self.inner.close()


def decode(body: bytes | None) -> Any:
    """A body as JSON when it parses, else its text (cut), ``None`` when empty."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body[:_ANSWER_CHARS].decode("utf-8", "replace")
