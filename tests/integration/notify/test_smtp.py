"""Sending through a real SMTP server: plain, STARTTLS with AUTH, TLS; and what fails how."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr

from scimitar.notify import MailDeliveryError, SMTPConfig, SMTPMailer
from scimitar.settings import Settings
from tests.conftest import free_port
from tests.mailserver import PASSWORD, USERNAME, Certificates, mail_server, make_certificates


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return make_certificates(tmp_path)


def _message(to: str = "ops@contoso.com") -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "hello"
    message["From"] = "scimitar@example.com"
    message["To"] = to
    message.set_content("body text")
    return message


def _config(port: int, security: str, **values: object) -> SMTPConfig:
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=security,
        smtp_sender="scimitar@example.com",
        smtp_timeout_seconds=10,
        **values,
    )
    config = SMTPConfig.from_settings(settings)
    assert config is not None
    return config


async def test_plain_delivery() -> None:
    with mail_server() as server:
        await SMTPMailer(_config(server.port, "none")).send(_message())
        [mail] = server.wait_for(1)
    assert (mail.mail_from, mail.rcpt_tos) == ("scimitar@example.com", ["ops@contoso.com"])
    assert mail.subject == "hello"
    assert mail.body("plain") == "body text\n"


async def test_starttls_with_auth_verifies_the_certificate(certificates: Certificates) -> None:
    with mail_server("starttls", certificates, with_auth=True) as server:
        config = _config(
            server.port,
            "starttls",
            smtp_username=USERNAME,
            smtp_password=SecretStr(PASSWORD),
            smtp_ca_file=certificates.ca_file,
        )
        await SMTPMailer(config).send(_message())
        [mail] = server.wait_for(1)
    assert mail.rcpt_tos == ["ops@contoso.com"]


async def test_implicit_tls(certificates: Certificates) -> None:
    with mail_server("tls", certificates) as server:
        config = _config(server.port, "tls", smtp_ca_file=certificates.ca_file)
        await SMTPMailer(config).send(_message())
        assert len(server.wait_for(1)) == 1


async def test_unknown_ca_is_refused_unless_insecure(certificates: Certificates) -> None:
    with mail_server("starttls", certificates) as server:
        with pytest.raises(MailDeliveryError, match="certificate verify failed") as caught:
            await SMTPMailer(_config(server.port, "starttls")).send(_message())
        assert "SCIMITAR_SMTP_CA_FILE" in str(caught.value)
        assert server.received == []
        await SMTPMailer(_config(server.port, "starttls", smtp_tls_insecure=True)).send(_message())
        assert len(server.wait_for(1)) == 1


async def test_wrong_password_names_the_settings_not_the_password(
    certificates: Certificates,
) -> None:
    with mail_server("starttls", certificates, with_auth=True) as server:
        config = _config(
            server.port,
            "starttls",
            smtp_username=USERNAME,
            smtp_password=SecretStr("not-the-password"),
            smtp_ca_file=certificates.ca_file,
        )
        with pytest.raises(MailDeliveryError, match="refused the login") as caught:
            await SMTPMailer(config).send(_message())
    assert "SCIMITAR_SMTP_PASSWORD" in str(caught.value)
    assert "not-the-password" not in str(caught.value)


async def test_starttls_against_a_server_without_it() -> None:
    with mail_server() as server, pytest.raises(MailDeliveryError, match="STARTTLS") as caught:
        await SMTPMailer(_config(server.port, "starttls")).send(_message())
    assert "SCIMITAR_SMTP_SECURITY" in str(caught.value)


async def test_server_down() -> None:
    port = free_port()
    with pytest.raises(MailDeliveryError, match=f"127.0.0.1:{port}"):
        await SMTPMailer(_config(port, "none")).send(_message())


async def test_auth_required_without_login_is_refused(certificates: Certificates) -> None:
    with mail_server("starttls", certificates, with_auth=True) as server:
        config = _config(server.port, "starttls", smtp_ca_file=certificates.ca_file)
        with pytest.raises(MailDeliveryError, match="refused the mail: 530"):
            await SMTPMailer(config).send(_message())
