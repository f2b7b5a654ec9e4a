"""``Authorization: Bearer KEY`` on every admin API route (RFC 6750).

A missing or invalid key is answered 401 with ``WWW-Authenticate: Bearer`` and a problem
document that says how to get a key. The key itself never reaches a log or a response.

A request with a body is authenticated before its body is read (:class:`APIKeyGate`): FastAPI
reads and parses a route's body before it runs the route's dependencies, so without the gate an
anonymous client could make the server read any body up to the size limit.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from scimitar.admin import AdminAuth, APIKey, key_id_of
from scimitar.api.problems import PROBLEM_MEDIA_TYPE, ProblemError
from scimitar.audit import ANONYMOUS_API, AuditLog
from scimitar.security.throttle import AuthThrottle, ThrottledError, client_address

__all__ = ["REALM", "APIAuthenticator", "APIKeyGate", "bearer_scheme", "require_api_key"]

log = structlog.get_logger("scimitar.api")

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


def _throttled(retry_after: int) -> ProblemError:
    return ProblemError(
        429,
        "too-many-failures",
        "Too many failed attempts",
        f"too many requests with a wrong API key from this address or for this key; wait "
        f"{retry_after} seconds, then send a valid key",
        {"Retry-After": str(retry_after)},
    )


class APIAuthenticator:
    """Checks API keys, backing off clients that keep sending wrong ones.

    A wrong key counts against the client's address and the key id it names; past the
    throttle's allowance, both get 429 with ``Retry-After`` before any key is checked. Every
    failure is logged and recorded in the audit log (``api.auth_failed``, coalesced).

    Args:
        auth: Verifies API keys.
        throttle: Counts failures in the store.
        audit: Records failures.
    """

    def __init__(self, auth: AdminAuth, throttle: AuthThrottle, audit: AuditLog) -> None:
        self.auth = auth
        self.throttle = throttle
        self.audit = audit

    async def authenticate(self, authorization: str | None, address: str) -> APIKey:
        """The API key an ``Authorization`` header carries.

        Raises:
            ProblemError: 401 when there is no key or it is not valid (revoked, mistyped); 429
                while this address or key id is blocked.
        """
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            await self._failed(address, None)
            raise _unauthorized(
                "this API needs an API key: send 'Authorization: Bearer KEY'; create a key with "
                "`scimitar admin key create NAME`",
                None,
            )
        key_id = key_id_of(key)
        keys = [f"api:addr:{address}", f"api:key:{key_id}"] if key_id else [f"api:addr:{address}"]
        try:
            await self.throttle.check(keys)
        except ThrottledError as exc:
            log.warning("api_auth_throttled", client=address, key_id=key_id)
            raise _throttled(exc.retry_after) from exc
        found = await self.auth.verify_key(key.strip())
        if found is None:
            await self.throttle.failed(keys)
            await self._failed(address, key_id)
            raise _unauthorized(
                "the API key is not valid (revoked or mistyped); `scimitar admin key list` shows "
                "the keys, `scimitar admin key create NAME` makes a new one",
                "invalid_token",
            )
        return found

    async def _failed(self, address: str, key_id: str | None) -> None:
        log.warning("api_auth_failed", client=address, key_id=key_id)
        await self.audit.failed(ANONYMOUS_API, "api.auth_failed", address, keyId=key_id)


async def require_api_key(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> APIKey:
    """The API key the request carries (checked once: by the gate when it has a body).

    Raises:
        ProblemError: 401 when there is no key or it is not valid (revoked, mistyped); 429
            while the client is blocked for too many wrong keys.
    """
    checked = request.scope.get(_SCOPE_KEY)
    if isinstance(checked, APIKey):
        return checked
    authenticator: APIAuthenticator = request.app.state.authenticator
    return await authenticator.authenticate(
        request.headers.get("authorization"), client_address(request.scope)
    )


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


class APIKeyGate:
    """Authenticates a request that carries a body before the API reads any of it.

    Args:
        app: The admin API.
        authenticator: Verifies API keys.
    """

    def __init__(self, app: ASGIApp, *, authenticator: APIAuthenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            if _has_body(headers):
                try:
                    scope[_SCOPE_KEY] = await self.authenticator.authenticate(
                        headers.get("authorization"), client_address(scope)
                    )
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
