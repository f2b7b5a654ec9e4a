"""What names a resource (``userName``, a group's ``displayName``): one line of text."""

from __future__ import annotations

import re
from typing import Any

from scimitar.scim.errors import InvalidValueError

__all__ = ["check_names"]

# The attribute that names a resource: one line of visible text, matched case-insensitively.
_NAME_ATTRIBUTE = {"User": "userName", "Group": "displayName"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_names(resource_type: str, doc: dict[str, Any]) -> None:
    """Refuse a blank ``userName`` (or group ``displayName``) or one with control characters.

    RFC 7643 §4.1.1 makes ``userName`` the unique identifier a person types to sign in; a blank
    one matches nothing, and a line break or NUL in it cannot be typed, shown or (NUL) stored
    in PostgreSQL.

    Raises:
        InvalidValueError: Naming the attribute and what is wrong with its value.
    """
    name = _NAME_ATTRIBUTE[resource_type]
    value = doc.get(name)
    if not isinstance(value, str):
        return  # absent where required is validate_resource's to refuse
    if not value.strip():
        raise InvalidValueError(
            f"Attribute '{name}' is blank; send a non-empty {name} (it identifies the "
            f"{resource_type.lower()})."
        )
    found = _CONTROL.search(value)
    if found is not None:
        raise InvalidValueError(
            f"Attribute '{name}' holds the control character U+{ord(found.group()):04X}; "
            f"send it as one line of visible text."
        )
