"""Checking and coercing attribute values against their definitions (RFC 7643 §2.3, §2.4).

Shared by resource validation (POST/PUT) and PATCH. Lenient where Entra and Webex clients need
it: ``"True"``/``"False"`` strings for booleans, a lone string for a complex attribute with a
``value`` (Entra's manager), a lone value for a multi-valued attribute (Webex's
``accountStatus``), a one-element list for a single-valued attribute, nulls dropped, read-only
sub-attributes ignored (Webex §1.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimitar.scim.errors import InvalidValueError
from scimitar.scim.evaluation import to_instant
from scimitar.scim.schema import Attribute

__all__ = ["check_multi_valued", "coerce", "coerce_element", "copy_json", "same_element"]

_BOOLEAN_WORDS = {"true": True, "false": False}
_TYPE_WORDS = {
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "decimal": "a number",
    "integer": "an integer",
    "dateTime": 'a dateTime string such as "2011-05-13T04:42:34Z"',
    "binary": "a base64 string",
    "reference": "a URI string",
    "complex": "an object",
}


def coerce(attr: Attribute, value: Any, where: str) -> Any:
    """Check ``value`` against ``attr`` and return its canonical form (RFC 7643 §2.3).

    Args:
        attr: The attribute definition.
        value: The JSON value a client sent.
        where: The attribute's path, for messages.

    Returns:
        The coerced value: a list for multi-valued attributes (possibly empty), or None when
        the value is null or empty (unassigned, RFC 7643 §2.5).

    Raises:
        InvalidValueError: The value has the wrong type; the message names the attribute and
            the expected type.
    """
    if type(value) is attr.plain_type:  # the common case, taken as it is
        return value
    if value is None:
        return None
    if attr.multi_valued:
        items = value if isinstance(value, list) else [value]
        coerced = [coerce_element(attr, item, where) for item in items]
        return [item for item in coerced if item is not None]
    if isinstance(value, list):
        if len(value) != 1:
            raise InvalidValueError(
                f"Attribute '{where}' is single-valued but got a list of {len(value)} values; "
                f"send one value."
            )
        value = value[0]
    return coerce_element(attr, value, where)


def coerce_element(attr: Attribute, value: Any, where: str) -> Any:
    """Check one value (one element, for multi-valued attributes) against ``attr``."""
    if value is None:
        return None
    if attr.is_complex:
        return _complex(attr, value, where)
    checked = _simple(attr, value, where)
    if attr.strict_canonical and attr.canonical_values:
        _check_canonical(attr, checked, where)
    return checked


def _complex(attr: Attribute, value: Any, where: str) -> dict[str, Any] | None:
    if type(value) is not dict and not isinstance(value, Mapping):  # JSON objects are dicts
        if attr.sub_attribute("value") is not None and not isinstance(value, list | bool):
            value = {"value": value}
        else:
            raise _wrong_type(attr, value, where)
    out: dict[str, Any] = {}
    for name, sub_value in value.items():
        sub = attr.sub_attribute(name)
        if sub is None:
            known = ", ".join(s.name for s in attr.sub_attributes)
            raise InvalidValueError(
                f"Attribute '{where}' has no sub-attribute '{name}'; use one of: {known}."
            )
        if sub_value is None or not sub.is_writable:
            continue
        coerced = coerce(sub, sub_value, f"{where}.{sub.name}")
        if coerced is not None and coerced != []:
            out[sub.name] = coerced
    _check_required_subs(attr, out, where)
    return out or None


def _check_required_subs(attr: Attribute, value: Mapping[str, Any], where: str) -> None:
    for sub in attr.required_sub_attributes:
        if sub.name not in value:
            raise InvalidValueError(
                f"Sub-attribute '{where}.{sub.name}' is required in every value of '{where}'; "
                f"add it."
            )


def _simple(attr: Attribute, value: Any, where: str) -> Any:
    kind = attr.type
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _BOOLEAN_WORDS:
            return _BOOLEAN_WORDS[value.lower()]
    elif kind in ("integer", "decimal"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == "decimal" and isinstance(value, float):
            return value
    elif isinstance(value, str) and (kind != "dateTime" or to_instant(value) is not None):
        return value
    raise _wrong_type(attr, value, where)


def _wrong_type(attr: Attribute, value: Any, where: str) -> InvalidValueError:
    shown = repr(value) if len(repr(value)) <= 60 else f"{repr(value)[:57]}..."
    return InvalidValueError(
        f"Attribute '{where}' must be {_TYPE_WORDS[attr.type]}, got {shown}; "
        f"send a value of that type."
    )


def _check_canonical(attr: Attribute, value: Any, where: str) -> None:
    allowed = attr.canonical_values
    if attr.case_exact:
        is_allowed = value in allowed
    else:
        is_allowed = isinstance(value, str) and value.lower() in {a.lower() for a in allowed}
    if not is_allowed:
        raise InvalidValueError(
            f"Attribute '{where}' does not accept {value!r}; use one of: {', '.join(allowed)}."
        )


def check_multi_valued(attr: Attribute, values: Any, where: str) -> None:
    """Reject two ``primary: true`` values, or repeated ``type`` values where they must differ.

    RFC 7643 §2.4 allows one primary value; Entra's SCIM profile requires unique ``type``
    values for typed attributes such as ``emails``.

    Raises:
        InvalidValueError: Naming the attribute and the offending value.
    """
    if not attr.multi_valued or not attr.is_complex or not isinstance(values, list):
        return
    if attr.sub_attribute("primary") is None and not attr.unique_types:
        return
    primaries = sum(1 for v in values if isinstance(v, Mapping) and v.get("primary") is True)
    if primaries > 1:
        raise InvalidValueError(
            f"Attribute '{where}' has {primaries} values marked primary; mark at most one."
        )
    if attr.unique_types:
        _check_unique_types(values, where)


def _check_unique_types(values: list[Any], where: str) -> None:
    seen: set[str] = set()
    for value in values:
        kind = value.get("type") if isinstance(value, Mapping) else None
        if not isinstance(kind, str):
            continue
        if kind.lower() in seen:
            raise InvalidValueError(
                f"Attribute '{where}' has more than one value of type '{kind}'; "
                f"send one value per type."
            )
        seen.add(kind.lower())


def same_element(attr: Attribute, left: Any, right: Any) -> bool:
    """Whether two values of a multi-valued attribute denote the same element.

    When ``value`` is immutable (group ``members``) it identifies the element; otherwise the
    whole values must be equal.
    """
    value_attr = attr.sub_attribute("value") if attr.is_complex else None
    is_identity = value_attr is not None and value_attr.mutability == "immutable"
    if is_identity and isinstance(left, Mapping) and isinstance(right, Mapping):
        return bool(left.get("value") == right.get("value"))
    return bool(left == right)


def copy_json(value: Any) -> Any:
    """Copy a JSON-like value (dicts and lists copied, scalars shared); faster than deepcopy."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or kind is float or value is None:
        return value
    if kind is dict or isinstance(value, Mapping):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value
