"""Request bodies as Entra sends them, per dialect (docs/entra.md §1.6, §1.7, §1.9).

Two dialects, chosen per app (docs/entra.md §1.9):

- ``rfc`` — what Entra sends with ``aadOptscim062020``: lowercase ops, JSON booleans, several
  single-valued replaces coalesced into one path-less ``replace`` keyed by attribute paths,
  member removal by a ``members[value eq "id"]`` path. Every value has the type RFC 7643 gives
  its attribute: the enterprise ``manager`` is complex (§4.3), so it goes as ``{"value": id}``.
- ``entra`` — the default ``scim`` job, byte for byte: ``Add``/``Replace``/``Remove``, one op
  per path, ``"True"``/``"False"`` strings, members as ``{"$ref": null, "value": id}`` lists,
  removal by value list, the Microsoft ADSCIM URN on group creation, the manager as a bare id.

Every quirk is a field of :class:`Dialect`, so no function tests a dialect's name. All are pure;
whole-resource bodies (creates, full-replace PUT) are in :mod:`scimitar.scim.bodies`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scimitar.errors import ConfigError
from scimitar.mapping.flow import AttributeChange
from scimitar.mapping.functions.approles import ROLE_TYPE
from scimitar.scim.filter import render_value
from scimitar.scim.urns import ENTERPRISE_USER, MICROSOFT_GROUP, PATCH_OP

__all__ = [
    "DIALECTS",
    "ENTRA",
    "MANAGER_PATH",
    "RFC",
    "Dialect",
    "active_body",
    "app_role_operation",
    "dialect_named",
    "disable_body",
    "enable_body",
    "is_manager_path",
    "manager_body",
    "member_patch_bodies",
    "patch_body",
    "patch_operations",
    "patch_request",
]

# A reference to another operation's resource in a Bulk request (RFC 7644 §3.7.2).
#: Where Entra writes the manager reference (docs/entra.md §1.6, observed).
MANAGER_PATH = f"{ENTERPRISE_USER}:manager"

_Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Dialect:
    """The quirks of one request dialect (docs/entra.md §1.9 compliance-quirk catalogue).

    Attributes:
        name: ``rfc`` or ``entra``.
        is_op_capitalised: ``Add``/``Replace``/``Remove`` instead of lowercase ops.
        is_boolean_text: PATCH values that are booleans go as ``"True"``/``"False"``.
        is_replace_coalesced: Several single-valued replaces become one path-less op.
        is_member_removal_filtered: Remove members by ``members[value eq "id"]`` paths
            (otherwise by a ``members`` value list).
        is_member_ref_null: Member values carry ``"$ref": null``.
        is_remove_with_value: A ``Remove`` carries the old value next to its path (observed).
        is_app_role_text: A single app role goes in PATCH as a JSON-encoded string.
        group_schemas: Extra schema URNs on group creation.
        lists_custom_extensions: ``schemas`` names custom extension URNs used in a create.
        is_manager_complex: The enterprise ``manager`` goes as ``{"value": id}`` (RFC 7643
            §4.3 defines it complex), not as the bare id Entra sends.
    """

    name: str
    is_op_capitalised: bool
    is_boolean_text: bool
    is_replace_coalesced: bool
    is_member_removal_filtered: bool
    is_member_ref_null: bool
    is_remove_with_value: bool
    is_app_role_text: bool
    group_schemas: tuple[str, ...]
    lists_custom_extensions: bool
    is_manager_complex: bool

    def op(self, name: Literal["add", "replace", "remove"]) -> str:
        """The ``op`` member as this dialect spells it."""
        return name.capitalize() if self.is_op_capitalised else name


RFC = Dialect(
    name="rfc",
    is_op_capitalised=False,
    is_boolean_text=False,
    is_replace_coalesced=True,
    is_member_removal_filtered=True,
    is_member_ref_null=False,
    is_remove_with_value=False,
    is_app_role_text=False,
    group_schemas=(),
    lists_custom_extensions=True,
    is_manager_complex=True,
)
ENTRA = Dialect(
    name="entra",
    is_op_capitalised=True,
    is_boolean_text=True,
    is_replace_coalesced=False,
    is_member_removal_filtered=False,
    is_member_ref_null=True,
    is_remove_with_value=True,
    is_app_role_text=True,
    group_schemas=(MICROSOFT_GROUP,),
    lists_custom_extensions=False,
    is_manager_complex=False,
)
DIALECTS: Mapping[str, Dialect] = {RFC.name: RFC, ENTRA.name: ENTRA}


def dialect_named(name: str) -> Dialect:
    """The dialect called ``name`` (case-insensitive).

    Raises:
        ConfigError: For an unknown name.
    """
    dialect = DIALECTS.get(name.strip().lower())
    if dialect is None:
        raise ConfigError(f"unknown dialect {name!r}; use one of {', '.join(DIALECTS)}")
    return dialect


def patch_request(operations: Sequence[Mapping[str, Any]]) -> _Body:
    """A PatchOp message around ``operations`` (RFC 7644 §3.5.2)."""
    return {"schemas": [PATCH_OP], "Operations": [dict(op) for op in operations]}


def patch_body(
    changes: Iterable[AttributeChange],
    dialect: Dialect,
    *,
    assertive: frozenset[str] = frozenset(),
) -> _Body:
    """The PATCH request for attribute changes (docs/entra.md §1.6 "Update").

    Args:
        changes: What :meth:`CompiledMappingSet.diff` found; a ``new_value`` of ``None`` removes.
        dialect: The request dialect.
        assertive: Paths whose collection is replaced whole (``MappingResult.assertive``).

    Returns:
        The PatchOp message.
    """
    return patch_request(patch_operations(changes, dialect, assertive=assertive))


def patch_operations(
    changes: Iterable[AttributeChange],
    dialect: Dialect,
    *,
    assertive: frozenset[str] = frozenset(),
) -> list[_Body]:
    """The PATCH operations for attribute changes, in change order (docs/entra.md §1.6, §1.9).

    ``Add`` when the target has no value, ``Replace`` when it has a different one; an assertive
    collection is always replaced; other collections only get the elements they lack.
    """
    operations = [_operation(change, dialect, change.path in assertive) for change in changes]
    return _coalesce(operations, dialect) if dialect.is_replace_coalesced else operations


def _operation(change: AttributeChange, dialect: Dialect, is_assertive: bool) -> _Body:
    if change.new_value is None:
        removal: _Body = {"op": dialect.op("remove"), "path": change.path}
        if dialect.is_remove_with_value and change.old_value is not None:
            removal["value"] = _wire(change.old_value, dialect, change.path)
        return removal
    value = change.new_value
    if is_assertive or change.old_value is None:
        name: Literal["add", "replace"] = "replace" if is_assertive else "add"
    elif isinstance(value, list):
        name, value = "add", [v for v in value if v not in _listed(change.old_value)]
    else:
        name = "replace"
    return {
        "op": dialect.op(name),
        "path": change.path,
        "value": _wire(value, dialect, change.path),
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wire(value: Any, dialect: Dialect, path: str) -> Any:
    if isinstance(value, bool) and dialect.is_boolean_text:
        return "True" if value else "False"
    if path.lower() == MANAGER_PATH.lower():
        return _manager_value(value, dialect)
    return value


def _manager_value(value: Any, dialect: Dialect) -> Any:
    """The enterprise ``manager`` as the dialect writes it: ``{"value": id}`` or the bare id."""
    if dialect.is_manager_complex and isinstance(value, str):
        return {"value": value}
    return value


def _coalesce(operations: list[_Body], dialect: Dialect) -> list[_Body]:
    """``aadOptscim062020``: two or more single-valued replaces become one path-less op."""
    mergeable = [i for i, op in enumerate(operations) if _is_single_replace(op)]
    if len(mergeable) < 2:
        return operations
    merged = {operations[i]["path"]: operations[i]["value"] for i in mergeable}
    result = [op for i, op in enumerate(operations) if i not in mergeable[1:]]
    result[mergeable[0]] = {"op": dialect.op("replace"), "value": merged}
    return result


def _is_single_replace(operation: Mapping[str, Any]) -> bool:
    path = operation.get("path")
    return (
        operation["op"].lower() == "replace"
        and isinstance(path, str)
        and "[" not in path
        and not isinstance(operation.get("value"), list)
    )


def active_body(is_active: bool, dialect: Dialect) -> _Body:
    """PATCH ``active`` alone: disable or re-enable a user (docs/entra.md §1.6, §2.4)."""
    return patch_body([AttributeChange("active", not is_active, is_active)], dialect)


def disable_body(dialect: Dialect) -> _Body:
    """Soft delete: ``Replace active "False"`` (entra) or ``replace active false`` (rfc)."""
    return active_body(False, dialect)


def enable_body(dialect: Dialect) -> _Body:
    """Restore, re-enable or re-assign: ``active`` true (docs/entra.md §2.4)."""
    return active_body(True, dialect)


def manager_body(
    manager_id: str | None,
    dialect: Dialect,
    *,
    current: str | None = None,
    path: str = MANAGER_PATH,
) -> _Body | None:
    """The PATCH that sets, changes or clears the manager (docs/entra.md §1.6 "Manager").

    Args:
        manager_id: The manager's *target* id, or ``None`` to clear it.
        dialect: The request dialect.
        current: The manager target id the user has now, if any.
        path: The target attribute the manager mapping writes (the enterprise ``manager`` by
            default; ``...:manager.value`` or an admin's reference attribute otherwise).

    Returns:
        The PatchOp message, or ``None`` when the target already holds ``manager_id``.
    """
    if manager_id == current:
        return None
    is_enterprise = path.lower() == MANAGER_PATH.lower()
    if manager_id is None:
        removal = f"manager[value eq {render_value(current)}]" if is_enterprise else path
        return patch_request([{"op": dialect.op("remove"), "path": removal}])
    name: Literal["add", "replace"] = "add" if current is None else "replace"
    value = _manager_value(manager_id, dialect) if is_enterprise else manager_id
    return patch_request([{"op": dialect.op(name), "path": path, "value": value}])


def app_role_operation(assignment: Mapping[str, Any], dialect: Dialect) -> _Body:
    """``SingleAppRoleAssignment`` in a PATCH (docs/entra.md §1.6 "Roles", §1.9).

    Args:
        assignment: ``{id, value, displayName}`` of the app role assignment.
        dialect: entra sends the assignment JSON-encoded in ``value``; rfc sends the POST shape.
    """
    if dialect.is_app_role_text:
        fields = {k: assignment.get(k) for k in ("id", "value", "displayName")}
        role: _Body = {"value": json.dumps(fields, separators=(",", ":"))}
    else:
        role = {"primary": True, "type": ROLE_TYPE, "value": assignment.get("value")}
    return {"op": dialect.op("add"), "path": "roles", "value": [role]}


def member_patch_bodies(
    added: Iterable[str], removed: Iterable[str], dialect: Dialect, cap: int | None = None
) -> list[_Body]:
    """Group membership PATCHes, removals first, at most ``cap`` members each (docs/entra.md §1.7).

    Args:
        added: Target ids of members to add.
        removed: Target ids of members to remove.
        dialect: The request dialect.
        cap: Most members per request (template quirk ``group_members_max``); ``None``: no cap.

    Raises:
        ConfigError: If ``cap`` is below 1.
    """
    if cap is not None and cap < 1:
        raise ConfigError(f"group member cap must be at least 1, not {cap}")
    adds, removes = list(dict.fromkeys(added)), list(dict.fromkeys(removed))
    both = set(adds) & set(removes)
    adds, removes = [m for m in adds if m not in both], [m for m in removes if m not in both]
    bodies = [patch_request(_removals(chunk, dialect)) for chunk in _chunks(removes, cap)]
    bodies += [patch_request([_member_op("add", c, dialect)]) for c in _chunks(adds, cap)]
    return bodies


def _chunks(items: list[str], size: int | None) -> list[list[str]]:
    step = size or max(len(items), 1)
    return [items[i : i + step] for i in range(0, len(items), step)]


def _removals(members: list[str], dialect: Dialect) -> list[_Body]:
    if not dialect.is_member_removal_filtered:
        return [_member_op("remove", members, dialect)]
    return [
        {"op": dialect.op("remove"), "path": f"members[value eq {render_value(m)}]"}
        for m in members
    ]


def _member_op(name: Literal["add", "remove"], members: list[str], dialect: Dialect) -> _Body:
    return {"op": dialect.op(name), "path": "members", "value": _member_values(members, dialect)}


def _member_values(members: list[str], dialect: Dialect) -> list[_Body]:
    if dialect.is_member_ref_null:
        return [{"$ref": None, "value": m} for m in members]
    return [{"value": m} for m in members]


def is_manager_path(path: str) -> bool:
    """Whether ``path`` is the enterprise ``manager`` (or its ``value``), which a create can
    carry as RFC 7643 §4.3 defines it (``"manager": {"value": "<target id>"}``)."""
    lowered = path.lower()
    return lowered in (MANAGER_PATH.lower(), f"{MANAGER_PATH}.value".lower())
