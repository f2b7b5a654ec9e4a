"""An app's attribute mappings and scoping filters: show, export, import, edit, restore.

Saving any change marks the job for a new initial cycle, as Entra does after a schema change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from scimitar import jsonlimits
from scimitar.apps.mapping_checks import MappingChecker
from scimitar.apps.mapping_edits import (
    MappingEdit,
    add_scoping_clause,
    apply_edit,
    check_targets,
    clear_scoping,
    remove_mapping,
    remove_scoping,
)
from scimitar.apps.model import JobConfig
from scimitar.apps.provisioning import ProvisioningService
from scimitar.apps.reference_rules import check_references, retype_edited
from scimitar.audit import Actor
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import MappingSet
from scimitar.mapping.scoping import ScopingClause
from scimitar.mapping.scoping_operators import operator_named

__all__ = ["MappingService", "object_type_named"]


def object_type_named(name: str) -> str:
    """``User`` or ``Group`` from ``user``, ``users``, ``Group`` ...

    Raises:
        ConfigError: Anything else.
    """
    key = name.strip().lower().rstrip("s")
    if key not in ("user", "group"):
        raise ConfigError(f"object type {name!r}: use user or group")
    return key.capitalize()


class MappingService:
    """Mappings and scoping of each app's job.

    Every save goes through :meth:`_save`, which refuses unknown source attributes and results
    that do not fit their target (:class:`~scimitar.apps.mapping_checks.MappingChecker`).

    Args:
        provisioning: Reads and saves the job.
        checker: The save-time checks.
    """

    def __init__(self, provisioning: ProvisioningService, checker: MappingChecker) -> None:
        self._provisioning = provisioning
        self._checker = checker

    async def show(self, app_key: str, object_type: str) -> MappingSet:
        """The mapping set of one object type."""
        config = await self._provisioning.config(app_key)
        return _set_of(config, object_type)

    async def export(self, app_key: str) -> dict[str, Any]:
        """Every mapping set, as the JSON document :meth:`import_document` reads."""
        config = await self._provisioning.config(app_key)
        return {key: value.to_dict() for key, value in config.mappings.items()}

    async def import_document(self, app_key: str, text: str, *, actor: Actor) -> JobConfig:
        """Replace mapping sets from JSON: ``{"User": set, "Group": set}`` or one set.

        Raises:
            ConfigError: Not JSON, an invalid set, or a target not in the attribute list.
        """
        config = await self._provisioning.config(app_key)
        imported = _parse_document(text)
        mappings = dict(config.mappings)
        for object_type, mapping_set in imported.items():
            _set_of(config, object_type)
            check_references(mapping_set)
            check_targets(mapping_set, config.target_attributes(object_type))
            mappings[object_type] = mapping_set
        return await self._save(
            config, mappings, changed=tuple(imported), actor=actor, action="mappings.import"
        )

    async def restore_defaults(self, app_key: str, *, actor: Actor) -> JobConfig:
        """Put the template's default mappings back (scoping filters are cleared too)."""
        config = await self._provisioning.config(app_key)
        defaults = dict(config.template.default_mappings)
        return await self._save(
            config, defaults, changed=tuple(defaults), actor=actor, action="mappings.restore"
        )

    async def set_mapping(
        self, app_key: str, object_type: str, edit: MappingEdit, *, actor: Actor
    ) -> MappingSet:
        """Add or change the mapping of one target attribute (see :class:`MappingEdit`).

        The mapping is typed as ``edit.target_type`` says, else as the target attribute list
        types the attribute (see :func:`retype_edited` for references).
        """

        def change(config: JobConfig, mapping_set: MappingSet) -> MappingSet:
            key = edit.target.strip().lower()
            before = next((m for m in mapping_set.mappings if m.target.lower() == key), None)
            edited = apply_edit(mapping_set, replace(edit, target_type=None))
            attributes = config.attribute_list(mapping_set.object_type)
            edited = retype_edited(
                edited,
                edit.target,
                attributes,
                edit.target_type,
                is_source_changed=before is None
                or (
                    edit.source is not None
                    and (edit.source_type, edit.source) != (before.source_type, before.source)
                ),
            )
            check_targets(edited, [attribute.name for attribute in attributes])
            return edited

        return await self._change(app_key, object_type, change, actor, "mappings.set")

    async def remove_mapping(
        self, app_key: str, object_type: str, target: str, *, actor: Actor
    ) -> MappingSet:
        """Remove the mapping of one target attribute."""
        return await self._change(
            app_key, object_type, lambda _c, s: remove_mapping(s, target), actor, "mappings.remove"
        )

    async def add_scoping_clause(
        self,
        app_key: str,
        object_type: str,
        filter_name: str,
        clause: tuple[str, str, str | None],
        *,
        actor: Actor,
    ) -> MappingSet:
        """Add ``(attribute, operator, value)`` to a scoping filter (docs/entra.md §5)."""
        attribute, operator, value = clause
        parsed = ScopingClause(attribute.strip(), operator_named(operator), value)
        return await self._change(
            app_key,
            object_type,
            lambda _c, s: add_scoping_clause(s, filter_name, parsed),
            actor,
            "scoping.add",
        )

    async def remove_scoping(
        self,
        app_key: str,
        object_type: str,
        filter_name: str,
        clause_number: int | None,
        *,
        actor: Actor,
    ) -> MappingSet:
        """Remove a scoping filter, or one of its clauses."""
        return await self._change(
            app_key,
            object_type,
            lambda _c, s: remove_scoping(s, filter_name, clause_number),
            actor,
            "scoping.remove",
        )

    async def clear_scoping(self, app_key: str, object_type: str, *, actor: Actor) -> MappingSet:
        """Remove every scoping filter of an object type."""
        return await self._change(
            app_key, object_type, lambda _c, s: clear_scoping(s), actor, "scoping.clear"
        )

    async def _change(
        self,
        app_key: str,
        object_type: str,
        change: Callable[[JobConfig, MappingSet], MappingSet],
        actor: Actor,
        action: str,
    ) -> MappingSet:
        """Apply ``change`` and save it; the audit log records ``action`` by ``actor``."""
        config = await self._provisioning.config(app_key)
        current = _set_of(config, object_type)
        changed = change(config, current)
        mappings = {**config.mappings, current.object_type: changed}
        saved = await self._save(
            config, mappings, changed=(current.object_type,), actor=actor, action=action
        )
        return saved.mappings[current.object_type]

    async def _save(
        self,
        config: JobConfig,
        mappings: dict[str, MappingSet],
        *,
        changed: tuple[str, ...],
        actor: Actor,
        action: str,
    ) -> JobConfig:
        """Check the ``changed`` sets against the directory and the app, then store them all.

        The audit log records ``action`` by ``actor`` in the same transaction as the save.

        Sets not changed are not checked again: an edit of users' mappings is not refused for
        what groups' mappings read.

        Raises:
            ConfigError: A changed set reads an unknown source attribute or produces values
                that do not fit a target attribute.
        """
        for object_type in changed:
            await self._checker.check(mappings[object_type], config.attribute_list(object_type))
        return await self._provisioning.save_mappings(
            config.app, mappings, actor=actor, action=action
        )


def _set_of(config: JobConfig, object_type: str) -> MappingSet:
    name = object_type_named(object_type)
    found = config.mappings.get(name)
    if found is None:
        raise ConfigError(f"{config.template.display_name} does not provision {name} objects")
    return found


def _parse_document(text: str) -> dict[str, MappingSet]:
    try:
        data = jsonlimits.loads(text, allow_controls=True)
    except jsonlimits.JSONLimitError as exc:
        raise ConfigError(f"the mappings file is {exc.message}") from exc
    if not isinstance(data, dict):
        raise ConfigError("the mappings file must hold a JSON object")
    if "attributeMappings" in data:
        mapping_set = MappingSet.from_dict(data)
        return {mapping_set.object_type: mapping_set}
    sets: dict[str, MappingSet] = {}
    for key, value in data.items():
        object_type = object_type_named(key)
        if not isinstance(value, dict):
            raise ConfigError(
                f"{object_type} mappings: expected a mapping set (an object with "
                f"attributeMappings), got {type(value).__name__}"
            )
        try:
            sets[object_type] = MappingSet.from_dict({**value, "objectType": object_type})
        except ConfigError as exc:
            raise ConfigError(f"{object_type} mappings: {exc}") from exc
    return sets
