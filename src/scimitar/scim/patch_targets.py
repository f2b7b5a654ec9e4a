"""The three PATCH target shapes (RFC 7644 §3.5.2): a whole attribute, ``attr.sub``, and a
value-filtered ``attr[filter]`` with an optional ``.sub``. Each mutates a container (the
resource or one extension object) that the caller has already copied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scimitar.scim.errors import (
    InvalidPathError,
    InvalidValueError,
    MutabilityError,
    NoTargetError,
)
from scimitar.scim.evaluation import evaluate_element
from scimitar.scim.expressions import And, Comparison, Filter, LiteralValue
from scimitar.scim.filter import render_filter
from scimitar.scim.schema import Attribute
from scimitar.scim.values import check_multi_valued, coerce, coerce_element, same_element

__all__ = ["apply_filtered", "apply_sub", "apply_whole"]


def apply_whole(
    container: dict[str, Any], attr: Attribute, op: str, value: Any, where: str, *, has_value: bool
) -> None:
    """``add``/``replace``/``remove`` of a whole attribute (RFC 7644 §3.5.2.1-3)."""
    current = container.get(attr.name)
    if op == "remove":
        _remove_whole(container, attr, current, value if has_value else None, where)
        return
    new = coerce(attr, value, where)
    if new is None or new == []:
        if op == "replace":
            _remove_whole(container, attr, current, None, where)
        return
    if attr.multi_valued:
        merged: Any = _merge_list(attr, current, new) if op == "add" else new
        merged = _single_primary(merged, new)
        check_multi_valued(attr, merged, where)
    elif attr.is_complex and isinstance(current, Mapping):
        merged = _merge_complex(attr, current, new, where)
    else:
        merged = new
    if attr.mutability == "immutable" and current is not None and merged != current:
        raise MutabilityError(f"Attribute '{where}' is immutable; it cannot change once set.")
    container[attr.name] = merged


def _remove_whole(
    container: dict[str, Any], attr: Attribute, current: Any, value: Any, where: str
) -> None:
    if current is None:
        return
    if attr.multi_valued and value is not None and value != []:
        remaining = _without(attr, current, value)
        _store(container, attr, remaining)
        return
    if attr.required:
        raise InvalidValueError(
            f"Attribute '{where}' is required and cannot be removed; replace it instead."
        )
    container.pop(attr.name, None)


def _without(attr: Attribute, current: Any, value: Any) -> list[Any]:
    """Entra's member removal: drop the listed values, matched by ``value`` when given."""
    doomed = value if isinstance(value, list) else [value]
    items = current if isinstance(current, list) else [current]
    value_attr = attr.sub_attribute("value") if attr.is_complex else None
    if value_attr is None:
        return [item for item in items if item not in doomed]
    fold = _folder(value_attr)
    ids = {fold(d.get("value") if isinstance(d, Mapping) else d) for d in doomed}
    return [i for i in items if not (isinstance(i, Mapping) and fold(i.get("value")) in ids)]


def _folder(attr: Attribute) -> Callable[[Any], Any]:
    if attr.case_exact:
        return _hashable
    return lambda v: v.casefold() if isinstance(v, str) else _hashable(v)


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else repr(value)


def _same_text(attr: Attribute | None, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str) and not (attr and attr.case_exact):
        return left.lower() == right.lower()
    return bool(left == right)


def _merge_list(attr: Attribute, current: Any, new: list[Any]) -> list[Any]:
    """RFC 7644 §3.5.2.1: add appends values, without repeating one already present."""
    merged = list(current) if isinstance(current, list) else ([] if current is None else [current])
    if _is_identified_by_value(attr):
        # Large groups: a set of member ids instead of a scan per added member.
        seen = {e.get("value") for e in merged if isinstance(e, Mapping)}
        for item in new:
            if item.get("value") not in seen:
                merged.append(item)
                seen.add(item.get("value"))
        return merged
    for item in new:
        if not any(same_element(attr, existing, item) for existing in merged):
            merged.append(item)
    return merged


def _is_identified_by_value(attr: Attribute) -> bool:
    value = attr.sub_attribute("value") if attr.is_complex else None
    return value is not None and value.mutability == "immutable"


def _single_primary(values: list[Any], new: list[Any]) -> list[Any]:
    """RFC 7644 §3.5.2: setting ``primary`` true on a value clears it on the others."""
    winners = [v for v in new if isinstance(v, Mapping) and v.get("primary") is True]
    if not winners:
        return values
    chosen = winners[-1]
    return [
        {**v, "primary": False}
        if isinstance(v, Mapping) and v is not chosen and v.get("primary") is True
        else v
        for v in values
    ]


def _merge_complex(
    attr: Attribute, current: Mapping[str, Any], new: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """Merge sub-attributes (RFC 7644 §3.5.2.1/3); a new ``value`` drops read-only details."""
    base = dict(current)
    if "value" in new and new["value"] != current.get("value"):
        base = {k: v for k, v in base.items() if _is_writable_sub(attr, k)}
    for name, sub_value in new.items():
        _check_immutable_sub(attr, base, name, sub_value, where)
        base[name] = sub_value
    return base


def _is_writable_sub(attr: Attribute, name: str) -> bool:
    sub = attr.sub_attribute(name)
    return sub is None or sub.is_writable


def _check_immutable_sub(
    attr: Attribute, element: Mapping[str, Any], name: str, new: Any, where: str
) -> None:
    sub = attr.sub_attribute(name)
    old = element.get(name)
    if sub is not None and sub.mutability == "immutable" and old is not None and old != new:
        raise MutabilityError(
            f"Sub-attribute '{where}.{sub.name}' is immutable; remove the value and add a new one."
        )


def _store(container: dict[str, Any], attr: Attribute, items: list[Any]) -> None:
    if items:
        container[attr.name] = items if attr.multi_valued else items[0]
    else:
        container.pop(attr.name, None)


def apply_sub(
    container: dict[str, Any], attr: Attribute, sub: Attribute, op: str, value: Any, where: str
) -> None:
    """``attr.sub`` without a filter: on every value of a multi-valued attribute."""
    current = container.get(attr.name)
    elements = _elements(current)
    if op == "remove":
        for element in elements:
            element.pop(sub.name, None)
        _store(container, attr, [e for e in elements if e])
        return
    new = coerce(sub, value, f"{where}.{sub.name}")
    if new is None:
        if op == "replace":
            apply_sub(container, attr, sub, "remove", None, where)
        return
    if not elements:
        elements = [{}]
    for element in elements:
        _check_immutable_sub(attr, element, sub.name, new, where)
        element[sub.name] = new
    _finish(container, attr, elements, where)


def _elements(current: Any) -> list[dict[str, Any]]:
    if isinstance(current, list):
        return [e for e in current if isinstance(e, dict)]
    return [current] if isinstance(current, dict) else []


def _finish(container: dict[str, Any], attr: Attribute, elements: list[Any], where: str) -> None:
    if attr.multi_valued:
        check_multi_valued(attr, elements, where)
    _store(container, attr, elements)


def apply_filtered(
    container: dict[str, Any],
    attr: Attribute,
    value_filter: Filter,
    sub: Attribute | None,
    op: str,
    value: Any,
    where: str,
) -> None:
    """``attr[filter]`` or ``attr[filter].sub`` (RFC 7644 §3.5.2; Entra creates on no match)."""
    if not attr.is_complex:
        raise InvalidPathError(
            f"Attribute '{where}' is not complex, so a value filter cannot select its values; "
            f"use the plain attribute name."
        )
    elements = _elements(container.get(attr.name))
    selects = _selector(value_filter, attr)
    matched = [e for e in elements if selects(e)]
    if op == "remove":
        _remove_filtered(container, attr, elements, matched, sub)
        return
    if not matched:
        elements.append(_create(attr, value_filter, sub, value, where))
        _finish(container, attr, _single_primary(elements, elements[-1:]), where)
        return
    for element in matched:
        _update_element(attr, element, sub, op, value, where)
    _finish(container, attr, _single_primary(elements, matched), where)


def _selector(value_filter: Filter, attr: Attribute) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate for the filter; ``sub eq "text"`` (member removal) skips the evaluator."""
    if (
        isinstance(value_filter, Comparison)
        and value_filter.op == "eq"
        and isinstance(value_filter.value, str)
        and value_filter.path.sub is None
        and value_filter.path.urn is None
    ):
        sub = attr.sub_attribute(value_filter.path.attr)
        if sub is not None and sub.type in ("string", "reference"):
            return _text_equals(sub, value_filter.value)
    return lambda element: evaluate_element(value_filter, element, attr)


def _text_equals(sub: Attribute, expected: str) -> Callable[[Mapping[str, Any]], bool]:
    name = sub.name
    if sub.case_exact:
        return lambda element: element.get(name) == expected
    folded = expected.casefold()
    return lambda element: isinstance(v := element.get(name), str) and v.casefold() == folded


def _remove_filtered(
    container: dict[str, Any],
    attr: Attribute,
    elements: list[dict[str, Any]],
    matched: list[dict[str, Any]],
    sub: Attribute | None,
) -> None:
    """Remove matched values, or a sub-attribute of them; no match is not an error."""
    if sub is None:
        doomed = {id(m) for m in matched}
        remaining = [e for e in elements if id(e) not in doomed]
    else:
        for element in matched:
            element.pop(sub.name, None)
        remaining = [e for e in elements if e]
    _store(container, attr, remaining)


def _update_element(
    attr: Attribute, element: dict[str, Any], sub: Attribute | None, op: str, value: Any, where: str
) -> None:
    if sub is not None:
        new = coerce(sub, value, f"{where}.{sub.name}")
        _check_immutable_sub(attr, element, sub.name, new, where)
        if new is None:
            element.pop(sub.name, None)
        else:
            element[sub.name] = new
        return
    new_element = coerce_element(attr, value, where) or {}
    if op == "replace":
        for name in element:
            _check_immutable_sub(attr, new_element, name, element[name], where)
        element.clear()
    for name, sub_value in new_element.items():
        _check_immutable_sub(attr, element, name, sub_value, where)
        element[name] = sub_value


def _create(
    attr: Attribute, value_filter: Filter, sub: Attribute | None, value: Any, where: str
) -> dict[str, Any]:
    """Entra: ``emails[type eq "work"].value`` on no match creates ``{type: work, value}``."""
    terms = _equality_terms(value_filter) if sub is not None else None
    if sub is None or terms is None or sub.name.lower() in {t.lower() for t in terms}:
        raise NoTargetError(
            f"No value of '{where}' matches [{render_filter(value_filter)}]; add the value "
            f"first, or check the filter."
        )
    element = coerce_element(attr, terms, where) or {}
    new = coerce(sub, value, f"{where}.{sub.name}")
    if new is not None:
        element[sub.name] = new
    return element


def _equality_terms(f: Filter) -> dict[str, LiteralValue] | None:
    """``a eq x and b eq y`` on plain sub-attributes as ``{a: x, b: y}``; otherwise None."""
    if isinstance(f, Comparison):
        if f.op != "eq" or f.path.sub is not None or f.path.urn is not None:
            return None
        return {f.path.attr: f.value}
    if isinstance(f, And):
        left, right = _equality_terms(f.left), _equality_terms(f.right)
        return None if left is None or right is None else {**left, **right}
    return None
