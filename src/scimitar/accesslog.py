"""Request ids and access log lines for the HTTP servers (docs/operations.md, "Logs").

Every request gets an id: the client's ``X-Request-Id`` when it is a short token of safe
characters, otherwise a new one. It is bound to the request's log context (every developer log
line written while serving the request carries ``request_id``), the embedded target quotes it
in its error bodies, and the response echoes it. With the access log on, one line per request
gives the method, the path without its query string (SCIM filters name people, and a query may
carry a code or a token), the status, the milliseconds taken and the client's address; the
path is redacted like every log line.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimitar.logs import redact_text

__all__ = ["RequestIdMiddleware", "current_request_id"]

log = structlog.get_logger("scimitar.access")

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HEADER = b"x-request-id"


def current_request_id() -> str | None:
    """The id of the request being served, when there is one."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


class RequestIdMiddleware:
    """Gives each HTTP request an id in its log context; writes an access line when asked."""

    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                if not any(name.lower() == _HEADER for name, _ in headers):
                    headers.append((_HEADER, request_id.encode("ascii")))
                    message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if self.access_log:
                    _write_line(scope, status, started)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == _HEADER:
            text = value.decode("latin-1")
            return text if _SAFE_ID.fullmatch(text) else None
    return None


def _write_line(scope: Scope, status: int, started: float) -> None:
    client: Any = scope.get("client")
    log.info(
        "http_request",
        method=scope.get("method"),
        path=redact_text(str(scope.get("root_path", "")) + str(scope.get("path", ""))),
        status=status,
        ms=round((time.perf_counter() - started) * 1000, 1),
        client=client[0] if client else None,
    )
