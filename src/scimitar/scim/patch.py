"""Applying PATCH operations (RFC 7644 §3.5.2), with Entra's quirks accepted.

Entra quirks handled (docs/entra.md §1.6-1.9): ``op`` in any case; ``"True"`` and
``"False"`` strings for booleans; ``Remove`` of ``members`` with a value list removes only those
members; ``Remove`` with a path and a value; ``Add``/``Replace`` on ``attr[type eq "x"].sub``
creates the typed element when none matches; a path-less ``replace`` whose value keys are
dotted or URN-qualified paths (``aadOptscim062020``); the manager as a plain string; member
values with a null ``$ref``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from scimitar.scim.errors import (
    InvalidPathError,
    InvalidSyntaxError,
    InvalidValueError,
    MutabilityError,
    NoTargetError,
)
from scimitar.scim.lexer import ErrorFactory
from scimitar.scim.patch_targets import apply_filtered, apply_sub, apply_whole
from scimitar.scim.path import Path, parse_path
from scimitar.scim.resource_access import find_key, get_ci
from scimitar.scim.schema import AttributeRef, ResourceSchema
from scimitar.scim.values import copy_json

__all__ = ["Op", "apply_patch"]

Op = Literal["add", "replace", "remove"]
_OPS: dict[str, Op] = {"add": "add", "replace": "replace", "remove": "remove"}


def apply_patch(
    resource: Mapping[str, Any],
    operations: Sequence[Mapping[str, Any]],
    schema: ResourceSchema,
) -> dict[str, Any]:
    """Apply PATCH operations to a resource and return the patched copy (RFC 7644 §3.5.2).

    Operations run in order, each on the previous result; the first failing one raises and
    nothing is returned. The input is never modified.

    Args:
        resource: The stored resource.
        operations: The request's ``Operations``.
        schema: The resource type.

    Returns:
        The new resource.

    Raises:
        SCIMError: ``invalidSyntax`` (bad operation), ``invalidPath`` (bad or unknown path),
            ``noTarget``, ``mutability`` or ``invalidValue``.
    """
    result: dict[str, Any] = copy_json(resource)
    for number, operation in enumerate(operations, start=1):
        _apply_operation(result, operation, schema, number)
    return result


def _apply_operation(
    result: dict[str, Any], operation: Mapping[str, Any], schema: ResourceSchema, number: int
) -> None:
    if not isinstance(operation, Mapping):
        raise InvalidSyntaxError(
            f"PATCH operation {number} is not a JSON object; send {{op, path, value}}."
        )
    op = _op(get_ci(operation, "op"), number)
    path = get_ci(operation, "path")
    value_key = find_key(operation, "value")
    value = None if value_key is None else operation[value_key]
    if path is not None and not isinstance(path, str):
        raise InvalidPathError(f"PATCH operation {number}: 'path' must be a string, got {path!r}.")
    if value_key is None and op != "remove":
        # RFC 7644 §3.5.2.1, §3.5.2.3: add and replace carry a value; without one, the
        # operation is no request to clear the attribute (that is remove).
        target = f"'{path}'" if path else "the resource"
        raise InvalidValueError(
            f"PATCH operation {number} ({op} of {target}) has no 'value'; send the value, or "
            f"use remove to clear the attribute."
        )
    extension = schema.schema_for(path.strip()) if path else None
    if not path or not path.strip():
        _apply_without_path(result, op, value, schema, number)
    elif extension is not None and extension is not schema.core:
        _apply_extension(result, op, extension.id, value, schema, number)
    else:
        apply_path(result, op, parse_path(path), value, schema, has_value=value_key is not None)


def _op(raw: Any, number: int) -> Op:
    op = _OPS.get(raw.lower()) if isinstance(raw, str) else None
    if op is None:
        raise InvalidSyntaxError(
            f"PATCH operation {number} has op {raw!r}; use add, replace or remove."
        )
    return op


def _apply_without_path(
    result: dict[str, Any], op: Op, value: Any, schema: ResourceSchema, number: int
) -> None:
    if op == "remove":
        raise NoTargetError(
            f"PATCH operation {number} is a remove without a path; name the attribute to remove "
            f"in 'path' (RFC 7644 §3.5.2.2)."
        )
    if not isinstance(value, Mapping):
        raise InvalidValueError(
            f"PATCH operation {number} has no path, so 'value' must be an object of attributes; "
            f"got {type(value).__name__}."
        )
    _apply_value_map(result, op, value, schema)


def _apply_extension(
    result: dict[str, Any], op: Op, urn: str, value: Any, schema: ResourceSchema, number: int
) -> None:
    """A path naming a whole extension (RFC 7644 §3.10): remove it, or add/replace its content.

    ``replace`` swaps the whole extension object; ``add`` merges into it.
    """
    if op == "remove" or op == "replace":
        key = find_key(result, urn)
        if key is not None:
            result.pop(key)
        _drop_extension(result, urn)
    if op == "remove":
        return
    if not isinstance(value, Mapping):
        raise InvalidValueError(
            f"PATCH operation {number} targets the extension {urn}; its 'value' must be an "
            f"object of that extension's attributes, got {type(value).__name__}."
        )
    _apply_value_map(result, op, {urn: value}, schema)


def _apply_value_map(
    result: dict[str, Any], op: Op, value: Mapping[str, Any], schema: ResourceSchema
) -> None:
    """A path-less add/replace: each key is an attribute, a dotted path or a URN (§3.5.2.1)."""
    for key, item in value.items():
        if key.lower() == "schemas":
            continue
        urn_schema = schema.schema_for(key)
        if urn_schema is not None and isinstance(item, Mapping):
            prefix = "" if urn_schema is schema.core else f"{urn_schema.id}:"
            for inner_key, inner in item.items():
                if inner_key.lower() != "schemas":
                    _apply_key(result, op, f"{prefix}{inner_key}", inner, schema)
        else:
            _apply_key(result, op, key, item, schema)


def _apply_key(result: dict[str, Any], op: Op, key: str, item: Any, schema: ResourceSchema) -> None:
    path = parse_path(key)
    apply_path(result, op, path, item, schema, has_value=True, unknown=InvalidValueError)


def apply_path(
    result: dict[str, Any],
    op: Op,
    path: Path,
    value: Any,
    schema: ResourceSchema,
    *,
    has_value: bool,
    unknown: ErrorFactory = InvalidPathError,
) -> None:
    """Apply one operation at ``path`` to ``result`` in place (RFC 7644 §3.5.2.1-3).

    Args:
        result: The resource being patched (a private copy).
        op: The operation.
        path: The parsed target path.
        value: The operation's value.
        schema: The resource type.
        has_value: Whether the operation carried a ``value`` member.
        unknown: The error to raise for an unknown attribute.
    """
    ref = _target(path, schema, op, unknown)
    urn, attr, sub = ref.urn, ref.attribute, ref.sub
    where = attr.name if urn is None else f"{urn}:{attr.name}"
    container = _container(result, urn, create=op != "remove")
    if container is None:
        return
    _canonical_key(container, attr.name)
    if path.value_filter is not None:
        apply_filtered(container, attr, path.value_filter, sub, op, value, where)
    elif sub is not None:
        apply_sub(container, attr, sub, op, value, where)
    else:
        apply_whole(container, attr, op, value, where, has_value=has_value)
    if urn is not None and not container:
        _drop_extension(result, urn)


def _target(path: Path, schema: ResourceSchema, op: Op, unknown: ErrorFactory) -> AttributeRef:
    """Resolve the path's attribute and check it may be written (RFC 7643 §2.2 mutability)."""
    located = schema.locate(path.attr.urn, path.attr.attr)
    if located is None:
        raise unknown(
            f"Unknown attribute '{path.attr}' in PATCH {op}; check the name against "
            f"/Schemas for {schema.name}."
        )
    urn, attr = located
    sub_name = path.sub_attribute
    sub = attr.sub_attribute(sub_name) if sub_name else None
    if sub_name and sub is None:
        raise unknown(f"Attribute '{attr.name}' has no sub-attribute '{sub_name}' (PATCH {op}).")
    ref = AttributeRef(urn, attr, sub)
    if not ref.target.is_writable:
        raise MutabilityError(f"Attribute '{ref.path}' is readOnly; PATCH cannot {op} it.")
    return ref


def _container(result: dict[str, Any], urn: str | None, *, create: bool) -> dict[str, Any] | None:
    if urn is None:
        return result
    key = find_key(result, urn)
    if key is not None and isinstance(result[key], dict):
        if key != urn:
            result[urn] = result.pop(key)
        return result[urn]  # type: ignore[no-any-return]
    if not create:
        return None
    result[urn] = {}
    schemas = result.setdefault("schemas", [])
    if isinstance(schemas, list) and urn.lower() not in {str(s).lower() for s in schemas}:
        schemas.append(urn)
    return result[urn]  # type: ignore[no-any-return]


def _drop_extension(result: dict[str, Any], urn: str) -> None:
    result.pop(urn, None)
    schemas = result.get("schemas")
    if isinstance(schemas, list):
        result["schemas"] = [s for s in schemas if str(s).lower() != urn.lower()]


def _canonical_key(container: dict[str, Any], name: str) -> None:
    """Store the attribute under the schema's spelling, whatever case it arrived in."""
    key = find_key(container, name)
    if key is not None and key != name:
        container[name] = container.pop(key)
