"""A real SMTP server for tests (aiosmtpd on a free port): plain, STARTTLS or TLS, with AUTH.

Certificates come from a throwaway CA made with ``cryptography``, so the client's verification
runs for real: trusting the CA file passes, trusting nothing fails.
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import free_port

__all__ = [
    "PASSWORD",
    "USERNAME",
    "Certificates",
    "MailServer",
    "Received",
    "mail_server",
    "make_certificates",
]

USERNAME = "scimitar"
PASSWORD = "s3cret-smtp-pw"


@dataclass(frozen=True)
class Certificates:
    """A CA and a server certificate for 127.0.0.1 and localhost, as PEM files."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(directory: Path) -> Certificates:
    """A fresh CA and a server certificate signed by it, written under ``directory``."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Scimitar test CA"))
        .issuer_name(_name("Scimitar test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@dataclass(frozen=True)
class Received:
    """One mail the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, subtype: str) -> str:
        """The ``text/plain`` or ``text/html`` part."""
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None, f"no text/{subtype} part"
        assert part.get_content_type() == f"text/{subtype}"
        return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.arrived:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
            self.arrived.notify_all()
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == USERNAME.encode()
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class MailServer:
    """A running aiosmtpd server and what it received."""

    host: str
    port: int
    security: str
    handler: _Handler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def env(self, **extra: str) -> dict[str, str]:
        """``SCIMITAR_SMTP_*`` variables pointing at this server."""
        values = {
            "SCIMITAR_SMTP_HOST": self.host,
            "SCIMITAR_SMTP_PORT": str(self.port),
            "SCIMITAR_SMTP_SECURITY": self.security,
            "SCIMITAR_SMTP_SENDER": "Scimitar <scimitar@example.com>",
            "SCIMITAR_SMTP_TIMEOUT_SECONDS": "10",
        }
        return {**values, **extra}

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Block until ``count`` mails arrived (or fail after ``timeout`` seconds)."""
        with self.handler.arrived:
            self.handler.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        assert len(self.received) >= count, f"{len(self.received)} mails arrived, not {count}"
        return self.received


@contextmanager
def mail_server(
    security: str = "none",
    certificates: Certificates | None = None,
    *,
    with_auth: bool = False,
) -> Iterator[MailServer]:
    """aiosmtpd on 127.0.0.1 and a free port, stopped afterwards.

    Args:
        security: ``none``, ``starttls`` (offered and required) or ``tls`` (from the start).
        certificates: The server's certificate, for ``starttls`` and ``tls``.
        with_auth: Require AUTH (PLAIN/LOGIN) as :data:`USERNAME` / :data:`PASSWORD`.
    """
    handler = _Handler()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if security != "none":
        assert certificates is not None, "TLS needs certificates"
    if security == "starttls" and certificates is not None:
        kwargs.update(tls_context=certificates.server_context(), require_starttls=True)
    if with_auth:
        kwargs.update(authenticator=_authenticate, auth_required=True)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=certificates.server_context()
        if security == "tls" and certificates is not None
        else None,
        **kwargs,
    )
    controller.start()
    try:
        yield MailServer("127.0.0.1", port, security, handler)
    finally:
        controller.stop()
