"""Whole-resource request bodies per dialect: POST creates and full-replace PUT.

Entra creates a user without its references (set by a later PATCH) and a group without
members; a template may let creates carry the manager or the members. PUT (RFC 7644 §3.5.1)
replaces the whole resource for apps without PATCH. The dialects themselves, and PATCH
bodies, are in :mod:`scimitar.scim.dialects`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scimitar.mapping.flow import AttributeChange
from scimitar.mapping.target_path import TargetPath, parse_target_path
from scimitar.scim.dialects import RFC, Dialect, _manager_value, _member_values
from scimitar.scim.urns import CORE_GROUP, CORE_USER, ENTERPRISE_USER

__all__ = ["create_group_body", "create_user_body", "put_body"]

_Body = dict[str, Any]


def create_user_body(
    resource: Mapping[str, Any],
    dialect: Dialect,
    *,
    references: Iterable[str] = (),
    manager_id: str | None = None,
) -> _Body:
    """The POST /Users body (docs/entra.md §1.6 "Create").

    References (the manager) are left out: they hold source ids, and the app knows target
    ids. Entra creates users first and sets references in a later PATCH; when the
    manager's target id is known already (the manager was created first), it goes in the
    create as ``manager_id`` and no PATCH is needed.

    Args:
        resource: ``MappingResult.resource``.
        dialect: The request dialect.
        references: Target paths holding references (``MappingResult.references`` keys).
        manager_id: The manager's target id, to send in the create.
    """
    body = _without_paths(resource, references)
    if manager_id is not None:
        extension = body.get(ENTERPRISE_USER)
        body[ENTERPRISE_USER] = {
            **(extension if isinstance(extension, dict) else {}),
            "manager": {"value": manager_id},
        }
    return _with_envelope(body, "User", [CORE_USER], dialect)


def create_group_body(
    resource: Mapping[str, Any], dialect: Dialect, members: Sequence[str] = ()
) -> _Body:
    """The POST /Groups body (docs/provisioning.md, groups).

    Entra creates a group without members and adds them by PATCH; where the app takes them
    on creation (template quirk ``groupMembersOnCreate``), ``members`` (target ids) go in the
    body, as the dialect writes member values in a PATCH.
    """
    body = {k: v for k, v in resource.items() if k.lower() != "members"}
    if members:
        body["members"] = _member_values(list(dict.fromkeys(members)), dialect)
    return _with_envelope(body, "Group", [CORE_GROUP, *dialect.group_schemas], dialect)


def _with_envelope(
    resource: Mapping[str, Any], resource_type: str, core: list[str], dialect: Dialect
) -> _Body:
    attributes = {k: v for k, v in resource.items() if k.lower() not in ("schemas", "id", "meta")}
    for key, extension in attributes.items():
        if key.lower() == ENTERPRISE_USER.lower() and isinstance(extension, dict):
            attributes[key] = {
                name: _manager_value(v, dialect) if name.lower() == "manager" else v
                for name, v in extension.items()
            }
    schemas = core + [urn for urn in _extensions(attributes, dialect) if urn not in core]
    return {"schemas": schemas, **attributes, "meta": {"resourceType": resource_type}}


def _extensions(attributes: Mapping[str, Any], dialect: Dialect) -> list[str]:
    urns = [k for k, v in attributes.items() if k[:4].lower() == "urn:" and isinstance(v, dict)]
    if dialect.lists_custom_extensions:
        return urns
    return [urn for urn in urns if urn == ENTERPRISE_USER]


def put_body(current: Mapping[str, Any], changes: Iterable[AttributeChange]) -> _Body:
    """A full-replace PUT body for targets without PATCH (template quirk, RFC 7644 §3.5.1).

    Starts from what the target holds (so attributes Scimitar does not map survive), writes
    every change at its path and drops the read-only ``meta``; booleans stay JSON booleans.

    Args:
        current: The target resource as last read.
        changes: The attribute changes to apply.
    """
    body: _Body = {k: copy.deepcopy(v) for k, v in current.items() if k.lower() != "meta"}
    for change in changes:
        path = parse_target_path(change.path)
        if change.new_value is None:
            _remove(body, path)
        else:
            path.writer()(body, copy.deepcopy(change.new_value))
    present = {key.lower() for key in body}
    kept = [
        s
        for s in body.get("schemas", [])
        if "extension" not in str(s).lower() or str(s).lower() in present
    ]
    return {**body, "schemas": kept + [u for u in _extensions(body, RFC) if u not in kept]}


def _without_paths(resource: Mapping[str, Any], paths: Iterable[str]) -> _Body:
    """A copy of ``resource`` without ``paths``; only the dicts on those paths are copied.

    Lists and other values are shared with ``resource``: removal builds new lists.
    """
    body: _Body = dict(resource)
    for text in paths:
        path = parse_target_path(text)
        container = body
        if path.urn is not None:
            extension = body.get(path.urn)
            if not isinstance(extension, dict):
                continue
            container = body[path.urn] = dict(extension)
        inner = container.get(path.attribute)
        if isinstance(inner, dict):
            container[path.attribute] = dict(inner)
        _remove(body, path)
    return body


def _remove(body: _Body, path: TargetPath) -> None:
    container = body.get(path.urn) if path.urn is not None else body
    if not isinstance(container, dict):
        return
    if path.filter_attribute is not None:
        _remove_elements(container, path)
    elif path.sub is None:
        container.pop(path.attribute, None)
    elif isinstance(inner := container.get(path.attribute), dict):
        inner.pop(path.sub, None)
        if not inner:
            container.pop(path.attribute)
    if path.urn is not None and not container:
        body.pop(path.urn)


def _remove_elements(container: _Body, path: TargetPath) -> None:
    elements = container.get(path.attribute)
    if not isinstance(elements, list):
        return
    kept: list[Any] = []
    for element in elements:
        if isinstance(element, dict) and _selects(element, path):
            if path.sub is None:
                continue
            element = {k: v for k, v in element.items() if k != path.sub}
            if set(element) <= {path.filter_attribute, "primary"}:
                continue
        kept.append(element)
    if kept:
        container[path.attribute] = kept
    else:
        container.pop(path.attribute)


def _selects(element: Mapping[str, Any], path: TargetPath) -> bool:
    return str(element.get(path.filter_attribute or "")).lower() == str(path.filter_value).lower()
