"""The email sink against a real SMTP server, on SQLite and PostgreSQL: which events mail whom,
what the mails say, and the rate limit kept in the store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from scimitar.apps import App, Apps
from scimitar.audit import Actor
from scimitar.engine.core.events import (
    CycleFailed,
    DeleteThresholdTripped,
    Fanout,
    LogSink,
    ObjectRef,
    QuarantineChanged,
)
from scimitar.notify import EmailSink, SMTPConfig, SMTPMailer, build_event_sink
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.apps import JOB
from tests.conftest import free_port
from tests.mailserver import MailServer, mail_server

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PORTAL = "https://scimitar.contoso.com"
ADA = ObjectRef("User", "u-1", "ada@contoso.com", "InvalidAttributeValue", "emails is not valid")
BOB = ObjectRef("User", "u-2", "bob@contoso.com", "Conflict", "userName is taken")


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


async def _app(
    database: Database, settings: Settings, *, on_failure: bool = True, is_on: bool = True
) -> App:
    apps = Apps.create(database, settings)
    app = await apps.apps.add("scim", "Web Shop", actor=Actor.cli("tests"))
    config = await apps.provisioning.config(app.id)
    await apps.provisioning.update_settings(
        app.id,
        replace(config.settings, notify_email="ops@contoso.com", notify_on_failure=on_failure),
        actor=Actor.cli("tests"),
    )
    # Turning provisioning on runs Test Connection against a live app; the job's state is
    # all these tests need.
    async with database.write() as conn:
        await conn.execute(update(JOB).where(JOB.c.app_id == app.id).values(is_on=is_on))
    return app


def _sink(database: Database, server: MailServer, *, port: int | None = None) -> EmailSink:
    config = SMTPConfig("127.0.0.1", port or server.port, "none", "scimitar@example.com")
    return EmailSink(database, SMTPMailer(config), public_url=PORTAL + "/")


def _failed(app: App, cycle: str, at: datetime = AT, **values: object) -> CycleFailed:
    defaults: dict[str, object] = {"failed": (ADA, BOB), "failed_count": 42}
    return CycleFailed(app.id, app.name, cycle, at, **{**defaults, **values})  # type: ignore[arg-type]


async def test_object_failures_mail_says_what_which_and_what_to_do(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings)
    await _sink(database, smtp).publish(_failed(app, "c-1"))
    [mail] = smtp.wait_for(1)
    assert mail.rcpt_tos == ["ops@contoso.com"]
    assert mail.subject == "[Scimitar] Web Shop: 42 objects failed to provision"
    text = mail.body("plain")
    assert "42 objects failed" in text
    assert "User ada@contoso.com (InvalidAttributeValue): emails is not valid" in text
    assert "User bob@contoso.com (Conflict): userName is taken" in text
    assert "... and 40 more (42 in all)" in text
    assert "`scimitar logs 'Web Shop' --cycle c-1 --status failure`" in text
    assert f"Provisioning log: {PORTAL}/portal/apps/{app.id}/logs?cycle=c-1" in text
    page = mail.body("html")
    assert "<code>scimitar logs 'Web Shop' --cycle c-1 --status failure</code>" in page
    assert f'href="{PORTAL}/portal/apps/{app.id}/logs?cycle=c-1"' in page
    assert "<li>User ada@contoso.com (InvalidAttributeValue): emails is not valid</li>" in page


async def test_job_failure_mail_tells_how_to_fix_the_token(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings)
    error = "the app refused the token (401 Unauthorized)"
    await _sink(database, smtp).publish(_failed(app, "c-1", error=error, failed=(), failed_count=0))
    [mail] = smtp.wait_for(1)
    assert mail.subject == "[Scimitar] Web Shop: provisioning cycle failed"
    text = mail.body("plain")
    assert error in text
    assert "`scimitar app credentials 'Web Shop' --tenant-url URL --token TOKEN`" in text
    assert "`scimitar app start 'Web Shop'`" in text


async def test_failure_mails_are_rate_limited_per_app_across_restarts(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings)
    sink = _sink(database, smtp)
    await sink.publish(_failed(app, "c-1"))
    await sink.publish(_failed(app, "c-1", AT + timedelta(hours=2)))  # same cycle: never twice
    await sink.publish(_failed(app, "c-2", AT + timedelta(minutes=30)))  # within the hour
    restarted = _sink(database, smtp)
    await restarted.publish(_failed(app, "c-3", AT + timedelta(minutes=59)))
    assert len(smtp.received) == 1
    await restarted.publish(_failed(app, "c-4", AT + timedelta(minutes=61)))
    mails = smtp.wait_for(2)
    assert len(mails) == 2
    assert "cycle=c-4" in mails[1].body("plain")


async def test_failure_mails_need_notify_on_failure(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings, on_failure=False)
    sink = _sink(database, smtp)
    await sink.publish(_failed(app, "c-1"))
    quarantined = QuarantineChanged(app.id, app.name, AT, "EncounteredQuarantineException")
    await sink.publish(quarantined)
    [mail] = smtp.wait_for(1)
    assert "quarantined" in mail.subject


async def test_quarantine_entered_and_reason_changed(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings)
    sink = _sink(database, smtp)
    entered = QuarantineChanged(
        app.id,
        app.name,
        AT,
        "EncounteredQuarantineException",
        details="401 Unauthorized: the token was revoked",
        next_attempt=AT + timedelta(hours=6),
    )
    await sink.publish(entered)
    await sink.publish(replace(entered, previous_reason=entered.reason))  # job on: no mail
    changed = QuarantineChanged(
        app.id,
        app.name,
        AT + timedelta(hours=6),
        "EncounteredEscrowProportionThreshold",
        previous_reason="EncounteredQuarantineException",
    )
    await sink.publish(changed)
    await sink.publish(replace(changed, reason=None, previous_reason=changed.reason))  # left
    first, second = smtp.wait_for(2)
    assert len(smtp.received) == 2
    assert first.subject == (
        "[Scimitar] Web Shop: provisioning quarantined (EncounteredQuarantineException)"
    )
    text = first.body("plain")
    assert "401 Unauthorized: the token was revoked" in text
    assert "tries again by itself at 2026-11-26 15:00 UTC" in text
    assert "`scimitar app test-connection 'Web Shop'`" in text
    assert f"{PORTAL}/portal/apps/{app.id}/logs" in text
    assert second.subject == (
        "[Scimitar] Web Shop: quarantine reason changed to EncounteredEscrowProportionThreshold"
    )
    assert "from EncounteredQuarantineException to EncounteredEscrowProportionThreshold" in (
        second.body("plain")
    )
    assert "`scimitar app restart 'Web Shop'`" in second.body("plain")


async def test_delete_threshold_mail_lists_held_deletions(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings, on_failure=False)
    sink = _sink(database, smtp)
    held = [ObjectRef("User", f"u-{n}", f"user{n}@contoso.com") for n in range(25)]
    tripped = DeleteThresholdTripped(app.id, app.name, "c-9", AT, 10, tuple(held), 600)
    await sink.publish(tripped)
    await sink.publish(tripped)  # the same cycle again (a resumed cycle): one mail
    await sink.publish(
        QuarantineChanged(app.id, app.name, AT + timedelta(seconds=1), "TooManyDeletes")
    )
    [mail] = smtp.wait_for(1)
    assert len(smtp.received) == 1
    assert mail.subject == "[Scimitar] Web Shop: 600 deletions held for review"
    text = mail.body("plain")
    assert "reached the accidental-deletions threshold of 10 disables and deletes" in text
    assert "Scimitar held 600 of them" in text
    assert "  - User user19@contoso.com\n" in text
    assert "user20@contoso.com" not in text
    assert "... and 580 more (600 in all)" in text
    for step in ("list", "allow", "reject"):
        assert f"`scimitar app deletes 'Web Shop' {step}`" in text
    assert "logs?cycle=c-9" in text


async def test_a_failing_smtp_server_never_raises_and_frees_the_window(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings)
    await _sink(database, smtp, port=free_port()).publish(_failed(app, "c-1"))
    assert await _sink(database, smtp).history.last_sent(app.id, "cycle_failed") is None
    await _sink(database, smtp).publish(_failed(app, "c-2", AT + timedelta(minutes=1)))
    [mail] = smtp.wait_for(1)
    assert "cycle=c-2" in mail.body("plain")


async def test_apps_without_an_address_get_no_mail(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    apps = Apps.create(database, settings)
    app = await apps.apps.add("scim", "Quiet", actor=Actor.cli("tests"))
    sink = _sink(database, smtp)
    await sink.publish(_failed(app, "c-1"))
    await sink.publish(QuarantineChanged(app.id, app.name, AT, "TooManyDeletes"))
    assert smtp.received == []
    assert await sink.history.last_sent(app.id, "cycle_failed") is None


async def test_build_event_sink(database: Database, settings: Settings, smtp: MailServer) -> None:
    assert isinstance(build_event_sink(settings, database), LogSink)
    configured = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "smtp_sender": "scimitar@example.com",
        }
    )
    sink = build_event_sink(configured, database)
    assert isinstance(sink, Fanout)
    app = await _app(database, settings)
    await sink.publish(_failed(app, "c-1"))
    [mail] = smtp.wait_for(1)
    assert mail.message["From"] == "scimitar@example.com"
    assert "Provisioning log" not in mail.body("plain")  # no public URL, no link


async def test_quarantine_that_turned_provisioning_off(
    database: Database, settings: Settings, smtp: MailServer
) -> None:
    app = await _app(database, settings, is_on=False)  # the guard turned provisioning off
    reason = "EncounteredQuarantineException"
    later = AT + timedelta(days=28)
    details = "provisioning was turned off after 28 days in quarantine (401 Unauthorized)"
    await _sink(database, smtp).publish(
        QuarantineChanged(app.id, app.name, later, reason, reason, details, later)
    )
    [mail] = smtp.wait_for(1)
    assert mail.subject == (
        f"[Scimitar] Web Shop: provisioning turned off after quarantine ({reason})"
    )
    text = mail.body("plain")
    assert details in text
    assert "tries again by itself" not in text
    assert "Provisioning stays off until you run `scimitar app start 'Web Shop'`." in text
