"""Schema and message URNs, and splitting a URN prefix off an attribute path.

RFC 7644 §3.10 lets an attribute be named by its full URN (``urn:...:2.0:User:userName``).
Webex also writes ``urn:...:2.0:Group.inheritances`` (dot before the attribute name); both
forms are split here, before any schema is known.
"""

from __future__ import annotations

__all__ = [
    "CISCO_GROUP",
    "CISCO_USER",
    "CORE_GROUP",
    "CORE_USER",
    "ENTERPRISE_USER",
    "ERROR",
    "LIST_RESPONSE",
    "MICROSOFT_GROUP",
    "PATCH_OP",
    "SCHEMA",
    "split_urn",
]

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CISCO_USER = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"
CISCO_GROUP = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group"
MICROSOFT_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

_VERSION_CHARS = frozenset("0123456789.")


def split_urn(text: str) -> tuple[str | None, str]:
    """Split ``urn:...:Resource:attr.sub`` into the URN and the attribute part.

    RFC 7644 §3.10 separates the URN from the attribute with a colon. When the segment before
    the last colon is a version (``2.0``), the path is Webex's dotted form and the first dotted
    component after it still belongs to the URN. A bare URN gives an empty attribute part.

    Args:
        text: An attribute path, possibly URN-qualified.

    Returns:
        ``(urn, rest)``; ``urn`` is None when the path has no URN prefix.
    """
    if text[:4].lower() != "urn:":
        return None, text
    head, _, tail = text.rpartition(":")
    last_segment = head.rpartition(":")[2]
    if last_segment and set(last_segment) <= _VERSION_CHARS:
        resource, dot, rest = tail.partition(".")
        return f"{head}:{resource}", rest if dot else ""
    return head, tail
