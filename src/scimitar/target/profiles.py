"""What differs between the target's two profiles: plain RFC 7643/7644, and Cisco Webex.

A profile is data the service reads; the service never tests a profile's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scimitar.scim.errors import SCIMError
from scimitar.scim.schema import ResourceSchema, group_schema, user_schema
from scimitar.scim.urns import CISCO_USER, CORE_USER

__all__ = ["GENERIC", "PROFILES", "WEBEX", "TargetProfile", "profile_named"]

WEBEX_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"
# Webex's numeric errorCode is undocumented; ours is status * 1000 + the scimType's place here.
_ERROR_KINDS = (
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
)


@dataclass(frozen=True)
class TargetProfile:
    """The behaviour of one target profile.

    Attributes:
        name: ``webex`` or ``generic``.
        users: The User resource type.
        groups: The Group resource type.
        url_forms: Path prefixes this profile's tenants are served at (``{tenant}`` marks the id).
        group_resource_type: ``meta.resourceType`` of groups (Webex writes ``group``).
        bulk_max_operations: Largest Bulk request accepted.
        group_member_cap: Most members a group GET returns (None: all).
        list_includes_members: Whether a group list returns members without ``includeMembers``.
        default_count: Page size when a list names no ``count``.
        normalise_user: Adjusts a validated user on create and replace (Webex adds the primary
            work email and ``userType``).
        error_extension: Adds the vendor's block to an error body.
    """

    name: str
    users: ResourceSchema
    groups: ResourceSchema
    url_forms: tuple[str, ...]
    group_resource_type: str
    bulk_max_operations: int
    group_member_cap: int | None
    list_includes_members: bool
    default_count: int
    normalise_user: Callable[[dict[str, Any]], dict[str, Any]]
    error_extension: Callable[[dict[str, Any], SCIMError, str], dict[str, Any]]

    def schema_for(self, resource_type: str) -> ResourceSchema:
        """The resource schema for ``User`` or ``Group``."""
        return self.users if resource_type == "User" else self.groups


def _same_user(user: dict[str, Any]) -> dict[str, Any]:
    return user


def _plain_error(body: dict[str, Any], _error: SCIMError, _tracking_id: str) -> dict[str, Any]:
    return body


def _webex_user(user: dict[str, Any]) -> dict[str, Any]:
    """Webex's create-time normalisation (docs/entra.md, Webex).

    ``userType`` defaults to ``user``: Entra's Cisco Webex connector never sends it, and its
    creates must succeed. The primary ``work`` email equals ``userName``: added when absent.
    ``accountStatus`` may arrive as a string; Webex returns an array.
    """
    user.setdefault("userType", "user")
    user_name = user.get("userName")
    emails: list[dict[str, Any]] = list(user.get("emails") or [])
    has_work = any(str(e.get("type", "")).lower() == "work" for e in emails)
    if isinstance(user_name, str) and not has_work:
        has_primary = any(e.get("primary") is True for e in emails)
        emails.append({"value": user_name, "type": "work", "primary": not has_primary})
        user["emails"] = emails
    cisco = user.get(CISCO_USER)
    if isinstance(cisco, dict) and isinstance(cisco.get("accountStatus"), str):
        cisco["accountStatus"] = [cisco["accountStatus"]]
    if CISCO_USER in user and CISCO_USER not in user.get("schemas", []):
        user["schemas"] = [*user.get("schemas", [CORE_USER]), CISCO_USER]
    return user


def _webex_error(body: dict[str, Any], error: SCIMError, tracking_id: str) -> dict[str, Any]:
    """Add Cisco's error block (docs/entra.md, Webex) beside the RFC fields."""
    kind = _ERROR_KINDS.index(error.scim_type) + 1 if error.scim_type in _ERROR_KINDS else 0
    code = error.status * 1000 + kind
    body[WEBEX_ERROR] = {"trackingId": tracking_id, "errorCode": code, "details": error.detail}
    return body


GENERIC = TargetProfile(
    name="generic",
    users=user_schema("generic"),
    groups=group_schema("generic"),
    url_forms=("/scim/{tenant}/v2",),
    group_resource_type="Group",
    bulk_max_operations=1000,
    group_member_cap=None,
    list_includes_members=True,
    default_count=100,
    normalise_user=_same_user,
    error_extension=_plain_error,
)

WEBEX = TargetProfile(
    name="webex",
    users=user_schema("webex"),
    groups=group_schema("webex"),
    url_forms=("/v1/scim/{tenant}", "/identity/scim/{tenant}/v2"),
    group_resource_type="group",
    bulk_max_operations=100,
    group_member_cap=500,
    list_includes_members=False,
    default_count=100,
    normalise_user=_webex_user,
    error_extension=_webex_error,
)

PROFILES = {profile.name: profile for profile in (WEBEX, GENERIC)}


def profile_named(name: str) -> TargetProfile:
    """The profile called ``name``."""
    return PROFILES[name]
