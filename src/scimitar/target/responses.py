"""Response classes of the target: SCIM JSON, and the deliberately broken one for drop faults."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from scimitar import jsontext
from scimitar.target.faults import ConnectionDropError

__all__ = ["SCIM_JSON", "DroppedResponse", "scim_response"]

SCIM_JSON = "application/scim+json"


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with SCIM's media type (RFC 7644 §3.1)."""
    content = jsontext.dumps_bytes(body)
    return Response(content, status_code=status, headers=headers, media_type=SCIM_JSON)


class DroppedResponse(Response):
    """Starts a response, sends part of the body, then breaks the connection (drop fault)."""

    def __init__(self) -> None:
        super().__init__(b"", media_type=SCIM_JSON)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", SCIM_JSON.encode()), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"schemas":', "more_body": True})
        raise ConnectionDropError
