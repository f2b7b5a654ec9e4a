"""Secrets at rest: the key file, encryption round trips, and a value that never prints."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from scimitar.errors import ConfigError
from scimitar.secrets import Secret, SecretBox, redact_document
from scimitar.settings import Settings


def test_the_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    box = SecretBox.from_settings(settings)
    mode = stat.S_IMODE(settings.key_file.stat().st_mode)
    assert mode == 0o600
    ciphertext = box.encrypt(Secret("s3cret-token"))
    assert "s3cret-token" not in ciphertext
    assert SecretBox.from_settings(settings).decrypt(ciphertext).reveal() == "s3cret-token"


def test_another_key_cannot_decrypt(tmp_path: Path) -> None:
    first = SecretBox.from_settings(Settings(data_dir=tmp_path / "one"))
    second = SecretBox.from_settings(Settings(data_dir=tmp_path / "two"))
    with pytest.raises(ConfigError, match="enter the secret again"):
        second.decrypt(first.encrypt(Secret("token")))


def test_a_bad_key_file_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.key_file.write_text("not a key")
    settings.key_file.chmod(0o600)
    with pytest.raises(ConfigError, match="not a valid Fernet key"):
        SecretBox.from_settings(settings)


@pytest.mark.parametrize(
    "show",
    [repr, str, lambda s: f"{s}", lambda s: f"{s!r}"],
    ids=["repr", "str", "format", "format-repr"],
)
def test_a_secret_never_shows_its_value(show: object) -> None:
    secret = Secret("hunter2-token")
    assert "hunter2" not in show(secret)  # type: ignore[operator]
    assert secret.reveal() == "hunter2-token"


def test_documents_are_redacted_where_secrets_could_hide() -> None:
    document = {
        "tenantUrl": "https://example.com/scim",
        "secretToken": "s3cr3t-value",
        "hasToken": True,
        "password": None,
        "held": Secret("plain-secret"),
        "smtp": SecretStr("smtp-pass"),
        "note": "sent Authorization: Bearer abc.def and scimadm_0a1b_XYZ-123",
        "nested": [{"api_key": "k-1"}, {"token": "<changed>"}],
        "roles": frozenset({"b", "a"}),
    }
    redacted = redact_document(document)
    assert redacted == {
        "tenantUrl": "https://example.com/scim",
        "secretToken": "<redacted>",
        "hasToken": True,
        "password": None,
        "held": "<redacted>",
        "smtp": "<redacted>",
        "note": "sent Authorization: Bearer <redacted> and <redacted>",
        "nested": [{"api_key": "<redacted>"}, {"token": "<changed>"}],
        "roles": ["a", "b"],
    }
    for secret in ("s3cr3t-value", "plain-secret", "smtp-pass", "abc.def", "XYZ-123", "k-1"):
        assert secret not in str(redacted)
