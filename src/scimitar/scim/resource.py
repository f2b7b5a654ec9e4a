"""Validating POST/PUT bodies (RFC 7643 §2, §3; RFC 7644 §3.3, §3.5.1), and re-exports of
:func:`project` and :func:`sort_key` for attribute selection and sorting.

Webex behaviour (docs/entra.md, Webex): the core schema URN is mandatory in ``schemas``;
unknown schema URNs and read-only attributes are dropped silently. Entra's legacy client sends
``null`` for unmapped attributes, so nulls are dropped too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from scimitar.scim.errors import InvalidValueError, MutabilityError
from scimitar.scim.projection import project, sort_key
from scimitar.scim.schema import Attribute, ResourceSchema, Schema
from scimitar.scim.values import check_multi_valued, coerce

__all__ = ["Mode", "project", "sort_key", "validate_resource"]

Mode = Literal["create", "replace"]


def validate_resource(
    data: Mapping[str, Any],
    schema: ResourceSchema,
    *,
    mode: Mode,
    existing: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Check and canonicalise a resource sent with POST or PUT (RFC 7644 §3.3, §3.5.1).

    Args:
        data: The request body.
        schema: The resource type.
        mode: ``"create"`` (POST) or ``"replace"`` (PUT).
        existing: For ``replace``, the stored resource, so immutable attributes can be
            checked (RFC 7643 §2.2); optional.

    Returns:
        A new dict: canonical attribute names, ``schemas`` reduced to known URNs, read-only
        attributes and nulls removed, booleans coerced from ``"True"``/``"False"``.

    Raises:
        InvalidValueError: ``schemas`` lacks the core URN, a value has the wrong type, a
            required attribute is missing, or a multi-valued attribute repeats a primary/type.
        MutabilityError: ``replace`` changes an immutable attribute.
    """
    if not isinstance(data, Mapping):
        raise InvalidValueError(f"A {schema.name} must be a JSON object.")
    out: dict[str, Any] = {"schemas": [schema.core.id]}
    _check_schemas(data, schema)
    for key, value in data.items():
        _accept(out, key, value, schema)
    out["schemas"] += [urn for urn in _extension_urns(schema) if urn in out]
    _check_required(out, schema)
    if mode == "replace" and existing is not None:
        _check_immutable(out, existing, schema)
    return out


def _check_schemas(data: Mapping[str, Any], schema: ResourceSchema) -> None:
    urns = data.get("schemas")
    core = schema.core.id.lower()
    if not isinstance(urns, list) or core not in {u.lower() for u in urns if isinstance(u, str)}:
        raise InvalidValueError(
            f"'schemas' must list \"{schema.core.id}\"; add it to the {schema.name} body."
        )


def _extension_urns(schema: ResourceSchema) -> list[str]:
    return [e.schema.id for e in schema.extensions]


def _accept(out: dict[str, Any], key: str, value: Any, schema: ResourceSchema) -> None:
    if value is None:
        return
    attr = schema.top_level(key)
    if attr is not None:  # the common case first: no attribute is named "schemas" or a URN
        _put(out, attr, value, attr.name)
        return
    if key.lower() == "schemas":
        return
    extension = schema.schema_for(key)
    if extension is not None and extension is not schema.core:
        _accept_extension(out, extension, value)
        return
    urn, rest = schema.split(key)
    if urn is not None:
        if rest and schema.schema_for(urn) is not None:
            _accept_qualified(out, urn, rest, value, schema)
        return  # unknown schema URN: ignored (Webex §1.6)
    raise InvalidValueError(
        f"Unknown attribute '{key}' for {schema.name}; remove it or check the name against "
        f"/Schemas."
    )


def _accept_extension(out: dict[str, Any], extension: Schema, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise InvalidValueError(
            f"'{extension.id}' must be an object of {extension.name} attributes."
        )
    target: dict[str, Any] = {}
    for key, item in value.items():
        attr = extension.attribute(key)
        if attr is None:
            raise InvalidValueError(
                f"Unknown attribute '{key}' in '{extension.id}'; remove it or check the name "
                f"against /Schemas."
            )
        if item is not None:
            _put(target, attr, item, f"{extension.id}:{attr.name}")
    if target:
        out.setdefault(extension.id, {}).update(target)


def _accept_qualified(
    out: dict[str, Any], urn: str, rest: str, value: Any, schema: ResourceSchema
) -> None:
    """A top-level key such as ``urn:...:enterprise:2.0:User:employeeNumber``."""
    owner = schema.schema_for(urn)
    if owner is schema.core:
        _accept(out, rest, value, schema)
    elif owner is not None:
        _accept_extension(out, owner, {rest: value})


def _put(target: dict[str, Any], attr: Attribute, value: Any, where: str) -> None:
    if not attr.is_writable:
        return  # read-only input is ignored (Webex §1.6, RFC 7643 §2.2)
    coerced = coerce(attr, value, where)
    if coerced is None or coerced == []:
        return
    check_multi_valued(attr, coerced, where)
    target[attr.name] = coerced


def _check_required(out: Mapping[str, Any], schema: ResourceSchema) -> None:
    for attr in schema.required_attributes:
        if attr.name not in out:
            raise InvalidValueError(
                f"Attribute '{attr.name}' is required for {schema.name}; add it to the body."
            )
    for extension, attributes in schema.required_extensions:
        if extension.required and extension.schema.id not in out:
            raise InvalidValueError(
                f"Schema extension '{extension.schema.id}' is required for {schema.name}."
            )
        section = out.get(extension.schema.id)
        for attr in attributes:
            if section is not None and attr.name not in section:
                raise InvalidValueError(
                    f"Attribute '{extension.schema.id}:{attr.name}' is required; add it."
                )


def _check_immutable(
    out: Mapping[str, Any], existing: Mapping[str, Any], schema: ResourceSchema
) -> None:
    """RFC 7643 §2.2: an immutable attribute may be set once, then never changed."""
    for attr in schema.core.attributes:
        old = existing.get(attr.name)
        if attr.mutability == "immutable" and old is not None and out.get(attr.name) != old:
            raise MutabilityError(
                f"Attribute '{attr.name}' is immutable; send its current value unchanged."
            )
