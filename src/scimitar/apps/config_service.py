"""Export and import an app's whole provisioning configuration (Entra's "download / upload
schema"; docs/provisioning.md, "Export and import the configuration").

The file holds the settings, the object types, the target attribute list, the mappings with
their matching precedence, and the scoping filters; never the Tenant URL or the Secret Token.
An import is checked whole first and stored in one write, so a bad file changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from scimitar import jsonlimits
from scimitar.apps.attributes import attribute_list
from scimitar.apps.config_document import (
    FORMAT,
    VERSION,
    ConfigDocumentError,
    ConfigProblem,
    MappingItem,
    SettingsDocument,
    parse_document,
)
from scimitar.apps.config_import import ImportedConfig, plan_import
from scimitar.apps.mapping_checks import MappingChecker
from scimitar.apps.model import JobConfig
from scimitar.apps.provisioning import ProvisioningService
from scimitar.audit import Actor
from scimitar.mapping.mappings import AttributeMapping

__all__ = ["ConfigService", "export_config"]


def export_config(config: JobConfig) -> dict[str, Any]:
    """The configuration file of a job (no credentials)."""
    settings = {name: getattr(config.settings, name) for name in SettingsDocument.model_fields}
    object_types = config.template.object_types
    disabled = config.settings.disabled_object_types
    return {
        "format": FORMAT,
        "version": VERSION,
        "template": config.template.id,
        "settings": SettingsDocument.model_validate(settings).model_dump(
            mode="json", by_alias=True
        ),
        "objectTypes": {
            t: {"enabled": t not in disabled, "name": config.mappings[t].name} for t in object_types
        },
        "targetAttributes": {
            t: [attribute.to_dict() for attribute in config.attribute_list(t)] for t in object_types
        },
        "mappings": {t: [_item(m) for m in config.mappings[t].mappings] for t in object_types},
        "scoping": {
            t: [group.to_dict() for group in config.mappings[t].scoping_filters]
            for t in object_types
        },
    }


def _item(mapping: AttributeMapping) -> dict[str, Any]:
    item = MappingItem(
        target=mapping.target,
        source_type=mapping.source_type.value,
        source=mapping.source,
        target_type=mapping.target_type.value,
        flow_type=mapping.flow_type.value,
        default_value=mapping.default_value,
        matching_precedence=mapping.matching_precedence,
        required=mapping.is_required,
        case_exact=mapping.is_case_exact,
    )
    return item.model_dump(by_alias=True, exclude_none=True)


class ConfigService:
    """The provisioning configuration of each app, as one file.

    Args:
        provisioning: Reads and saves the job.
        checker: The save-time mapping checks every face applies.
    """

    def __init__(self, provisioning: ProvisioningService, checker: MappingChecker) -> None:
        self._provisioning = provisioning
        self._checker = checker

    async def export(self, app_key: str) -> dict[str, Any]:
        """The app's configuration file (see :func:`export_config`)."""
        return export_config(await self._provisioning.config(app_key))

    async def import_config(self, app_key: str, data: Any, *, actor: Actor) -> JobConfig:
        """Replace the app's configuration with a file's; the next cycle is an initial one.

        The audit log records the import by ``actor`` (``config.import``).

        Credentials are left as they are (an app without them can be configured first).

        Raises:
            ConfigDocumentError: The file is refused as a whole, with every problem's JSON
                path; nothing was changed.
        """
        config = await self._provisioning.config(app_key)
        imported = plan_import(config, parse_document(data))
        await self._check_mappings(config, imported)
        return await self._provisioning.save_config(
            config.app,
            imported.settings,
            imported.mappings,
            imported.custom,
            imported.discovery,
            actor=actor,
        )

    async def _check_mappings(self, config: JobConfig, imported: ImportedConfig) -> None:
        """The checks a mapping edit gets: known source attributes, results that fit.

        Raises:
            ConfigDocumentError: Every mapping at fault, by its JSON path.
        """
        problems: list[ConfigProblem] = []
        for object_type, mapping_set in imported.mappings.items():
            targets = attribute_list(
                config.template, imported.discovery, imported.custom, object_type
            )
            problems.extend(
                ConfigProblem(f"$.mappings.{object_type}[{problem.index}]", problem.message)
                for problem in await self._checker.problems(mapping_set, targets)
            )
        if problems:
            raise ConfigDocumentError(problems)

    async def import_text(self, app_key: str, text: str, *, actor: Actor) -> JobConfig:
        """:meth:`import_config` from JSON text.

        Raises:
            ConfigDocumentError: Not JSON (with its line and column), or see
                :meth:`import_config`.
        """
        try:
            data = json.loads(text)
            jsonlimits.check_depth(data)
        except json.JSONDecodeError as exc:
            problem = ConfigProblem(
                "$", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
            raise ConfigDocumentError([problem]) from exc
        except (RecursionError, jsonlimits.JSONLimitError) as exc:
            problem = ConfigProblem("$", f"not valid JSON: {_too_deep()}")
            raise ConfigDocumentError([problem]) from exc
        return await self.import_config(app_key, data, actor=actor)


def _too_deep() -> str:
    return (
        f"nested more than {jsonlimits.MAX_DEPTH} levels deep (arrays and objects); a "
        "configuration document needs far fewer"
    )
