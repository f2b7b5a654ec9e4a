"""``Authorization: Bearer KEY`` on every admin API route (RFC 6750).

A missing or invalid key is answered 401 with ``WWW-Authenticate: Bearer`` and a problem
document that says how to get a key. The key itself never reaches a log or a response.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scimitar.admin import AdminAuth, APIKey
from scimitar.api.problems import ProblemError

__all__ = ["REALM", "bearer_scheme", "require_api_key"]

REALM = "scimitar"
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


async def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> APIKey:
    """The API key the request carries.

    Raises:
        ProblemError: 401 when there is no key or it is not valid (revoked, mistyped).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized(
            "this API needs an API key: send 'Authorization: Bearer KEY'; create a key with "
            "`scimitar admin key create NAME`",
            None,
        )
    auth: AdminAuth = request.app.state.admin_auth
    found = await auth.verify_key(credentials.credentials)
    if found is None:
        raise _unauthorized(
            "the API key is not valid (revoked or mistyped); `scimitar admin key list` shows "
            "the keys, `scimitar admin key create NAME` makes a new one",
            "invalid_token",
        )
    return found
