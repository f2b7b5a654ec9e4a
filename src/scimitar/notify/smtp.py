"""Sending mail over SMTP: the server's settings, checked once, and a sender that never blocks.

smtplib is blocking, so each mail is sent in a worker thread (:func:`asyncio.to_thread`); the
event loop (and the cycle that published the event) only awaits it. TLS certificates are
verified against the system's CAs, or the CA file the settings name; skipping verification is
an explicit setting meant for tests.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import structlog

from scimitar.errors import ConfigError, ScimitarError
from scimitar.secrets import Secret
from scimitar.settings import Settings, SMTPSecurity

__all__ = ["DEFAULT_PORTS", "MailDeliveryError", "SMTPConfig", "SMTPMailer"]

log = structlog.get_logger("scimitar.notify")

#: The usual port of each kind of connection (RFC 5321, RFC 6409, RFC 8314).
DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "tls": 465}


class MailDeliveryError(ScimitarError):
    """The SMTP server could not be reached or refused the mail."""


def _is_address(value: str) -> bool:
    _name, address = parseaddr(value)
    local, _, domain = address.partition("@")
    return bool(local) and bool(domain) and " " not in address


@dataclass(frozen=True, slots=True)
class SMTPConfig:
    """Where and how notification mails are sent.

    Attributes:
        host: The SMTP server.
        port: Its port.
        security: ``none``, ``starttls`` or ``tls``.
        sender: The From address (``Name <address>`` allowed).
        username: Login for SMTP AUTH, or ``None`` to send without logging in.
        password: Its password (redacted wherever shown).
        timeout: Seconds allowed to connect and for each command.
        ca_file: A PEM file of CAs to trust instead of the system's.
        is_insecure: Skip certificate and host-name checks (tests only).
    """

    host: str
    port: int
    security: SMTPSecurity
    sender: str
    username: str | None = None
    password: Secret | None = None
    timeout: float = 20.0
    ca_file: Path | None = None
    is_insecure: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SMTPConfig | None:
        """The SMTP settings in force, or ``None`` when ``SCIMITAR_SMTP_HOST`` is unset.

        Raises:
            ConfigError: A setting is missing or contradicts another, with the fix.
        """
        if not settings.smtp_host:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        config = cls(
            host=settings.smtp_host,
            port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
            security=settings.smtp_security,
            sender=(settings.smtp_sender or "").strip(),
            username=settings.smtp_username or None,
            password=Secret(password) if password else None,
            timeout=settings.smtp_timeout_seconds,
            ca_file=settings.smtp_ca_file,
            is_insecure=settings.smtp_tls_insecure,
        )
        config.validate()
        return config

    def validate(self) -> None:
        """Refuse settings that cannot work or would leak the password.

        Raises:
            ConfigError: What is wrong, naming the environment variable to change.
        """
        if not self.sender:
            raise ConfigError(
                "SCIMITAR_SMTP_SENDER is not set: notification mails need a From address, "
                "e.g. SCIMITAR_SMTP_SENDER=scimitar@example.com"
            )
        if not _is_address(self.sender):
            raise ConfigError(
                f"SCIMITAR_SMTP_SENDER {self.sender!r} is not an email address; "
                "use e.g. scimitar@example.com or 'Scimitar <scimitar@example.com>'"
            )
        if (self.username is None) != (self.password is None):
            raise ConfigError(
                "SMTP AUTH needs both SCIMITAR_SMTP_USERNAME and SCIMITAR_SMTP_PASSWORD; "
                "set both, or neither to send without logging in"
            )
        if self.username is not None and self.security == "none":
            raise ConfigError(
                "SCIMITAR_SMTP_SECURITY=none would send the SMTP password unencrypted; "
                "use starttls or tls"
            )
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ConfigError(
                f"SCIMITAR_SMTP_CA_FILE {str(self.ca_file)!r} is not a file; "
                "give the PEM file of the CA that signed the SMTP server's certificate"
            )

    def describe(self) -> str:
        """``host:port (security)``, for messages (never the password)."""
        return f"{self.host}:{self.port} ({self.security})"

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context: verifying by default, against ``ca_file`` when given."""
        context = ssl.create_default_context(
            cafile=str(self.ca_file) if self.ca_file is not None else None
        )
        if self.is_insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


class SMTPMailer:
    """Sends mails through one SMTP server, a fresh connection per mail.

    Args:
        config: The server and how to reach it.
    """

    def __init__(self, config: SMTPConfig) -> None:
        self.config = config
        if config.is_insecure and config.security != "none":
            log.warning("smtp_tls_unverified", server=config.describe())

    async def send(self, message: EmailMessage) -> None:
        """Send ``message`` to the recipients in its headers.

        Raises:
            MailDeliveryError: The server could not be reached, TLS or AUTH failed, or it
                refused the mail.
        """
        await asyncio.to_thread(self._send_blocking, message)

    def _send_blocking(self, message: EmailMessage) -> None:
        config = self.config
        try:
            with self._connect() as smtp:
                if config.security == "starttls":
                    smtp.starttls(context=self.config.ssl_context())
                    smtp.ehlo()
                if config.username is not None and config.password is not None:
                    smtp.login(config.username, config.password.reveal())
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailDeliveryError(
                f"SMTP server {config.describe()} refused the login of "
                f"{config.username!r}: {exc.smtp_code} {_text(exc.smtp_error)}; "
                "check SCIMITAR_SMTP_USERNAME and SCIMITAR_SMTP_PASSWORD"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailDeliveryError(
                f"SMTP server {config.describe()}: {exc} "
                "Set SCIMITAR_SMTP_SECURITY to what it supports"
            ) from exc
        except ssl.SSLError as exc:
            raise MailDeliveryError(
                f"TLS with SMTP server {config.describe()} failed: {_tls_reason(exc)}; "
                "check the port and SCIMITAR_SMTP_SECURITY, or trust its CA with "
                "SCIMITAR_SMTP_CA_FILE"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailDeliveryError(
                f"SMTP server {config.describe()} refused the mail: "
                f"{exc.smtp_code} {_text(exc.smtp_error)}"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(
                f"could not send mail through SMTP server {config.describe()}: "
                f"{exc or type(exc).__name__}"
            ) from exc

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.security == "tls":
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=config.ssl_context()
            )
        return smtplib.SMTP(config.host, config.port, timeout=config.timeout)


def _tls_reason(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"certificate verify failed: {exc.verify_message}"
    return str(exc.reason or exc)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
