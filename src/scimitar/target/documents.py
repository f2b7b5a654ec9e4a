"""Pure helpers for target documents: index keys, timestamps, ETags and rendering."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scimitar.scim.errors import SCIMError
from scimitar.scim.urns import CISCO_USER
from scimitar.target.imperfections import WELL_BEHAVED, Imperfections
from scimitar.target.repository import IndexKeys, Member

__all__ = [
    "RequestContext",
    "etag",
    "index_keys",
    "matches_if_match",
    "now_iso",
    "precondition_failed",
    "render_group",
    "render_user",
]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who is asking and where: the tenant, its profile and the base URL the client used."""

    tenant_id: str
    profile_name: str
    base_url: str
    quirks: str = "vendor"
    imperfections: Imperfections = WELL_BEHAVED

    def location(self, resource_type: str, resource_id: str) -> str:
        """``meta.location`` of a resource, at the URL form the client used."""
        return f"{self.base_url}/{'Users' if resource_type == 'User' else 'Groups'}/{resource_id}"


class _Clock:
    """Formats the current millisecond once: a Bulk request creates dozens of users in one."""

    __slots__ = ("_millis", "_text")

    def __init__(self) -> None:
        self._millis = -1
        self._text = ""

    def now(self) -> str:
        millis = time.time_ns() // 1_000_000
        if millis != self._millis:
            seconds, fraction = divmod(millis, 1000)
            moment = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._text = f"{moment}.{fraction:03d}Z"
            self._millis = millis
        return self._text


_CLOCK = _Clock()


def now_iso() -> str:
    """Now, as SCIM writes dateTime values (RFC 3339, UTC, milliseconds)."""
    return _CLOCK.now()


def etag(version: int) -> str:
    """The weak entity tag of a resource version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


def matches_if_match(header: str | None, version: int) -> bool:
    """Whether an ``If-Match`` header admits this version (no header admits everything)."""
    if header is None or header.strip() == "*":
        return True
    current = etag(version)
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == current or f"W/{tag}" == current:
            return True
    return False


def index_keys(resource_type: str, doc: dict[str, Any]) -> IndexKeys:
    """The indexed columns of a document; ``userName`` is unique case-insensitively.

    Users have a ``userName`` key and groups a ``displayName`` key: those are what clients
    look them up by (:mod:`scimitar.target.query`; a user's displayName is filtered by a
    scan). A user's displayName left out of the index spares each new user an insert on a
    random page of it.
    """
    is_user = resource_type == "User"
    user_name = doc.get("userName") if is_user else None
    display = None if is_user else doc.get("displayName")
    external = doc.get("externalId")
    return IndexKeys(
        user_name_key=user_name.lower() if isinstance(user_name, str) else None,
        external_id=external if isinstance(external, str) else None,
        display_name_key=display.lower() if isinstance(display, str) else None,
    )


def _meta(doc: dict[str, Any], ctx: RequestContext, resource_type: str, version: int) -> None:
    meta = dict(doc.get("meta") or {})
    meta["version"] = etag(version)
    meta["location"] = ctx.location(resource_type, doc["id"])
    doc["meta"] = meta


def render_user(
    stored: dict[str, Any],
    version: int,
    ctx: RequestContext,
    groups: Sequence[tuple[str, str | None]] | None,
) -> dict[str, Any]:
    """A stored user as returned: meta completed, ``groups`` when asked for, Webex org id."""
    doc = dict(stored)
    _meta(doc, ctx, "User", version)
    if groups:
        doc["groups"] = [
            {"value": gid, "display": name, "$ref": ctx.location("Group", gid), "type": "direct"}
            if name is not None
            else {"value": gid, "$ref": ctx.location("Group", gid), "type": "direct"}
            for gid, name in groups
        ]
    if ctx.profile_name == "webex" and ctx.quirks == "vendor":
        cisco = dict(doc.get(CISCO_USER) or {})
        cisco["meta"] = {"organizationId": ctx.tenant_id}
        doc[CISCO_USER] = cisco
    return doc


def render_group(
    stored: dict[str, Any], version: int, ctx: RequestContext, members: Sequence[Member] | None
) -> dict[str, Any]:
    """A stored group as returned, with the members given (None leaves them out)."""
    doc = dict(stored)
    _meta(doc, ctx, "Group", version)
    if members is not None:
        doc["members"] = [_member(m, ctx) for m in members]
    return doc


def _member(member: Member, ctx: RequestContext) -> dict[str, Any]:
    kind = "Group" if member.type.lower() == "group" else "User"
    out: dict[str, Any] = {
        "value": member.value,
        "type": member.type,
        "$ref": ctx.location(kind, member.value),
    }
    if member.display is not None:
        out["display"] = member.display
    return out


def precondition_failed(resource_type: str, resource_id: str, version: int) -> SCIMError:
    """412 for an ``If-Match`` that names another version (RFC 7644 §3.14)."""
    return SCIMError(
        412,
        None,
        f"{resource_type} {resource_id} is at version {etag(version)}, not the one in If-Match; "
        "read it again and retry with the current ETag",
    )
