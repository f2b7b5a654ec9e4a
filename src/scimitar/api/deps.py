"""The services every route uses, built once per app and handed to routes as dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from scimitar.admin import AdminAuth, APIKey
from scimitar.api.security import require_api_key
from scimitar.apps import Apps
from scimitar.audit import Actor, AuditLog
from scimitar.directory.service import DirectoryService
from scimitar.engine.run.control import JobControl
from scimitar.engine.run.launcher import CycleLauncher
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.engine.state.status import JobStatusService
from scimitar.settings import Settings
from scimitar.store import Database

__all__ = ["ActorDep", "ControlDep", "LauncherDep", "Services", "ServicesDep"]


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the admin API calls, over one store.

    Attributes:
        database: The store.
        settings: The server's settings.
        apps: Gallery, apps, assignments, provisioning, mappings.
        directory: Users and groups.
        status: Job status.
        logs: Provisioning logs.
        auth: API keys and the admin password.
        audit: The audit log of admin changes.
    """

    database: Database
    settings: Settings
    apps: Apps
    directory: DirectoryService
    status: JobStatusService
    logs: ProvisioningLogStore
    auth: AdminAuth
    audit: AuditLog

    @classmethod
    def create(cls, database: Database, settings: Settings, apps: Apps | None = None) -> Services:
        """The services over ``database`` (``apps`` may be given, e.g. with a test transport)."""
        return cls(
            database,
            settings,
            apps or Apps.create(database, settings),
            DirectoryService.from_settings(database, settings),
            JobStatusService(database),
            ProvisioningLogStore(database),
            AdminAuth(database),
            AuditLog(database, retention_days=settings.audit_retention_days),
        )


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


def _launcher(request: Request) -> CycleLauncher:
    launcher: CycleLauncher = request.app.state.launcher
    return launcher


LauncherDep = Annotated[CycleLauncher, Depends(_launcher)]


def _control(request: Request) -> JobControl:
    control: JobControl = request.app.state.control
    return control


ControlDep = Annotated[JobControl, Depends(_control)]


def _actor(key: Annotated[APIKey, Depends(require_api_key)]) -> Actor:
    # The same dependency as the API's own, so FastAPI verifies the key once per request.
    return Actor.api(key.name)


#: Who the audit log names for a change made through this request: ``api:<key name>``.
ActorDep = Annotated[Actor, Depends(_actor)]
