"""SMTP settings: defaults, the checks that refuse unworkable or leaky settings, no password."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from scimitar.errors import ConfigError
from scimitar.notify import SMTPConfig
from scimitar.settings import Settings

SECRET = "hunter2-smtp"


def _settings(**values: object) -> Settings:
    base: dict[str, object] = {"smtp_host": "mail.contoso.com", "smtp_sender": "s@contoso.com"}
    return Settings(**{**base, **values})  # type: ignore[arg-type]


def test_email_is_off_without_a_host() -> None:
    assert SMTPConfig.from_settings(Settings()) is None


@pytest.mark.parametrize(
    ("security", "port"), [("none", 25), ("starttls", 587), ("tls", 465)], ids=str
)
def test_default_port_follows_security(security: str, port: int) -> None:
    config = SMTPConfig.from_settings(_settings(smtp_security=security))
    assert config is not None
    assert config.port == port


def test_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIMITAR_SMTP_HOST", "smtp.contoso.com")
    monkeypatch.setenv("SCIMITAR_SMTP_PORT", "2525")
    monkeypatch.setenv("SCIMITAR_SMTP_SECURITY", "tls")
    monkeypatch.setenv("SCIMITAR_SMTP_USERNAME", "relay")
    monkeypatch.setenv("SCIMITAR_SMTP_PASSWORD", SECRET)
    monkeypatch.setenv("SCIMITAR_SMTP_SENDER", "Scimitar <scimitar@contoso.com>")
    config = SMTPConfig.from_settings(Settings())
    assert config is not None
    assert (config.host, config.port, config.security) == ("smtp.contoso.com", 2525, "tls")
    assert config.password is not None
    assert config.password.reveal() == SECRET
    assert config.ssl_context().verify_mode.name == "CERT_REQUIRED"
    assert config.ssl_context().check_hostname is True


def test_the_password_is_never_shown() -> None:
    settings = _settings(smtp_username="relay", smtp_password=SecretStr(SECRET))
    config = SMTPConfig.from_settings(settings)
    for shown in (repr(settings), str(settings), repr(config), str(config), config.describe()):
        assert SECRET not in shown
    assert SECRET not in settings.model_dump_json()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"smtp_sender": None}, "SCIMITAR_SMTP_SENDER is not set"),
        ({"smtp_sender": "scimitar"}, "'scimitar' is not an email address"),
        ({"smtp_username": "relay"}, "needs both SCIMITAR_SMTP_USERNAME and"),
        ({"smtp_password": SecretStr(SECRET)}, "needs both SCIMITAR_SMTP_USERNAME and"),
        (
            {"smtp_security": "none", "smtp_username": "u", "smtp_password": SecretStr(SECRET)},
            "would send the SMTP password unencrypted",
        ),
        ({"smtp_ca_file": Path("/nonexistent/ca.pem")}, "SCIMITAR_SMTP_CA_FILE"),
    ],
    ids=["no-sender", "bad-sender", "user-only", "password-only", "auth-in-clear", "no-ca"],
)
def test_unworkable_settings_are_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        SMTPConfig.from_settings(_settings(**values))
    assert SECRET not in str(caught.value)


def test_insecure_turns_verification_off() -> None:
    config = SMTPConfig.from_settings(_settings(smtp_tls_insecure=True))
    assert config is not None
    context = config.ssl_context()
    assert (context.check_hostname, context.verify_mode.name) == (False, "CERT_NONE")
