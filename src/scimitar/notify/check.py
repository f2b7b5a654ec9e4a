"""``scimitar notify test``: one mail to an app's notification address, to check the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scimitar.apps import JobConfig
from scimitar.errors import ConfigError
from scimitar.notify.compose import compose_test
from scimitar.notify.notice import to_message
from scimitar.notify.smtp import SMTPConfig, SMTPMailer
from scimitar.settings import Settings

__all__ = ["TestMail", "send_test_mail"]


@dataclass(frozen=True, slots=True)
class TestMail:
    """A test mail that was sent.

    Attributes:
        app: The app's name.
        to: The notification address.
        subject: The subject line.
        server: ``host:port (security)``.
        sent_at: When.
    """

    __test__ = False  # not a pytest test class, whatever its name

    app: str
    to: str
    subject: str
    server: str
    sent_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        return {
            "app": self.app,
            "to": self.to,
            "subject": self.subject,
            "server": self.server,
            "sentAt": self.sent_at.isoformat(),
        }


async def send_test_mail(settings: Settings, config: JobConfig, at: datetime) -> TestMail:
    """Send the test mail for the app's job through the SMTP server the settings name.

    Raises:
        ConfigError: SMTP is not configured, or the app has no notification address.
        MailDeliveryError: The server could not be reached or refused the mail.
    """
    smtp = SMTPConfig.from_settings(settings)
    if smtp is None:
        raise ConfigError(
            "email is off: set SCIMITAR_SMTP_HOST and SCIMITAR_SMTP_SENDER (see "
            "docs/notifications.md)"
        )
    app = config.app
    address = config.settings.notify_email
    if not address:
        raise ConfigError(
            f"app {app.name!r} has no notification email; set one with "
            f"`scimitar app settings {app.name!r} --notify EMAIL`"
        )
    notice = compose_test(app.name, app.id, at, settings.public_url)
    await SMTPMailer(smtp).send(to_message(notice, sender=smtp.sender, recipient=address))
    return TestMail(app.name, address, notice.subject, smtp.describe(), at)
