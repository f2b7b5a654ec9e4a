"""The email sink: the engine's events as mails to each app's notification address.

Rules (docs/entra.md §2.6, §3.7):

- A cycle failure mails only when the app asks for it ("Send an email notification when a
  failure occurs"): at most one mail per cycle, and at most one per app within the failure
  window (an hour by default), kept in the store so a restart does not reset it.
- Entering quarantine, and each change of its reason, mails the notification address; so does
  a quarantine that turned provisioning off (its reason unchanged, the job now off: §3.7's
  28 days).
- A tripped delete threshold mails once per cycle, with the held deletions.

A mail that cannot be sent is logged; it never fails the cycle that published the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import select

from scimitar.engine.core.events import (
    CycleFailed,
    DeleteThresholdTripped,
    EngineEvent,
    EventSink,
    Fanout,
    LogSink,
    QuarantineChanged,
)
from scimitar.notify.compose import compose_cycle_failed, compose_deletes_held, compose_quarantine
from scimitar.notify.history import Claim, NotificationHistory
from scimitar.notify.notice import Notice, to_message
from scimitar.notify.smtp import MailDeliveryError, SMTPConfig, SMTPMailer
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.apps import JOB

__all__ = ["CYCLE_FAILED", "DELETES_HELD", "QUARANTINE", "EmailSink", "build_event_sink"]

log = structlog.get_logger("scimitar.notify")

#: The kinds of mail the history keeps.
CYCLE_FAILED = "cycle_failed"
DELETES_HELD = "deletes_held"
QUARANTINE = "quarantine"
#: A TooManyDeletes quarantine this soon after the held-deletions mail needs no mail of its own.
SAME_TRIP = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class _Recipient:
    address: str | None
    on_failure: bool
    is_on: bool = True


class EmailSink:
    """Mails the engine's events to each app's notification address.

    Args:
        database: The store (the apps' addresses and the mails' history).
        mailer: Sends the mails.
        public_url: The server's public URL, for links to the portal's log.
        failure_interval: At most one cycle-failure mail per app within this time.
    """

    def __init__(
        self,
        database: Database,
        mailer: SMTPMailer,
        *,
        public_url: str | None = None,
        failure_interval: timedelta = timedelta(hours=1),
    ) -> None:
        self._database = database
        self._mailer = mailer
        self._public_url = public_url
        self._failure_interval = failure_interval
        self.history = NotificationHistory(database)

    async def publish(self, event: EngineEvent) -> None:
        """Mail ``event`` if the rules say so; never raises."""
        try:
            await self._publish(event)
        except Exception:
            log.exception("notification_failed", app_id=event.app_id, kind=type(event).__name__)

    async def _publish(self, event: EngineEvent) -> None:
        recipient = await self._recipient(event.app_id)
        if recipient.address is None:
            log.info("notification_skipped", app_id=event.app_id, reason="no notify_email")
            return
        if isinstance(event, CycleFailed):
            await self._cycle_failed(event, recipient)
        elif isinstance(event, QuarantineChanged):
            await self._quarantine(event, recipient.address, is_on=recipient.is_on)
        else:
            await self._deletes_held(event, recipient.address)

    async def _cycle_failed(self, event: CycleFailed, recipient: _Recipient) -> None:
        if not recipient.on_failure or recipient.address is None:
            log.info("notification_skipped", app_id=event.app_id, reason="notify_on_failure off")
            return
        claim = await self.history.claim(
            event.app_id,
            CYCLE_FAILED,
            at=event.at,
            window=self._failure_interval,
            cycle_id=event.cycle_id,
        )
        if claim is None:
            log.info("notification_skipped", app_id=event.app_id, reason="rate limited")
            return
        await self._send(compose_cycle_failed(event, self._public_url), recipient.address, claim)

    async def _quarantine(self, event: QuarantineChanged, address: str, *, is_on: bool) -> None:
        if event.reason is None:
            return
        is_disabled = event.reason == event.previous_reason
        if is_disabled and is_on:
            return
        if event.reason == "TooManyDeletes" and await self._deletes_just_mailed(event):
            log.info("notification_skipped", app_id=event.app_id, reason="deletes mail sent")
            return
        claim = await self.history.claim(event.app_id, QUARANTINE, at=event.at, window=timedelta(0))
        notice = compose_quarantine(event, self._public_url, is_disabled=is_disabled)
        await self._send(notice, address, claim)

    async def _deletes_just_mailed(self, event: QuarantineChanged) -> bool:
        sent = await self.history.last_sent(event.app_id, DELETES_HELD)
        return sent is not None and abs(event.at - sent) <= SAME_TRIP

    async def _deletes_held(self, event: DeleteThresholdTripped, address: str) -> None:
        claim = await self.history.claim(
            event.app_id, DELETES_HELD, at=event.at, window=timedelta(0), cycle_id=event.cycle_id
        )
        if claim is None:
            log.info("notification_skipped", app_id=event.app_id, reason="already mailed")
            return
        await self._send(compose_deletes_held(event, self._public_url), address, claim)

    async def _send(self, notice: Notice, address: str, claim: Claim | None) -> None:
        message = to_message(notice, sender=self._mailer.config.sender, recipient=address)
        try:
            await self._mailer.send(message)
        except MailDeliveryError as exc:
            if claim is not None:
                await self.history.release(claim)
            log.warning("notification_not_sent", error=str(exc), subject=notice.subject)
            return
        log.info("notification_sent", to=address, subject=notice.subject)

    async def _recipient(self, app_id: str) -> _Recipient:
        columns = (JOB.c.notify_email, JOB.c.notify_on_failure, JOB.c.is_on)
        query = select(*columns).where(JOB.c.app_id == app_id)
        async with self._database.read() as conn:
            row = (await conn.execute(query)).one_or_none()
        if row is None:
            return _Recipient(None, False)
        return _Recipient(row.notify_email or None, bool(row.notify_on_failure), bool(row.is_on))


def build_event_sink(settings: Settings, database: Database) -> EventSink:
    """The process log, plus email when ``SCIMITAR_SMTP_HOST`` is set.

    Raises:
        ConfigError: The SMTP settings are incomplete or contradictory.
    """
    config = SMTPConfig.from_settings(settings)
    if config is None:
        return LogSink()
    email = EmailSink(
        database,
        SMTPMailer(config),
        public_url=settings.public_url,
        failure_interval=timedelta(minutes=settings.notify_failure_interval_minutes),
    )
    return Fanout(LogSink(), email)
