"""Mapping target paths: where a mapped value goes in a SCIM resource, and reading it back.

Paths use SCIM PATCH path syntax (parsed by :func:`scimitar.scim.path.parse_path`) restricted
to the shapes Entra mappings use (docs/entra.md §7): ``userName``, ``name.givenName``,
``emails[type eq "work"].value``, ``roles[primary eq "True"].value`` and URN-qualified
``urn:…:enterprise:2.0:User:department``. Writing and reading use the same path, so the
engine can diff what it sent against what the target holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scimitar.errors import ConfigError
from scimitar.scim.errors import InvalidPathError
from scimitar.scim.expressions import Comparison
from scimitar.scim.path import parse_path
from scimitar.scim.resource_access import get_ci
from scimitar.scim.urns import CORE_GROUP, CORE_USER

__all__ = ["PRIMARY_TYPES", "TargetPath", "parse_target_path"]

#: Typed elements Entra marks ``primary: true`` when it creates them (docs/entra.md §1.6: work
#: email).
PRIMARY_TYPES: dict[str, str] = {"emails": "work"}

_CORE_URNS = frozenset({CORE_USER.lower(), CORE_GROUP.lower()})
_Resource = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TargetPath:
    """A parsed target path.

    Attributes:
        text: The path as written.
        urn: The extension schema URN, or ``None`` for core attributes.
        attribute: The top-level (or extension) attribute name.
        sub: The sub-attribute (``givenName``, ``value``), if any.
        filter_attribute: The attribute of an ``[attr eq "x"]`` value filter, if any.
        filter_value: The value of that filter.
    """

    text: str
    urn: str | None
    attribute: str
    sub: str | None = None
    filter_attribute: str | None = None
    filter_value: Any = None

    @property
    def root(self) -> str:
        """The top-level key this path writes under (the URN for extension attributes)."""
        return self.urn if self.urn is not None else self.attribute

    def read(self, resource: Any) -> Any:
        """The value at this path in ``resource`` (names compared case-insensitively); or None."""
        container = get_ci(resource, self.urn) if self.urn is not None else resource
        value = get_ci(container, self.attribute)
        if self.filter_attribute is not None:
            value = self._find(value)
        return get_ci(value, self.sub) if self.sub is not None else value

    def _find(self, elements: Any) -> Any:
        if not isinstance(elements, list):
            return None
        for element in elements:
            if _same(get_ci(element, self.filter_attribute or ""), self.filter_value):
                return element
        return None

    def writer(self) -> Callable[[_Resource, Any], None]:
        """A function that stores a value at this path in a resource being built."""
        if self.filter_attribute is not None:
            return self._element_writer()
        urn, attribute, sub = self.urn, self.attribute, self.sub

        def write(resource: _Resource, value: Any) -> None:
            container = resource.setdefault(urn, {}) if urn is not None else resource
            if sub is None:
                container[attribute] = value
            else:
                container.setdefault(attribute, {})[sub] = value

        return write

    def _element_writer(self) -> Callable[[_Resource, Any], None]:
        urn, attribute, sub = self.urn, self.attribute, self.sub or "value"
        key, expected = self.filter_attribute or "", self.filter_value
        seed = {key: expected}
        if PRIMARY_TYPES.get(attribute) == expected and key == "type":
            seed["primary"] = True

        def write(resource: _Resource, value: Any) -> None:
            container = resource.setdefault(urn, {}) if urn is not None else resource
            elements: list[dict[str, Any]] = container.setdefault(attribute, [])
            for element in elements:
                if element.get(key) == expected:
                    element[sub] = value
                    return
            elements.append({**seed, sub: value})

        return write


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(actual).lower() == str(expected).lower()
    return (
        isinstance(actual, str)
        and isinstance(expected, str)
        and (actual.lower() == expected.lower())
    )


@functools.lru_cache(maxsize=4096)
def parse_target_path(text: str) -> TargetPath:
    """Parse a mapping target path.

    Args:
        text: e.g. ``addresses[type eq "work"].locality``.

    Returns:
        The parsed path.

    Raises:
        ConfigError: For malformed paths, filters other than ``[attr eq "literal"]``, or the
            ``id`` attribute, which is never a mapping target (docs/entra.md §2.3).
    """
    try:
        path = parse_path(text)
    except InvalidPathError as exc:
        raise ConfigError(f"target attribute {text!r} is not a valid path: {exc}") from exc
    urn = path.attr.urn
    if urn is not None and urn.lower() in _CORE_URNS:
        urn = None
    if urn is None and path.attr.attr.lower() == "id":
        raise ConfigError("the target's id is assigned by the target and cannot be mapped")
    if path.value_filter is None:
        return TargetPath(text, urn, path.attr.attr, path.attr.sub)
    condition = path.value_filter
    if not isinstance(condition, Comparison) or condition.op != "eq" or condition.path.sub:
        raise ConfigError(f'target attribute {text!r}: only [attr eq "value"] filters are allowed')
    name = condition.path.attr
    value = condition.value
    if name.lower() == "primary" and isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    return TargetPath(text, urn, path.attr.attr, path.sub, name, value)
