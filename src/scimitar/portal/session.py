"""The portal's session cookie and CSRF token.

A session is a small JSON document (who signed in, a CSRF token, when it expires) carried in a
cookie and signed with HMAC-SHA256 under a key derived from the store's key file, so a server
restart keeps sessions and nothing is stored server-side. The cookie is HttpOnly, SameSite=Lax
and scoped to ``/portal``; it is Secure when the portal is reached over HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["COOKIE", "LIFETIME_SECONDS", "Session", "SessionSigner", "csrf_matches"]

COOKIE = "scimitar_portal"
#: A session lasts a working day; signing in again makes a new one.
LIFETIME_SECONDS = 8 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """Who is signed in.

    Attributes:
        subject: ``admin`` (the admin password) or ``key:<name>`` (an API key).
        csrf: The token every form of this session posts back.
        expires: Unix time the session ends.
    """

    subject: str
    csrf: str
    expires: int

    @classmethod
    def start(cls, subject: str, *, now: float | None = None) -> Session:
        """A new session for ``subject`` with a fresh CSRF token."""
        moment = time.time() if now is None else now
        return cls(subject, secrets.token_urlsafe(32), int(moment) + LIFETIME_SECONDS)

    @property
    def who(self) -> str:
        """How the header names the signed-in admin."""
        return "admin" if self.subject == "admin" else f"API key {self.subject.partition(':')[2]}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Signs and reads session cookies.

    Args:
        key: The signing key (32 bytes from ``SecretBox.derived_key``).
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def dump(self, session: Session) -> str:
        """The cookie value for ``session``."""
        document = {"sub": session.subject, "csrf": session.csrf, "exp": session.expires}
        payload = _b64(json.dumps(document, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._mac(payload)}"

    def load(self, value: str | None, *, now: float | None = None) -> Session | None:
        """The session in a cookie value; ``None`` if absent, altered, malformed or expired."""
        if not value or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            document = json.loads(_unb64(payload))
            session = Session(str(document["sub"]), str(document["csrf"]), int(document["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        moment = time.time() if now is None else now
        return session if session.expires > moment else None

    def read(self, request: Request) -> Session | None:
        """The request's session, if it carries a valid one."""
        return self.load(request.cookies.get(COOKIE))

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
