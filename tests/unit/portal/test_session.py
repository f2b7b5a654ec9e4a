"""The portal's signed session cookie, CSRF comparison and sign-in redirects."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path

from itsdangerous import TimestampSigner

from scimitar.admin.sessions import SessionMethod
from scimitar.portal.session import LIFETIME_SECONDS, Session, SessionSigner, csrf_matches
from scimitar.portal.signin import safe_next
from scimitar.secrets import SecretBox
from scimitar.settings import Settings

KEY = b"k" * 32


def _session(session_id: str = "sid-1", csrf: str = "csrf-1") -> Session:
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    return Session(session_id, SessionMethod.PASSWORD, None, None, csrf, expires)


def test_a_cookie_carries_the_session_id_signed() -> None:
    signer = SessionSigner(KEY)
    value = signer.dump(_session())
    assert signer.session_id(value) == "sid-1"


def test_an_altered_or_foreign_or_old_cookie_is_no_session() -> None:
    signer = SessionSigner(KEY)
    value = signer.dump(_session())
    assert signer.session_id(value[:-2] + "AA") is None
    assert signer.session_id("sid-2" + value[5:]) is None
    assert SessionSigner(b"x" * 32).session_id(value) is None
    for garbage in (None, "", "abc", "a.b.c", "e30.e30"):
        assert signer.session_id(garbage) is None


def _signed_ago(seconds: int) -> str:
    class SignedThen(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    signer = SignedThen(KEY, salt="scimitar.portal-session", digest_method=hashlib.sha256)
    return signer.sign("sid-1").decode()


def test_a_cookie_older_than_a_session_is_refused_unread() -> None:
    assert SessionSigner(KEY).session_id(_signed_ago(60)) == "sid-1"
    assert SessionSigner(KEY).session_id(_signed_ago(LIFETIME_SECONDS + 5)) is None


def test_csrf_tokens_are_compared_exactly() -> None:
    first, second = _session(csrf="a" * 43), _session(csrf="b" * 43)
    assert csrf_matches(first, first.csrf)
    assert not csrf_matches(first, second.csrf)
    assert not csrf_matches(first, None)
    assert not csrf_matches(first, "")


def test_sign_in_returns_only_to_portal_pages() -> None:
    assert safe_next("/portal/apps/x/logs?status=failure") == "/portal/apps/x/logs?status=failure"
    for elsewhere in (
        None,
        "",
        "https://evil.example/portal/",
        "//evil.example/portal/",
        "/api/v1",
    ):
        assert safe_next(elsewhere) == "/portal/apps"


def test_the_signing_key_comes_from_the_key_file_and_differs_per_purpose(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = SecretBox.derived_key(settings, "portal-session")
    assert first == SecretBox.derived_key(settings, "portal-session")
    assert first != SecretBox.derived_key(settings, "something-else")
    assert len(first) == 32
    assert settings.key_file.read_bytes().strip() not in first
    settings.key_file.unlink()
    assert SecretBox.derived_key(settings, "portal-session") != first  # a new key file
