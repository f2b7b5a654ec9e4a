"""A transport that answers from a script: the connector's seam for fault injection."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scimitar.connector import TransportRequest, TransportResponse

Answer = Callable[[TransportRequest], TransportResponse]


def scim(status: int, body: Any, headers: dict[str, str] | None = None) -> TransportResponse:
    """A SCIM JSON response."""
    return TransportResponse(
        status,
        {"content-type": "application/scim+json", **(headers or {})},
        json.dumps(body).encode(),
    )


def empty_list() -> TransportResponse:
    """What Test Connection expects."""
    return scim(
        200,
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0,
            "Resources": [],
        },
    )


@dataclass
class FakeTransport:
    """Answers each request with ``answer(request)`` (which may raise) and records requests."""

    answer: Answer
    sent: list[TransportRequest] = field(default_factory=list)
    is_closed: bool = False

    async def send(self, request: TransportRequest) -> TransportResponse:
        self.sent.append(request)
        return self.answer(request)

    async def close(self) -> None:
        self.is_closed = True
