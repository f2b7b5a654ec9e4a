"""The portal's signed session cookie, CSRF comparison and sign-in redirects."""

from __future__ import annotations

from pathlib import Path

from scimitar.portal.session import LIFETIME_SECONDS, Session, SessionSigner, csrf_matches
from scimitar.portal.signin import safe_next
from scimitar.secrets import SecretBox
from scimitar.settings import Settings

KEY = b"k" * 32


def test_a_session_survives_the_round_trip() -> None:
    signer = SessionSigner(KEY)
    session = Session.start("admin", now=1000.0)
    assert session.expires == 1000 + LIFETIME_SECONDS
    assert signer.load(signer.dump(session), now=1001.0) == session


def test_an_altered_or_foreign_or_expired_cookie_is_no_session() -> None:
    signer = SessionSigner(KEY)
    value = signer.dump(Session.start("key:ci", now=1000.0))
    payload, mac = value.split(".")
    assert signer.load(payload[:-2] + "AA." + mac, now=1001.0) is None
    assert SessionSigner(b"x" * 32).load(value, now=1001.0) is None
    assert signer.load(value, now=1000.0 + LIFETIME_SECONDS) is None
    for garbage in (None, "", "abc", "a.b.c", "e30.e30"):
        assert signer.load(garbage, now=1001.0) is None


def test_each_session_has_its_own_csrf_token() -> None:
    first, second = Session.start("admin"), Session.start("admin")
    assert first.csrf != second.csrf
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
