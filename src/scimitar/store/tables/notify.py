"""Tables of the notifier: when each kind of mail last went out for each app."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.store.tables.base import Base, UTCDateTime

__all__ = ["NOTIFICATION_SENT", "NotificationSent"]


class NotificationSent(Base):
    """The last mail of one kind sent about an app, so rate limits survive a restart.

    ``kind`` is the event (``cycle_failed``); ``cycle_id`` is the cycle the mail was about, so
    a cycle never gets two mails, and ``sent_at`` starts the app's quiet window.
    """

    __tablename__ = "notification_sent"

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    cycle_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


NOTIFICATION_SENT = cast(Table, NotificationSent.__table__)
