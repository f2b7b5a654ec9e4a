"""Edit an app's target attribute list: list, add and remove attributes (Entra's "Edit
attribute list for ...", docs/provisioning.md "The target attribute list").

Attributes the admin adds are stored with the job; the template's and the discovered ones are
not the admin's to remove (discovery would bring them back, as in Entra).
"""

from __future__ import annotations

from scimitar.apps.attributes import (
    AttributeOrigin,
    TargetAttributeDefinition,
    find_attribute,
)
from scimitar.apps.mappings import object_type_named
from scimitar.apps.model import JobConfig
from scimitar.apps.provisioning import ProvisioningService
from scimitar.audit import Actor
from scimitar.errors import ConfigError

__all__ = ["AttributeListService"]


class AttributeListService:
    """The target attribute list of each app's job.

    Args:
        provisioning: Reads and saves the job.
    """

    def __init__(self, provisioning: ProvisioningService) -> None:
        self._provisioning = provisioning

    async def list(self, app_key: str, object_type: str) -> tuple[TargetAttributeDefinition, ...]:
        """The attributes mappings of ``object_type`` may target."""
        config = await self._provisioning.config(app_key)
        return config.attribute_list(_provisioned(config, object_type))

    async def add(
        self, app_key: str, object_type: str, attribute: TargetAttributeDefinition, *, actor: Actor
    ) -> tuple[TargetAttributeDefinition, ...]:
        """Add an attribute (from :func:`scimitar.apps.attributes.new_custom_attribute`).

        The audit log records the addition by ``actor`` (``attributes.add``).

        Raises:
            ConfigError: The list has an attribute of that name already.
        """
        config = await self._provisioning.config(app_key)
        kind = _provisioned(config, object_type)
        existing = find_attribute(config.attribute_list(kind), attribute.name)
        if existing is not None:
            raise ConfigError(
                f"{existing.name} is in the {kind} attribute list already "
                f"(from the {existing.origin.value})"
            )
        custom = dict(config.custom_attributes)
        custom[kind] = (*custom.get(kind, ()), attribute)
        saved = await self._provisioning.save_attribute_list(
            config.app, custom, actor=actor, action="attributes.add"
        )
        return saved.attribute_list(kind)

    async def remove(
        self, app_key: str, object_type: str, name: str, *, actor: Actor
    ) -> tuple[TargetAttributeDefinition, ...]:
        """Remove an attribute the admin added.

        The audit log records the removal by ``actor`` (``attributes.remove``).

        Raises:
            ConfigError: No such attribute, one the admin did not add, or one still mapped.
        """
        config = await self._provisioning.config(app_key)
        kind = _provisioned(config, object_type)
        found = find_attribute(config.attribute_list(kind), name)
        if found is None:
            raise ConfigError(
                f"{name} is not in the {kind} attribute list; "
                f"`scimitar app attributes {config.app.name!r} list` shows it"
            )
        if found.origin is not AttributeOrigin.CUSTOM:
            raise ConfigError(
                f"{found.name} comes from the {found.origin.value}, not from the admin; "
                "only attributes added with `app attributes add` can be removed"
            )
        mapped = find_attribute(
            [TargetAttributeDefinition(m.target) for m in config.mappings[kind].mappings],
            found.name,
        )
        if mapped is not None:
            raise ConfigError(
                f"{found.name} is mapped; remove its mapping first "
                f"(`scimitar app mappings {config.app.name!r} remove {found.name!r}`)"
            )
        custom = dict(config.custom_attributes)
        custom[kind] = tuple(a for a in custom.get(kind, ()) if a is not found)
        saved = await self._provisioning.save_attribute_list(
            config.app, custom, actor=actor, action="attributes.remove"
        )
        return saved.attribute_list(kind)


def _provisioned(config: JobConfig, object_type: str) -> str:
    kind = object_type_named(object_type)
    if kind not in config.mappings:
        raise ConfigError(f"{config.template.display_name} does not provision {kind} objects")
    return kind
