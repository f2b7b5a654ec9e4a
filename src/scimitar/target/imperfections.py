"""Quirk switches: a tenant that behaves like an imperfect real SCIM server, on purpose.

Real servers deviate from RFC 7644 in ways a client must survive (docs/target.md, "Quirk
switches"). Each switch reproduces one, for tests and demos:

- ``patch_unsupported``: PATCH answers ``501 Not Implemented`` when it touches a chosen
  attribute or uses a chosen operation (``op:add``, ``op:replace``, ``op:remove``; ``*`` for
  every PATCH), although ServiceProviderConfig still says ``patch.supported: true``; a PUT of
  the whole resource is accepted.
- ``filters_ignored``: a filter on a chosen attribute answers ``200`` with ``totalResults: 0``
  instead of ``400 invalidFilter``.
- ``dropped``: a chosen attribute is accepted (``200``/``201``) and not stored.
- ``numeric_status``: error bodies carry ``status`` as a JSON number, not RFC 7644 §3.12's
  string.

Attributes are named as in a PATCH path: ``title``, ``name.givenName``, ``members``, or
URN-qualified (``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager``);
case-insensitive. A name matches the paths of its sub-attributes and value filters too, and a
sub-attribute's name matches a write of its whole parent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scimitar.errors import ConfigError
from scimitar.scim.errors import InvalidFilterError, SCIMError
from scimitar.scim.filter import And, Comparison, Filter, Not, Or, Present, ValuePath, parse_filter

__all__ = ["PATCH_OPS", "WELL_BEHAVED", "Imperfections", "check_names"]

PATCH_OPS = ("op:add", "op:replace", "op:remove")
MAX_NAMES = 50
_NAME = re.compile(
    r"(urn:[A-Za-z0-9:._-]+:)?[A-Za-z$][A-Za-z0-9$_-]*(\.[A-Za-z$][A-Za-z0-9$_-]*)?\Z"
)
_FILTER_BRACKETS = re.compile(r"\[[^\]]*\]")


def _key(path: str) -> tuple[str | None, str]:
    """``(urn, attribute[.sub])`` of a path, lowercase, without value filters."""
    text = _FILTER_BRACKETS.sub("", path.strip()).lower()
    if text.startswith("urn:"):
        urn, _, rest = text.rpartition(":")
        return urn, rest
    return None, text


def _matches(name: str, path: str) -> bool:
    name_urn, name_attr = _key(name)
    path_urn, path_attr = _key(path)
    if name_urn is not None and path_urn is not None and name_urn != path_urn:
        return False
    if name_urn is not None and path_urn is None and path_attr == "":
        return False
    return (
        path_attr == name_attr
        or path_attr.startswith(name_attr + ".")
        or name_attr.startswith(path_attr + ".")
        or (path_attr == "" and path_urn == name_urn)
    )


def check_names(option: str, names: Iterable[str], *, ops: bool = False) -> tuple[str, ...]:
    """Cleaned, distinct names for one switch, or a ConfigError naming the option and the fix."""
    cleaned = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if len(cleaned) > MAX_NAMES:
        raise ConfigError(f"{option}: at most {MAX_NAMES} names, got {len(cleaned)}")
    for name in cleaned:
        if ops and (name == "*" or name.lower() in PATCH_OPS):
            continue
        if len(name) > 200 or not _NAME.match(name):
            extra = f", {', '.join(PATCH_OPS)} or * (every PATCH)" if ops else ""
            raise ConfigError(
                f"{option}: {name[:60]!r} is not an attribute name; use a name such as "
                f"title, name.givenName or urn:...:User:manager{extra}"
            )
    return tuple(n.lower() if n.lower() in PATCH_OPS else n for n in cleaned)


@dataclass(frozen=True, slots=True)
class Imperfections:
    """A tenant's quirk switches; the default is a well-behaved server."""

    patch_unsupported: tuple[str, ...] = ()
    filters_ignored: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    numeric_status: bool = False

    @property
    def is_active(self) -> bool:
        """Whether any switch is on."""
        return bool(
            self.patch_unsupported or self.filters_ignored or self.dropped or self.numeric_status
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain values, as stored and as printed by the CLI."""
        return {
            "patch_unsupported": list(self.patch_unsupported),
            "filters_ignored": list(self.filters_ignored),
            "dropped": list(self.dropped),
            "numeric_status": self.numeric_status,
        }

    def to_json(self) -> str | None:
        """The stored form (``None`` when every switch is off)."""
        return json.dumps(self.as_dict(), separators=(",", ":")) if self.is_active else None

    @classmethod
    def from_json(cls, text: str | None) -> Imperfections:
        """Read the stored form; ``None`` or an empty text is a well-behaved server."""
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            tuple(data.get("patch_unsupported", ())),
            tuple(data.get("filters_ignored", ())),
            tuple(data.get("dropped", ())),
            bool(data.get("numeric_status", False)),
        )

    # Behaviour, applied by the target's routes.

    def refuse_patch(self, resource_type: str, operations: Any) -> None:
        """Raise ``501`` if this PATCH touches an attribute or uses an op switched off."""
        if not self.patch_unsupported or not isinstance(operations, list):
            return
        for operation in operations:
            if not isinstance(operation, Mapping):
                continue
            op = f"op:{str(operation.get('op', '')).lower()}"
            for name in self.patch_unsupported:
                if name == "*" or name == op:
                    raise _not_implemented(resource_type, f"the {op[3:]} operation")
                if name not in PATCH_OPS and any(
                    _matches(name, path) for path in _operation_paths(operation)
                ):
                    raise _not_implemented(resource_type, f"the attribute {name!r}")

    def ignores_filter(self, filter_text: Any) -> bool:
        """Whether a list request with this filter is answered as if nothing matched."""
        if not self.filters_ignored or not isinstance(filter_text, str):
            return False
        try:
            paths = list(_compared(parse_filter(filter_text)))
        except InvalidFilterError:
            return False  # answered 400 invalidFilter as usual
        return any(_matches(name, path) for name in self.filters_ignored for path in paths)

    def drop_from_resource(self, body: Any) -> Any:
        """A POST or PUT body without the dropped attributes (accepted, never stored)."""
        if not self.dropped or not isinstance(body, dict):
            return body
        return _without(body, self.dropped, None)

    def drop_from_patch(self, body: Any) -> Any:
        """A PatchOp body whose writes to dropped attributes are left out."""
        if not self.dropped or not isinstance(body, dict):
            return body
        operations = body.get("Operations")
        if not isinstance(operations, list):
            return body
        kept: list[Any] = []
        for operation in operations:
            if not isinstance(operation, dict):
                kept.append(operation)
            elif isinstance(path := operation.get("path"), str):
                if any(_covers(name, path) for name in self.dropped):
                    continue
                value = operation.get("value")
                if isinstance(value, dict) and any(_matches(n, path) for n in self.dropped):
                    remaining = {
                        sub: inner
                        for sub, inner in value.items()
                        if not any(_covers(n, f"{path}.{sub}") for n in self.dropped)
                    }
                    if remaining or not value:
                        kept.append({**operation, "value": remaining})
                else:
                    kept.append(operation)
            elif isinstance(value := operation.get("value"), dict):
                remaining = _without(value, self.dropped, None)
                if remaining or not value:
                    kept.append({**operation, "value": remaining})
            else:
                kept.append(operation)
        return {**body, "Operations": kept}

    def error_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """An error body with ``status`` as a number when the switch says so."""
        status = body.get("status")
        if self.numeric_status and isinstance(status, str) and status.isdigit():
            return {**body, "status": int(status)}
        return body


#: Every switch off.
WELL_BEHAVED = Imperfections()


def _compared(node: Filter, parent: str | None = None) -> Iterator[str]:
    """The attribute paths a filter compares (RFC 7644 §3.4.2.2), inside value filters too."""
    match node:
        case Comparison(path) | Present(path):
            yield f"{parent}.{path.attr}" if parent else str(path)
        case And(left, right) | Or(left, right):
            yield from _compared(left, parent)
            yield from _compared(right, parent)
        case Not(operand):
            yield from _compared(operand, parent)
        case ValuePath(path, inner):
            yield from _compared(inner, str(path))


def _operation_paths(operation: Mapping[str, Any]) -> Iterator[str]:
    path = operation.get("path")
    if isinstance(path, str) and path.strip():
        yield path
        return
    value = operation.get("value")
    if isinstance(value, Mapping):
        for key, inner in value.items():
            key = str(key)
            if key.lower().startswith("urn:") and isinstance(inner, Mapping):
                yield from (f"{key}:{sub}" for sub in inner)
            else:
                yield key


def _covers(name: str, path: str) -> bool:
    """Whether writing ``path`` writes (part of) ``name`` and nothing beyond it."""
    return _matches(name, path) and len(_key(name)[1]) <= len(_key(path)[1])


def _without(body: dict[str, Any], names: tuple[str, ...], urn: str | None) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in body.items():
        path = f"{urn}:{key}" if urn else key
        if urn is None and key.lower().startswith("urn:") and isinstance(value, dict):
            inner = _without(value, names, key)
            if inner or not value:
                kept[key] = inner
        elif any(_covers(name, path) for name in names):
            continue
        elif isinstance(value, dict):
            kept[key] = {
                sub: inner
                for sub, inner in value.items()
                if not any(_covers(name, f"{path}.{sub}") for name in names)
            }
        else:
            kept[key] = value
    return kept


def _not_implemented(resource_type: str, what: str) -> SCIMError:
    return SCIMError(
        501,
        None,
        f"PATCH of {what} is not implemented on this {resource_type}; "
        "send PUT with the whole resource (quirk switch --patch-unsupported)",
    )
