"""``Authorization: Bearer KEY`` on every admin API route (RFC 6750).

A missing or invalid key is answered 401 with ``WWW-Authenticate: Bearer`` and a problem
document that says how to get a key. The key itself never reaches a log or a response.

A request with a body is authenticated before its body is read (:class:`APIKeyGate`): FastAPI
reads and parses a route's body before it runs the route's dependencies, so without the gate an
anonymous client could make the server read any body up to the size limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from scimitar.admin import AdminAuth, APIKey
from scimitar.api.problems import PROBLEM_MEDIA_TYPE, ProblemError

__all__ = ["REALM", "APIKeyGate", "authenticate", "bearer_scheme", "require_api_key"]

REALM = "scimitar"
_SCOPE_KEY = "scimitar.api_key"
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key from `scimitar admin key create NAME`, as `Authorization: Bearer KEY`.",
)


def _unauthorized(detail: str, error: str | None) -> ProblemError:
    challenge = f'Bearer realm="{REALM}"'
    if error is not None:
        challenge += f', error="{error}"'
    return ProblemError(
        401, "unauthorized", "Unauthorized", detail, {"WWW-Authenticate": challenge}
    )


async def authenticate(auth: AdminAuth, authorization: str | None) -> APIKey:
    """The API key an ``Authorization`` header carries.

    Raises:
        ProblemError: 401 when there is no key or it is not valid (revoked, mistyped).
    """
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthorized(
            "this API needs an API key: send 'Authorization: Bearer KEY'; create a key with "
            "`scimitar admin key create NAME`",
            None,
        )
    found = await auth.verify_key(key.strip())
    if found is None:
        raise _unauthorized(
            "the API key is not valid (revoked or mistyped); `scimitar admin key list` shows "
            "the keys, `scimitar admin key create NAME` makes a new one",
            "invalid_token",
        )
    return found


async def require_api_key(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> APIKey:
    """The API key the request carries (checked once: by the gate when it has a body).

    Raises:
        ProblemError: 401 when there is no key or it is not valid (revoked, mistyped).
    """
    checked = request.scope.get(_SCOPE_KEY)
    if isinstance(checked, APIKey):
        return checked
    auth: AdminAuth = request.app.state.admin_auth
    return await authenticate(auth, request.headers.get("authorization"))


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


class APIKeyGate:
    """Authenticates a request that carries a body before the API reads any of it.

    Args:
        app: The admin API.
        auth: Verifies API keys.
    """

    def __init__(self, app: ASGIApp, *, auth: AdminAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            if _has_body(headers):
                try:
                    scope[_SCOPE_KEY] = await authenticate(self.auth, headers.get("authorization"))
                except ProblemError as exc:
                    await _problem(exc)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _problem(exc: ProblemError) -> JSONResponse:
    body = {
        "type": f"urn:scimitar:problem:{exc.kind.slug}",
        "title": exc.kind.title,
        "status": exc.kind.status,
        "detail": exc.detail,
    }
    # The body is left unread: close the connection rather than drain it.
    headers = {**(exc.headers or {}), "Connection": "close"}
    return JSONResponse(body, exc.kind.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)
