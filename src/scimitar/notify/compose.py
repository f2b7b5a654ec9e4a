"""What each engine event says to the admin: what happened, which objects, what to do next.

The steps name the commands that fix each case (docs/entra.md §2.6 for held deletions, §3.7 for the
quarantine reasons), with the app's name quoted for a shell.
"""

from __future__ import annotations

import shlex
from datetime import datetime
from urllib.parse import quote, urlencode

from scimitar.engine.core.events import CycleFailed, DeleteThresholdTripped, QuarantineChanged
from scimitar.notify.notice import Notice

__all__ = [
    "compose_cycle_failed",
    "compose_deletes_held",
    "compose_quarantine",
    "compose_test",
    "log_link",
]

_SUBJECT = "[Scimitar] {app}: {what}"
_ESCROW_REASONS = frozenset(
    {
        "EncounteredBaseEscrowThreshold",
        "EncounteredTotalEscrowThreshold",
        "EncounteredEscrowProportionThreshold",
    }
)


def log_link(public_url: str | None, app_id: str, cycle_id: str | None = None) -> str | None:
    """The portal's provisioning log of the app (of one cycle), or ``None`` without a URL."""
    if not public_url:
        return None
    link = f"{public_url.rstrip('/')}/portal/apps/{quote(app_id, safe='')}/logs"
    if cycle_id:
        link += "?" + urlencode({"cycle": cycle_id})
    return link


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _fix_credentials(app: str) -> list[str]:
    return [
        f"Check the connection with `scimitar app test-connection {app}`.",
        f"If the token expired or was revoked, save a new one with `scimitar app credentials "
        f"{app} --tenant-url URL --token TOKEN`, then `scimitar app start {app}`.",
    ]


def compose_cycle_failed(event: CycleFailed, public_url: str | None) -> Notice:
    """A cycle that failed as a whole, or that ended with objects that failed."""
    app = shlex.quote(event.app_name)
    count = max(event.failed_count, len(event.failed))
    if event.error is not None:
        subject = _SUBJECT.format(app=event.app_name, what="provisioning cycle failed")
        summary = [
            f"The provisioning cycle of {event.app_name} failed at {_when(event.at)} and "
            f"stopped: {event.error}",
        ]
        actions = [
            *_fix_credentials(app),
            f"See what the cycle did with `scimitar logs {app} --cycle {event.cycle_id}`.",
        ]
    else:
        noun = "object" if count == 1 else "objects"
        subject = _SUBJECT.format(app=event.app_name, what=f"{count:,} {noun} failed to provision")
        summary = [
            f"The provisioning cycle of {event.app_name} ended at {_when(event.at)}, but "
            f"{count:,} {noun} failed. Scimitar retries them in later cycles on a growing "
            "schedule (escrow).",
        ]
        actions = [
            f"See each failure with `scimitar logs {app} --cycle {event.cycle_id} "
            "--status failure`.",
            "Fix the data in the directory or the attribute mapping "
            f"(`scimitar app mappings {app} show`); the next cycles retry the objects.",
        ]
    if event.error is not None and count:
        summary.append(f"{count:,} objects had failed before it stopped.")
    return Notice(
        subject=subject,
        summary=summary,
        actions=actions,
        objects_title="Objects that failed",
        objects=tuple(event.failed),
        object_total=count,
        link=log_link(public_url, event.app_id, event.cycle_id),
    )


def _quarantine_actions(reason: str, app: str) -> list[str]:
    if reason == "TooManyDeletes":
        return _review_deletes(app)
    if reason == "EncounteredQuarantineException":
        return _fix_credentials(app)
    if reason in _ESCROW_REASONS:
        return [
            f"See the failures with `scimitar logs {app} --status failure`.",
            "Fix their cause (the attribute mapping, the data, or the app's configuration), "
            f"then `scimitar app restart {app}`.",
        ]
    if reason == "QuarantinedOnDemand":
        return [f"Resume provisioning with `scimitar app start {app}` when ready."]
    return [
        f"See the latest records with `scimitar logs {app}` and `scimitar app status {app}`.",
        f"Once the cause is fixed, restart with `scimitar app restart {app}`.",
    ]


def _review_deletes(app: str) -> list[str]:
    return [
        f"Review the held deletions with `scimitar app deletes {app} list`.",
        f"If they are intended, release them with `scimitar app deletes {app} allow`.",
        f"If not, drop them with `scimitar app deletes {app} reject`, then fix the "
        "assignments, the scope or the directory objects that caused them.",
    ]


def compose_quarantine(
    event: QuarantineChanged, public_url: str | None, *, is_disabled: bool = False
) -> Notice:
    """A job that entered quarantine, whose reason changed, or that it turned off (docs/entra.md
    §3.7).

    Args:
        event: The change.
        public_url: The server's public URL, for the link to the log.
        is_disabled: The quarantine lasted so long that provisioning was turned off.

    Raises:
        ValueError: The event says the job left quarantine (no mail is sent for that).
    """
    if event.reason is None:
        raise ValueError("a job that left quarantine needs no mail")
    app = shlex.quote(event.app_name)
    actions = _quarantine_actions(event.reason, app)
    if is_disabled:
        what = f"provisioning turned off after quarantine ({event.reason})"
        first = (
            f"Provisioning of {event.app_name} was turned off at {_when(event.at)}: it stayed "
            "quarantined too long, so Scimitar stopped trying."
        )
        actions = [*actions, f"Provisioning stays off until you run `scimitar app start {app}`."]
    elif event.previous_reason is None:
        what = f"provisioning quarantined ({event.reason})"
        first = f"Provisioning of {event.app_name} was quarantined at {_when(event.at)}."
    else:
        what = f"quarantine reason changed to {event.reason}"
        first = (
            f"The quarantine reason of {event.app_name} changed at {_when(event.at)} from "
            f"{event.previous_reason} to {event.reason}."
        )
    summary = [f"{first} Reason: {event.reason}."]
    if event.details:
        summary.append(event.details)
    if event.next_attempt is not None and not is_disabled:
        summary.append(
            f"Scimitar tries again by itself at {_when(event.next_attempt)}; the first "
            "success ends the quarantine."
        )
    return Notice(
        subject=_SUBJECT.format(app=event.app_name, what=what),
        summary=summary,
        actions=actions,
        link=log_link(public_url, event.app_id),
    )


def compose_deletes_held(event: DeleteThresholdTripped, public_url: str | None) -> Notice:
    """A cycle that tripped the accidental-deletions threshold (docs/entra.md §2.6)."""
    app = shlex.quote(event.app_name)
    count = max(event.staged_count, len(event.staged))
    return Notice(
        subject=_SUBJECT.format(app=event.app_name, what=f"{count:,} deletions held for review"),
        summary=[
            f"At {_when(event.at)} a provisioning cycle of {event.app_name} reached the "
            f"accidental-deletions threshold of {event.threshold:,} disables and deletes per "
            f"cycle. Scimitar held {count:,} of them, from the threshold on, and quarantined "
            "the job (TooManyDeletes): the held ones were not sent to the app.",
        ],
        actions=_review_deletes(app),
        objects_title="Held deletions",
        objects=tuple(event.staged),
        object_total=count,
        link=log_link(public_url, event.app_id, event.cycle_id),
    )


def compose_test(app_name: str, app_id: str, at: datetime, public_url: str | None) -> Notice:
    """The mail ``scimitar notify test`` sends to check the SMTP settings."""
    return Notice(
        subject=_SUBJECT.format(app=app_name, what="test notification"),
        summary=[
            f"This is a test mail sent at {_when(at)} by `scimitar notify test`. Scimitar's "
            f"SMTP settings work, and {app_name}'s notifications reach this address.",
        ],
        actions=[
            "Nothing to do. Failure, quarantine and held-deletion mails for "
            f"{app_name} come to this address.",
        ],
        link=log_link(public_url, app_id),
    )
