"""The services layer for apps: gallery instances, assignments and provisioning jobs.

The CLI uses it now; the admin API and the portal will use the same services. The engine reads
jobs through :meth:`ProvisioningService.config` and :meth:`ProvisioningService.credentials`,
and assignments through :meth:`AssignmentService.effective_roles` with :func:`is_entitled`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from scimitar.apps.assignments import AssignmentService
from scimitar.apps.attribute_list import AttributeListService
from scimitar.apps.config_service import ConfigService
from scimitar.apps.mapping_checks import MappingChecker
from scimitar.apps.mapping_edits import MappingEdit
from scimitar.apps.mappings import MappingService, object_type_named
from scimitar.apps.model import (
    App,
    Assignment,
    ConnectorOptions,
    JobConfig,
    JobSettings,
    PrincipalType,
    Scope,
    is_entitled,
)
from scimitar.apps.provisioning import ConnectionTestError, ProvisioningService, TransportFactory
from scimitar.apps.service import AppService
from scimitar.directory.extensions import existing_extensions
from scimitar.directory.service import DirectoryService
from scimitar.gallery.service import GalleryService
from scimitar.secrets import SecretBox
from scimitar.settings import Settings
from scimitar.store import Database

__all__ = [
    "App",
    "AppService",
    "Apps",
    "Assignment",
    "AssignmentService",
    "AttributeListService",
    "ConfigService",
    "ConnectionTestError",
    "ConnectorOptions",
    "JobConfig",
    "JobSettings",
    "MappingEdit",
    "MappingService",
    "PrincipalType",
    "ProvisioningService",
    "Scope",
    "is_entitled",
    "object_type_named",
]


@dataclass(frozen=True, slots=True)
class Apps:
    """Every apps service over one store, wired together.

    Attributes:
        gallery: The templates.
        apps: Apps themselves.
        assignments: Users and groups assigned to apps.
        provisioning: Credentials, Test Connection, settings, on/off.
        mappings: Attribute mappings and scoping filters.
        attributes: The target attribute list (Entra's "Edit attribute list").
        config: The whole provisioning configuration as one file (export, import).
    """

    gallery: GalleryService
    apps: AppService
    assignments: AssignmentService
    provisioning: ProvisioningService
    mappings: MappingService
    attributes: AttributeListService
    config: ConfigService

    @classmethod
    def create(
        cls,
        database: Database,
        settings: Settings,
        *,
        gallery: GalleryService | None = None,
        transport_factory: TransportFactory | None = None,
    ) -> Apps:
        """The services for ``database``, with the key file and directory the settings name."""
        templates = gallery or GalleryService.builtin()
        apps = AppService(database, templates)
        directory = DirectoryService.from_settings(database, settings)
        box = SecretBox.from_settings(settings)
        provisioning = (
            ProvisioningService(database, apps, box, transport_factory)
            if transport_factory is not None
            else ProvisioningService(database, apps, box)
        )
        checker = MappingChecker(partial(existing_extensions, database))
        return cls(
            templates,
            apps,
            AssignmentService(database, apps, directory),
            provisioning,
            MappingService(provisioning, checker),
            AttributeListService(provisioning),
            ConfigService(provisioning, checker),
        )
