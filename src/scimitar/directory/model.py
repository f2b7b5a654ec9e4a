"""Directory objects as values, and the catalogue of attributes Entra provisions from.

Attribute names are Entra's (docs/entra.md §7): the mapping engine reads a user as a mapping keyed
by
them. Values are checked and normalised here, once, whatever their origin (CLI ``NAME=VALUE``,
a CSV cell, a JSON value, the generator).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache, partial
from types import MappingProxyType
from typing import Any

from scimitar.directory.errors import AttributeValueError

__all__ = [
    "EXTENSION_PREFIX",
    "GROUP_ATTRIBUTES",
    "USER_ATTRIBUTES",
    "AttributeSpec",
    "AttributeType",
    "Coercer",
    "Group",
    "Member",
    "Membership",
    "ObjectType",
    "User",
    "attribute_spec",
    "check_text",
    "coerce_attributes",
    "coerce_value",
    "coercer",
    "group_defaults",
    "user_defaults",
]

EXTENSION_PREFIX = "extension_"
_EXTENSION_NAME = re.compile(r"^extension_[A-Za-z0-9_]{1,100}$")
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
_CHECKED_TEXT = frozenset({"userPrincipalName", "mail", "preferredLanguage"})
# Text no store or app can keep or show: a lone surrogate (not Unicode, refused by UTF-8) and
# control characters (NUL is refused by PostgreSQL). Multi-line attributes keep TAB, LF and CR.
_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_UNSTORABLE_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_MULTILINE = frozenset({"streetAddress", "description"})
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


class ObjectType(StrEnum):
    """The kinds of directory object."""

    USER = "user"
    GROUP = "group"


class AttributeType(StrEnum):
    """How an attribute's value is shaped."""

    STRING = "string"
    BOOLEAN = "boolean"
    STRINGS = "strings"
    REFERENCE = "reference"


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """One attribute of the catalogue.

    Attributes:
        name: Entra's name for it.
        type: Its shape.
        max_length: Longest string (per value for multi-valued attributes).
        is_required: Whether every object must have a value.
    """

    name: str
    type: AttributeType = AttributeType.STRING
    max_length: int = 256
    is_required: bool = False


def _catalogue(*specs: AttributeSpec) -> Mapping[str, AttributeSpec]:
    return MappingProxyType({spec.name: spec for spec in specs})


_S = AttributeType.STRING
USER_ATTRIBUTES: Mapping[str, AttributeSpec] = _catalogue(
    AttributeSpec("userPrincipalName", _S, 113, is_required=True),
    AttributeSpec("mail", _S, 256),
    AttributeSpec("mailNickname", _S, 64),
    AttributeSpec("givenName", _S, 64),
    AttributeSpec("surname", _S, 64),
    AttributeSpec("displayName", _S, 256),
    AttributeSpec("jobTitle", _S, 128),
    AttributeSpec("department", _S, 64),
    AttributeSpec("companyName", _S, 64),
    AttributeSpec("employeeId", _S, 16),
    AttributeSpec("telephoneNumber", _S, 64),
    AttributeSpec("mobile", _S, 64),
    AttributeSpec("facsimileTelephoneNumber", _S, 64),
    AttributeSpec("streetAddress", _S, 1024),
    AttributeSpec("city", _S, 128),
    AttributeSpec("state", _S, 128),
    AttributeSpec("postalCode", _S, 40),
    AttributeSpec("country", _S, 128),
    AttributeSpec("physicalDeliveryOfficeName", _S, 128),
    AttributeSpec("preferredLanguage", _S, 35),
    AttributeSpec("manager", AttributeType.REFERENCE, 36),
    AttributeSpec("accountEnabled", AttributeType.BOOLEAN),
    AttributeSpec("proxyAddresses", AttributeType.STRINGS, 256),
)
GROUP_ATTRIBUTES: Mapping[str, AttributeSpec] = _catalogue(
    AttributeSpec("displayName", _S, 256, is_required=True),
    AttributeSpec("mailNickname", _S, 64),
    AttributeSpec("description", _S, 1024),
    AttributeSpec("securityEnabled", AttributeType.BOOLEAN),
)
_EXTENSION_SPEC = AttributeSpec("extension", _S, 1024)


@lru_cache(maxsize=1024)
def _extension_spec(name: str) -> AttributeSpec | None:
    return replace(_EXTENSION_SPEC, name=name) if _EXTENSION_NAME.match(name) else None


def attribute_spec(object_type: ObjectType, name: str) -> AttributeSpec:
    """The catalogue entry for an attribute of users or groups.

    Raises:
        AttributeValueError: No such attribute (users also take ``extension_<name>``).
    """
    catalogue = USER_ATTRIBUTES if object_type is ObjectType.USER else GROUP_ATTRIBUTES
    spec = catalogue.get(name)
    if spec is not None:
        return spec
    extension = _extension_spec(name) if object_type is ObjectType.USER else None
    if extension is not None:
        return extension
    known = "; users also take extension_<name>" if object_type is ObjectType.USER else ""
    raise AttributeValueError(name, f"unknown attribute{known}")


def check_text(name: str, text: str) -> None:
    """Refuse text that holds a control character or a lone surrogate.

    ``str.isprintable`` answers the common case in C; only text it doubts (which includes
    non-breaking and zero-width spaces, both allowed) is searched for what is refused.

    Raises:
        AttributeValueError: Naming the character by its code point.
    """
    if text.isprintable():
        return
    pattern = _UNSTORABLE_MULTILINE if name in _MULTILINE else _UNSTORABLE
    found = pattern.search(text)
    if found is None:
        return
    point = ord(found.group())
    if 0xD800 <= point <= 0xDFFF:
        raise AttributeValueError(name, f"holds a lone surrogate \\u{point:04x}, not Unicode text")
    raise AttributeValueError(
        name, f"holds the control character U+{point:04X}; send one line of visible text"
    )


def _as_text(spec: AttributeSpec, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise AttributeValueError(spec.name, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > spec.max_length:
        raise AttributeValueError(spec.name, f"longer than {spec.max_length} characters")
    check_text(spec.name, text)
    return text


def _as_boolean(spec: AttributeSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise AttributeValueError(spec.name, f"expected true or false, got {value!r}")


def _as_strings(spec: AttributeSpec, value: Any) -> list[str]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise AttributeValueError(spec.name, "not a valid JSON array") from exc
        else:
            value = [part for part in text.split(";") if part.strip()]
    if not isinstance(value, list | tuple):
        raise AttributeValueError(spec.name, f"expected a list, got {type(value).__name__}")
    return [_as_text(spec, item) for item in value]


def _check_string(spec: AttributeSpec, text: str) -> None:
    if spec.name == "userPrincipalName":
        local, at, domain = text.partition("@")
        if not (local and at and domain) or "@" in domain or " " in text:
            raise AttributeValueError(spec.name, f"{text!r} is not of the form alias@domain")
    elif spec.name == "mail" and "@" not in text:
        raise AttributeValueError(spec.name, f"{text!r} is not an email address")
    elif spec.name == "preferredLanguage" and not _LANGUAGE_TAG.match(text):
        raise AttributeValueError(spec.name, f"{text!r} is not a language tag such as en-US")


def _coerce_text(spec: AttributeSpec, value: str) -> str | None:
    """The common case, kept short: imports check millions of text values."""
    text = value.strip()
    if not text:
        if spec.is_required:
            raise AttributeValueError(spec.name, "a value is required")
        return None
    if len(text) > spec.max_length:
        raise AttributeValueError(spec.name, f"longer than {spec.max_length} characters")
    check_text(spec.name, text)
    if spec.name in _CHECKED_TEXT:
        _check_string(spec, text)
    return text


def coerce_value(spec: AttributeSpec, value: Any) -> Any:
    """Check one value against its attribute and return it normalised.

    Text is accepted for every type (``true``/``false``; ``a;b`` or a JSON array for lists),
    so CLI arguments and CSV cells go through the same rules as JSON values.

    Args:
        spec: The attribute.
        value: The raw value; ``None`` or empty text means "no value".

    Returns:
        The normalised value, or ``None`` when there is no value.

    Raises:
        AttributeValueError: The value does not fit the attribute.
    """
    if type(value) is str and spec.type is AttributeType.STRING:
        return _coerce_text(spec, value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.is_required:
            raise AttributeValueError(spec.name, "a value is required")
        return None
    if spec.type is AttributeType.BOOLEAN:
        return _as_boolean(spec, value)
    if spec.type is AttributeType.STRINGS:
        return _as_strings(spec, value) or None
    text = _as_text(spec, value)
    _check_string(spec, text)
    return text


Coercer = Callable[[Any], Any]


def _plain_text_coercer(spec: AttributeSpec) -> Coercer:
    """The import's hot case inlined: an optional, unchecked text attribute given as text."""
    limit, name = spec.max_length, spec.name

    def coerce(value: Any) -> Any:
        if type(value) is not str:
            return coerce_value(spec, value)
        text = value.strip()
        if len(text) > limit:
            raise AttributeValueError(name, f"longer than {limit} characters")
        if not text.isprintable():
            check_text(name, text)
        return text or None

    return coerce


@lru_cache(maxsize=4096)
def coercer(object_type: ObjectType, name: str) -> Coercer:
    """A function that checks and normalises values of one attribute, as :func:`coerce_value`.

    Raises:
        AttributeValueError: No such attribute.
    """
    spec = attribute_spec(object_type, name)
    is_plain = spec.type is AttributeType.STRING and not spec.is_required
    if is_plain and name not in _CHECKED_TEXT:
        return _plain_text_coercer(spec)
    return partial(coerce_value, spec)


def coerce_attributes(object_type: ObjectType, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise a set of attribute values (``None`` marks a value to clear).

    Raises:
        AttributeValueError: On the first attribute that is unknown or whose value is invalid.
    """
    return {
        name: coerce_value(attribute_spec(object_type, name), raw) for name, raw in values.items()
    }


def user_defaults(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A new user's attributes with Entra's defaults filled in (enabled, alias from the UPN)."""
    alias = str(attributes.get("userPrincipalName", "")).partition("@")[0]
    filled = {"accountEnabled": True, "mailNickname": alias or None, "displayName": alias or None}
    filled.update({name: value for name, value in attributes.items() if value is not None})
    return {name: value for name, value in filled.items() if value is not None}


def group_defaults(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A new group's attributes with defaults filled in (security-enabled, alias from the name)."""
    alias = re.sub(r"[^A-Za-z0-9._-]", "", str(attributes.get("displayName", "")))[:64]
    filled = {"securityEnabled": True, "mailNickname": alias or None}
    filled.update({name: value for name, value in attributes.items() if value is not None})
    return {name: value for name, value in filled.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Member:
    """One direct member of a group: a user or a nested group."""

    object_id: str
    object_type: ObjectType

    def to_attributes(self) -> dict[str, str]:
        """``{"objectId": ..., "objectType": "user" | "group"}``."""
        return {"objectId": self.object_id, "objectType": self.object_type.value}


@dataclass(frozen=True, slots=True)
class Membership:
    """A group and one of its direct members, as imported or generated."""

    group_id: str
    member: Member


#: Every catalogue attribute without a value, in the order :meth:`User.to_attributes` gives.
_EMPTY_USER: dict[str, Any] = {"objectId": None, **dict.fromkeys(USER_ATTRIBUTES)}


@dataclass(frozen=True, slots=True)
class User:
    """A directory user.

    Attributes:
        object_id: The stable GUID Entra calls ``objectId``.
        attributes: Values keyed by Entra attribute name; absent means no value. ``manager``
            holds the manager's ``objectId``.
        deleted_at: When the user was soft-deleted, or ``None`` while it is live.
        app_role_assignments: Assignments a caller attached (apps own them, not the directory);
            ``None`` when none were attached.
    """

    object_id: str
    attributes: Mapping[str, Any]
    deleted_at: datetime | None = None
    app_role_assignments: tuple[Mapping[str, Any], ...] | None = field(default=None)

    @property
    def user_principal_name(self) -> str:
        """The sign-in name (unique case-insensitively)."""
        return str(self.attributes["userPrincipalName"])

    @property
    def is_deleted(self) -> bool:
        """Whether the user sits in the recycle bin."""
        return self.deleted_at is not None

    @property
    def is_soft_deleted(self) -> bool:
        """Entra's ``IsSoftDeleted`` as far as the directory knows it (docs/entra.md §2.1 rule 4).

        True when the user is soft-deleted or has ``accountEnabled`` false; the engine adds the
        assignment and scoping cases.
        """
        return self.is_deleted or self.attributes.get("accountEnabled") is False

    def with_app_role_assignments(self, assignments: tuple[Mapping[str, Any], ...]) -> User:
        """A copy carrying the given app role assignments."""
        return replace(self, app_role_assignments=assignments)

    def to_attributes(self) -> dict[str, Any]:
        """The user as the mapping engine reads it: every catalogue attribute (``None`` when
        empty), extension attributes, ``objectId``, ``isSoftDeleted`` and, when attached,
        ``appRoleAssignments``."""
        values = dict(_EMPTY_USER)
        values["objectId"] = self.object_id
        values.update(self.attributes)
        values["isSoftDeleted"] = self.is_soft_deleted
        if self.app_role_assignments is not None:
            values["appRoleAssignments"] = [dict(item) for item in self.app_role_assignments]
        return values


@dataclass(frozen=True, slots=True)
class Group:
    """A directory group with its direct members (nested groups are listed, never expanded).

    Attributes:
        object_id: The stable GUID.
        attributes: Values keyed by Entra attribute name.
        members: Direct members, users and groups.
        deleted_at: When the group was soft-deleted, or ``None`` while it is live.
    """

    object_id: str
    attributes: Mapping[str, Any]
    members: tuple[Member, ...] = ()
    deleted_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """The group's name (not unique)."""
        return str(self.attributes["displayName"])

    @property
    def is_deleted(self) -> bool:
        """Whether the group sits in the recycle bin."""
        return self.deleted_at is not None

    def to_attributes(self) -> dict[str, Any]:
        """The group as the mapping engine reads it, members as objectId/objectType pairs."""
        values: dict[str, Any] = {"objectId": self.object_id}
        values.update(dict.fromkeys(GROUP_ATTRIBUTES))
        values.update(self.attributes)
        values["members"] = [member.to_attributes() for member in self.members]
        values["isSoftDeleted"] = self.is_deleted
        return values
