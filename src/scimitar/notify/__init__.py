"""Email notifications over SMTP: the engine's events mailed to each app's notification address.

:func:`build_event_sink` gives the sink a process publishes to: the log, plus an
:class:`EmailSink` when SMTP is configured (``SCIMITAR_SMTP_*``, see docs/notifications.md).
"""

from scimitar.notify.check import TestMail, send_test_mail
from scimitar.notify.history import NotificationHistory
from scimitar.notify.notice import Notice, render_html, render_text, to_message
from scimitar.notify.sink import EmailSink, build_event_sink
from scimitar.notify.smtp import MailDeliveryError, SMTPConfig, SMTPMailer

__all__ = [
    "EmailSink",
    "MailDeliveryError",
    "Notice",
    "NotificationHistory",
    "SMTPConfig",
    "SMTPMailer",
    "TestMail",
    "build_event_sink",
    "render_html",
    "render_text",
    "send_test_mail",
    "to_message",
]
