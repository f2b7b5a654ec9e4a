"""A notification as a value, and its two renderings: plain text and a simple HTML alternative.

Every mail has the same shape, so an admin learns where to look: what happened, the objects
it concerns (with the total when the list is cut), what to do next, and a link to the log.
Text between backticks is a command; HTML shows it as code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from scimitar.engine.core.events import ObjectRef

__all__ = ["MAX_LISTED", "Notice", "describe_object", "render_html", "render_text", "to_message"]

#: Most objects a mail lists; the rest are counted.
MAX_LISTED = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification mail's content.

    Attributes:
        subject: The subject line.
        summary: What happened, one paragraph per item.
        objects_title: The heading of the object list (e.g. ``Objects that failed``).
        objects: The objects concerned (the first few).
        object_total: How many objects there are in all.
        actions: What to do, one step per item; commands between backticks.
        link: The provisioning log in the portal, when its URL is known.
    """

    subject: str
    summary: Sequence[str]
    actions: Sequence[str]
    objects_title: str = "Objects"
    objects: Sequence[ObjectRef] = field(default_factory=tuple)
    object_total: int = 0
    link: str | None = None

    @property
    def listed(self) -> Sequence[ObjectRef]:
        """The objects the mail lists."""
        return tuple(self.objects)[:MAX_LISTED]

    @property
    def unlisted(self) -> int:
        """How many objects the mail does not list."""
        return max(self.object_total, len(self.objects)) - len(self.listed)


def describe_object(ref: ObjectRef) -> str:
    """``User alice@contoso.com (InvalidAttributeValue): the message``."""
    text = f"{ref.object_type} {ref.name or ref.source_id}"
    if ref.error_code:
        text += f" ({ref.error_code})"
    if ref.message:
        text += f": {ref.message}"
    return text


def _total_line(notice: Notice) -> str:
    total = max(notice.object_total, len(notice.objects))
    return f"... and {notice.unlisted:,} more ({total:,} in all)"


def render_text(notice: Notice) -> str:
    """The plain-text body."""
    lines: list[str] = []
    for paragraph in notice.summary:
        lines += [paragraph, ""]
    if notice.listed:
        lines.append(f"{notice.objects_title}:")
        lines += [f"  - {describe_object(ref)}" for ref in notice.listed]
        if notice.unlisted:
            lines.append(f"  {_total_line(notice)}")
        lines.append("")
    if notice.actions:
        lines.append("What to do:")
        lines += [f"  {number}. {step}" for number, step in enumerate(notice.actions, 1)]
        lines.append("")
    if notice.link:
        lines += [f"Provisioning log: {notice.link}", ""]
    lines.append("-- Scimitar provisioning")
    return "\n".join(lines) + "\n"


def _inline(text: str) -> str:
    return _CODE.sub(r"<code>\1</code>", html.escape(text, quote=False))


def render_html(notice: Notice) -> str:
    """The HTML alternative: the same content, with lists and commands as code."""
    parts = [
        "<!DOCTYPE html>",
        '<html><body style="font-family: sans-serif">',
        *(f"<p>{_inline(paragraph)}</p>" for paragraph in notice.summary),
    ]
    if notice.listed:
        parts.append(f"<h3>{html.escape(notice.objects_title)}</h3><ul>")
        parts += [f"<li>{html.escape(describe_object(ref))}</li>" for ref in notice.listed]
        if notice.unlisted:
            parts.append(f"<li><em>{html.escape(_total_line(notice))}</em></li>")
        parts.append("</ul>")
    if notice.actions:
        parts.append("<h3>What to do</h3><ol>")
        parts += [f"<li>{_inline(step)}</li>" for step in notice.actions]
        parts.append("</ol>")
    if notice.link:
        link = html.escape(notice.link)
        parts.append(f'<p><a href="{link}">Open the provisioning log</a></p>')
    parts.append("<p><small>Scimitar provisioning</small></p></body></html>")
    return "\n".join(parts) + "\n"


def to_message(notice: Notice, *, sender: str, recipient: str) -> EmailMessage:
    """The mail: text and HTML alternatives, headers safe from injected line breaks."""
    message = EmailMessage()
    message["Subject"] = _CONTROL.sub(" ", notice.subject).strip()
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(notice))
    message.add_alternative(render_html(notice), subtype="html")
    return message


def _domain(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rpartition("@")[2] or "scimitar.invalid"
