"""Attribute selection and sorting for responses (RFC 7644 §3.4.2.3, §3.4.2.5; RFC 7643 §7
``returned``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scimitar.scim.evaluation import to_instant
from scimitar.scim.resource_access import get_ci
from scimitar.scim.schema import Attribute, ResourceSchema

__all__ = ["SortKey", "project", "sort_key"]

# (urn or None, attribute name) -> selected sub-attribute names, or None for the whole attribute
_Selection = dict[tuple[str | None, str], set[str] | None]
_WHOLE = "*"
SortKey = tuple[int, int, Any]


def project(
    resource: Mapping[str, Any],
    schema: ResourceSchema,
    attributes: Sequence[str] | None = None,
    excluded: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Select the attributes to return (RFC 7644 §3.4.2.5, RFC 7643 §7 ``returned``).

    Args:
        resource: The stored resource.
        schema: The resource type.
        attributes: Names to return (``name.givenName``, URN-qualified names, or a schema URN
            meaning all of its attributes); ``id``, ``schemas`` and ``returned: always``
            attributes come back regardless. Takes precedence over ``excluded``.
        excluded: Names to leave out (never ``always`` attributes).

    Returns:
        A new dict. ``returned: never`` attributes are always removed, ``returned: request``
        ones unless named in ``attributes``.
    """
    chosen = _selection(attributes, schema) if attributes else None
    dropped = _selection(excluded, schema) if excluded and chosen is None else {}
    out: dict[str, Any] = {}
    for key, value in resource.items():
        if key == "schemas":
            out[key] = value
            continue
        extension = schema.schema_for(key)
        if extension is not None and extension is not schema.core and isinstance(value, Mapping):
            section = _project_section(value, extension.id, schema, chosen, dropped)
            if section:
                out[key] = section
            continue
        attr = schema.top_level(key)
        kept = (
            _project_attr(None, attr, value, chosen, dropped) if attr else _unknown(chosen, value)
        )
        if kept is not None:
            out[attr.name if attr else key] = kept
    return out


def _unknown(chosen: _Selection | None, value: Any) -> Any:
    return value if chosen is None else None


def _project_section(
    section: Mapping[str, Any],
    urn: str,
    schema: ResourceSchema,
    chosen: _Selection | None,
    dropped: _Selection,
) -> dict[str, Any]:
    extension = schema.schema_for(urn)
    out: dict[str, Any] = {}
    for key, value in section.items():
        attr = extension.attribute(key) if extension is not None else None
        kept = _project_attr(urn, attr, value, chosen, dropped) if attr else _unknown(chosen, value)
        if kept is not None:
            out[attr.name if attr else key] = kept
    return out


def _project_attr(
    urn: str | None,
    attr: Attribute,
    value: Any,
    chosen: _Selection | None,
    dropped: _Selection,
) -> Any:
    if attr.returned == "never":
        return None
    if attr.returned == "always" or (urn is None and attr.name == "id"):
        return value
    if chosen is not None:
        if (urn, _WHOLE) in chosen:
            return value
        if (urn, attr.name) not in chosen:
            return None
        subs = chosen[(urn, attr.name)]
        return value if subs is None else _keep_subs(value, subs)
    if attr.returned == "request":
        return None
    if (urn, attr.name) in dropped:
        subs = dropped[(urn, attr.name)]
        return None if subs is None else _drop_subs(value, subs)
    return value


def _keep_subs(value: Any, subs: set[str]) -> Any:
    if isinstance(value, list):
        kept = [_keep_subs(v, subs) for v in value]
        return [v for v in kept if v] or None
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if k in subs} or None
    return None


def _drop_subs(value: Any, subs: set[str]) -> Any:
    if isinstance(value, list):
        return [_drop_subs(v, subs) for v in value]
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if k not in subs}
    return value


def _selection(names: Sequence[str], schema: ResourceSchema) -> _Selection:
    selection: _Selection = {}
    for raw in names:
        name = raw.strip()
        owner = schema.schema_for(name) if name else None
        if owner is not None:
            selection[(None if owner is schema.core else owner.id, _WHOLE)] = None
            continue
        ref = schema.lookup(name) if name else None
        if ref is None:
            continue  # unknown names select nothing (RFC 7644 §3.4.2.5 leaves this open)
        key = (ref.urn, ref.attribute.name)
        subs = selection.get(key, set())
        if ref.sub is None or subs is None:
            selection[key] = None
        else:
            selection[key] = {*subs, ref.sub.name}
    return selection


def sort_key(resource: Mapping[str, Any], attr_path: str, schema: ResourceSchema) -> SortKey:
    """A key for ``sortBy`` (RFC 7644 §3.4.2.3).

    Strings sort case-insensitively unless ``caseExact``; dateTimes as instants; a
    multi-valued attribute by its primary value, else its first. Missing values sort last in
    ascending order (and so first when the caller sorts with ``reverse=True``).

    Args:
        resource: The resource.
        attr_path: The ``sortBy`` attribute path.
        schema: The resource type.

    Returns:
        A tuple; keys of any two resources compare without error.
    """
    ref = schema.lookup(attr_path)
    if ref is None:
        return (1, 0, "")
    container = resource if ref.urn is None else get_ci(resource, ref.urn)
    value = _representative(get_ci(container, ref.attribute.name))
    attr = ref.attribute
    if ref.sub is not None or attr.is_complex:
        attr = ref.sub or attr.sub_attribute("value") or attr
        value = get_ci(value, attr.name)
    return _normalise(_representative(value), attr)


def _representative(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    for item in value:
        if isinstance(item, Mapping) and item.get("primary") is True:
            return item
    return value[0] if value else None


def _normalise(value: Any, attr: Attribute) -> SortKey:
    if isinstance(value, bool):
        return (0, 0, int(value))
    if isinstance(value, int | float):
        return (0, 0, float(value))
    if isinstance(value, str) and value:
        if attr.type == "dateTime":
            instant = to_instant(value)
            if instant is not None:
                return (0, 0, instant.timestamp())
        return (0, 1, value if attr.case_exact else value.casefold())
    return (1, 0, "")
