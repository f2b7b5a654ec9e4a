"""A cap on request bodies, enforced as they arrive (ASGI middleware).

Every route (admin API, portal, SCIM target) shares one limit, ``Settings.max_request_bytes``
(``SCIMITAR_MAX_REQUEST_BYTES``), which the target also advertises as Bulk's
``maxPayloadSize``. A declared ``Content-Length`` over the limit is answered 413 before the app
runs; a body without one (chunked) is counted as it streams, and the request is answered 413 the
moment it passes the limit: nothing past the limit is read or kept.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware", "too_large_response"]


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def too_large_response(path: str, limit: int) -> tuple[bytes, bytes]:
    """The 413 body and content type in the shape of the part ``path`` belongs to."""
    detail = (
        f"the request body is over {limit} bytes, the server's limit "
        "(SCIMITAR_MAX_REQUEST_BYTES); send a smaller request"
    )
    if path.startswith("/api/"):
        problem = {
            "type": "urn:scimitar:problem:too-large",
            "title": "Request body too large",
            "status": 413,
            "detail": detail,
        }
        return json.dumps(problem).encode(), b"application/problem+json"
    if path.startswith("/portal"):
        return f"413 Request body too large: {detail}.".encode(), b"text/plain; charset=utf-8"
    error = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "413",
        "detail": f"{detail} (Bulk: fewer operations per request)",
    }
    return json.dumps(error).encode(), b"application/scim+json"


async def _send_too_large(scope: Scope, send: Send, limit: int) -> None:
    body, media_type = too_large_response(scope.get("path", "/"), limit)
    headers = [
        (b"content-type", media_type),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Guard:
    """Counts one request's body as the app reads it; answers 413 when it passes the limit."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        self._scope = scope
        self._receive = receive
        self._send = send
        self._limit = limit
        self._size = 0
        self._has_started = False
        self._has_refused = False

    async def receive(self) -> Message:
        if self._has_refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        self._size += len(message.get("body", b""))
        if self._size <= self._limit:
            return message
        self._has_refused = True
        if not self._has_started:
            self._has_started = True
            await _send_too_large(self._scope, self._send, self._limit)
        # The app sees the client gone: it stops reading, and what it answers is dropped.
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self._has_refused:
            return
        if message["type"] == "http.response.start":
            self._has_started = True
        await self._send(message)


class BodyLimitMiddleware:
    """Refuses request bodies over ``limit`` bytes with 413, without reading past the limit.

    Args:
        app: The application.
        limit: The largest body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await _send_too_large(scope, send, self.limit)
            return
        guard = _Guard(scope, receive, send, self.limit)
        await self.app(scope, guard.receive, guard.send)
