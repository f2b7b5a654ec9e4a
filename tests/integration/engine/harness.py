"""A provisioning world in one process: store, directory, an app, and the embedded target.

The target runs under uvicorn on a free loopback port, so the engine talks SCIM to it over a
real socket. Time comes from a :class:`FakeClock` the test moves; object failures are injected
by :class:`PoisonedPort`, which refuses the users a test names (as a target answering 400 would).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn

from scimitar.apps import Apps, JobConfig, TransportFactory
from scimitar.audit import Actor
from scimitar.connector.bulk import BulkOperation, BulkResult
from scimitar.connector.errors import TargetRejectedObjectError
from scimitar.connector.operations import TargetOperations
from scimitar.directory.service import DirectoryService
from scimitar.directory.store import SQLDirectory
from scimitar.engine.core.events import EngineEvent
from scimitar.engine.run.control import JobControl
from scimitar.engine.run.cycle import CycleRunner, Progress
from scimitar.engine.run.objects import TargetPort
from scimitar.engine.state.registry import JobRegistry
from scimitar.engine.state.status import JobStatus, JobStatusService
from scimitar.gallery.service import GalleryService
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database, open_database
from scimitar.target.http import create_target_app
from scimitar.target.profiles import PROFILES
from scimitar.target.tenants import TenantService
from tests.conftest import free_port

__all__ = ["Collector", "FakeClock", "PoisonedPort", "World", "world_for"]


class FakeClock:
    """The current time, moved by the test."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move time forward (``hours=6``, ``days=1``...); returns the new time."""
        self.now += timedelta(**delta)
        return self.now


class Collector:
    """An event sink that keeps what it receives."""

    def __init__(self) -> None:
        self.events: list[EngineEvent] = []

    async def publish(self, event: EngineEvent) -> None:
        self.events.append(event)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


class PoisonedPort:
    """The real SCIM operations, except that writes of the poisoned users are refused (400)."""

    def __init__(self, inner: TargetPort, poisoned: set[str]) -> None:
        self._inner = inner
        self._poisoned = poisoned

    def _check(self, body: dict[str, Any]) -> None:
        name = str(body.get("userName") or "")
        if name in self._poisoned:
            raise TargetRejectedObjectError(
                f"POST /Users: HTTP 400: {name} refused", status=400, detail="refused"
            )

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        return await self._inner.find(object_type, attribute, value)

    async def get(self, object_type: str, target_id: str) -> dict[str, Any] | None:
        return await self._inner.get(object_type, target_id)

    async def create(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        self._check(body)
        return await self._inner.create(object_type, body)

    async def patch(self, object_type: str, target_id: str, body: dict[str, Any]) -> None:
        await self._inner.patch(object_type, target_id, body)

    async def put(
        self, object_type: str, target_id: str, body: dict[str, Any], *, if_match: Any = None
    ) -> None:
        self._check(body)
        await self._inner.put(object_type, target_id, body)

    async def delete(self, object_type: str, target_id: str) -> None:
        await self._inner.delete(object_type, target_id)

    async def bulk(self, operations: Sequence[BulkOperation]) -> list[BulkResult]:
        return await self._inner.bulk(operations)

    async def list_all(
        self, object_type: str, **options: Any
    ) -> AsyncIterator[list[dict[str, Any]]]:
        # Matching by listing (Cisco Webex; `auto` on an app with few objects) reads pages.
        async for page in self._inner.list_all(object_type, **options):  # type: ignore[attr-defined]
            yield page

    async def total(self, object_type: str) -> int | None:
        # `auto` matching compares the app's count with the objects in scope.
        return await self._inner.total(object_type)  # type: ignore[attr-defined,no-any-return]

    async def query(
        self, object_type: str, filter_text: str, *, count: int
    ) -> tuple[int | None, list[dict[str, Any]]]:
        # `filterBatches` matching joins lookups with `or`.
        return await self._inner.query(object_type, filter_text, count=count)  # type: ignore[attr-defined,no-any-return]


@dataclass
class World:
    """One app on its own tenant of the embedded target, served over a socket."""

    database: Database
    settings: Settings
    apps: Apps
    directory: DirectoryService
    tenants: TenantService
    url: str
    tenant_id: str
    token: str
    app_name: str
    app_id: str = ""
    clock: FakeClock = field(default_factory=FakeClock)
    events: Collector = field(default_factory=Collector)
    poisoned: set[str] = field(default_factory=set)
    jobs: JobRegistry = field(default_factory=JobRegistry)

    def runner(
        self,
        *,
        page_size: int = 50,
        on_progress: Callable[[Progress], None] | None = None,
        directory: SQLDirectory | None = None,
    ) -> CycleRunner:
        """A runner like ``build_runner``'s, with the fake clock, the collector and the poison."""
        apps = self.apps

        @asynccontextmanager
        async def open_port(config: JobConfig) -> AsyncIterator[TargetPort]:
            credentials = await apps.provisioning.credentials(config.app.id)
            async with apps.provisioning.client(credentials) as client:
                real = TargetOperations(client, config.connector_options(), concurrency=4)
                yield PoisonedPort(real, self.poisoned)

        return CycleRunner(
            self.database,
            self.apps,
            directory or SQLDirectory(self.database),
            open_port,
            jobs=self.jobs,
            page_size=page_size,
            on_progress=on_progress,
            events=self.events,
            clock=self.clock,
        )

    def control(self) -> JobControl:
        """The job's controls, with the same clock, sink and runner."""
        return JobControl(
            self.database,
            self.apps,
            jobs=self.jobs,
            events=self.events,
            clock=self.clock,
            runner=self.runner,
        )

    async def status(self) -> JobStatus:
        """The job's status."""
        return await JobStatusService(self.database).status(self.app_id)

    async def user(self, local: str, *, assign: bool = True, **attributes: Any) -> str:
        """A directory user (assigned to the app); returns its userPrincipalName."""
        upn = f"{local}@contoso.com"
        await self.directory.users.create(
            {"userPrincipalName": upn, "givenName": local.title(), **attributes}
        )
        if assign:
            await self.apps.assignments.assign(
                self.app_name, user=upn, role="User", actor=Actor.cli("tests")
            )
        return upn

    async def target_users(self) -> dict[str, dict[str, Any]]:
        """The tenant's users by userName, read over HTTP."""
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(headers=headers) as client:
            response = await client.get(f"{self.url}Users", params={"count": 1000})
            response.raise_for_status()
            return {r["userName"]: r for r in response.json().get("Resources", [])}


@asynccontextmanager
async def world_for(
    database: Database,
    settings: Settings,
    *,
    template: str = "scim",
    profile: str = "generic",
    transport_factory: TransportFactory | None = None,
    gallery: GalleryService | None = None,
) -> AsyncIterator[World]:
    """Serve the target on a free port, and set up a tenant and an app on it."""
    served = await open_database(settings)
    port = free_port()
    clock = FakeClock()
    config = uvicorn.Config(
        # The target backs off wrong tokens on the world's clock, as the engine retries on it.
        create_target_app(served, settings, clock),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        tenants = TenantService(database)
        tenant, token = await tenants.create(
            f"t-{uuid.uuid4().hex[:8]}", profile=profile, actor=Actor.cli("tests")
        )
        form = PROFILES[profile].url_forms[0].replace("{tenant}", tenant.id)
        url = f"http://127.0.0.1:{port}{form}/"
        apps = Apps.create(database, settings, transport_factory=transport_factory, gallery=gallery)
        name = f"app-{uuid.uuid4().hex[:8]}"
        app = await apps.apps.add(template, name, actor=Actor.cli("tests"))
        await apps.provisioning.set_credentials(name, url, Secret(token), actor=Actor.cli("tests"))
        await apps.provisioning.set_provisioning(name, is_on=True, actor=Actor.cli("tests"))
        yield World(
            database,
            settings,
            apps,
            DirectoryService.from_settings(database, settings),
            tenants,
            url,
            tenant.id,
            token,
            name,
            app.id,
            clock=clock,
        )
    finally:
        server.should_exit = True
        await task
        await served.dispose()
