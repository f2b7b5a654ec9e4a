"""Rendering notices: plain text and HTML say the same, escaped; headers stay on one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scimitar.engine.core.events import CycleFailed, ObjectRef, QuarantineChanged
from scimitar.notify import Notice, render_html, render_text, to_message
from scimitar.notify.compose import compose_cycle_failed, compose_quarantine, log_link

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_text_and_html_carry_the_same_content() -> None:
    notice = Notice(
        subject="s",
        summary=["Something <b>odd</b> & bad happened."],
        actions=["Run `scimitar app start <APP>`."],
        objects_title="Objects that failed",
        objects=(ObjectRef("Group", "g-1", "R&D <team>", None, "members too long"),),
        object_total=3,
        link="https://x.example/portal/apps/a/logs?cycle=c&x=1",
    )
    text = render_text(notice)
    assert "Something <b>odd</b> & bad happened." in text
    assert "  - Group R&D <team>: members too long" in text
    assert "  ... and 2 more (3 in all)" in text
    assert "  1. Run `scimitar app start <APP>`." in text
    page = render_html(notice)
    assert "Something &lt;b&gt;odd&lt;/b&gt; &amp; bad happened." in page
    assert "<li>Group R&amp;D &lt;team&gt;: members too long</li>" in page
    assert "<code>scimitar app start &lt;APP&gt;</code>" in page
    assert 'href="https://x.example/portal/apps/a/logs?cycle=c&amp;x=1"' in page


def test_no_object_list_and_no_link_when_there_are_none() -> None:
    text = render_text(Notice(subject="s", summary=["x"], actions=["y"]))
    assert "Objects" not in text
    assert "Provisioning log" not in text


def test_message_headers_and_parts() -> None:
    notice = Notice(subject="line one\r\nBcc: evil@example.com", summary=["x"], actions=[])
    message = to_message(notice, sender="Scimitar <s@contoso.com>", recipient="ops@contoso.com")
    assert message["Subject"] == "line one Bcc: evil@example.com"
    assert message["Bcc"] is None
    assert message["Message-ID"].endswith("@contoso.com>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


def test_log_link() -> None:
    assert log_link(None, "a") is None
    assert log_link("https://s.example/", "a b", "c/1") == (
        "https://s.example/portal/apps/a%20b/logs?cycle=c%2F1"
    )


def test_failure_counts_at_least_the_listed_objects() -> None:
    ref = ObjectRef("User", "u", "ada@contoso.com")
    notice = compose_cycle_failed(CycleFailed("a", "Lab", "c", AT, failed=(ref,)), None)
    assert notice.subject == "[Scimitar] Lab: 1 object failed to provision"
    assert notice.unlisted == 0


@pytest.mark.parametrize(
    ("reason", "command"),
    [
        ("EncounteredBaseEscrowThreshold", "scimitar app restart"),
        ("EncounteredTotalEscrowThreshold", "scimitar app restart"),
        ("EncounteredEscrowProportionThreshold", "scimitar app restart"),
        ("EncounteredQuarantineException", "scimitar app credentials"),
        ("Unknown", "scimitar app restart"),
        ("QuarantinedOnDemand", "scimitar app start"),
        ("TooManyDeletes", "scimitar app deletes Lab allow"),
        ("IngestionInterrupted", "scimitar app restart"),
    ],
    ids=str,
)
def test_every_quarantine_reason_says_what_to_do(reason: str, command: str) -> None:
    notice = compose_quarantine(QuarantineChanged("a", "Lab", AT, reason), None)
    assert reason in notice.subject
    assert any(f"`{command}" in step for step in notice.actions)
