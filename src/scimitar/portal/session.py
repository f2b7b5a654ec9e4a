"""The portal's session cookie and CSRF token.

The cookie carries the session's random id, signed with itsdangerous (HMAC-SHA256 under a key
derived from the store's key file, with a timestamp so a cookie older than a session's lifetime
is refused before the store is asked). The session itself is a row in the store
(:mod:`scimitar.admin.sessions`): signing out, a new admin password and revoking the API key
end it on the server, so a copied cookie stops working. The cookie is HttpOnly, SameSite=Lax
and scoped to ``/portal``; it is Secure when the portal is reached over HTTPS.
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.responses import Response

from scimitar.admin.sessions import SESSION_LIFETIME, PortalSession

__all__ = ["COOKIE", "LIFETIME_SECONDS", "Session", "SessionSigner", "csrf_matches"]

COOKIE = "scimitar_portal"
LIFETIME_SECONDS = int(SESSION_LIFETIME.total_seconds())
#: The portal's name for a live session.
Session = PortalSession


class SessionSigner:
    """Signs session ids into cookie values and reads them back.

    Args:
        key: The signing key (32 bytes from ``SecretBox.derived_key``).
    """

    def __init__(self, key: bytes) -> None:
        self._signer = TimestampSigner(
            key, salt="scimitar.portal-session", digest_method=hashlib.sha256
        )

    def dump(self, session: Session) -> str:
        """The cookie value for ``session``."""
        return self._signer.sign(session.id).decode("ascii")

    def session_id(self, value: str | None) -> str | None:
        """The session id a cookie value carries; ``None`` if absent, altered or too old."""
        if not value:
            return None
        try:
            return self._signer.unsign(value, max_age=LIFETIME_SECONDS).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None

    def session_id_of(self, request: Request) -> str | None:
        """The session id of the request's cookie, if it carries a valid one."""
        return self.session_id(request.cookies.get(COOKIE))

    def attach(self, response: Response, request: Request, session: Session) -> None:
        """Set the session cookie on ``response``."""
        response.set_cookie(
            COOKIE,
            self.dump(session),
            max_age=LIFETIME_SECONDS,
            path="/portal",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    @staticmethod
    def clear(response: Response) -> None:
        """Remove the session cookie."""
        response.delete_cookie(COOKIE, path="/portal", httponly=True, samesite="lax")


def csrf_matches(session: Session, sent: str | None) -> bool:
    """Whether a posted CSRF token is the session's (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), str(sent).encode())
