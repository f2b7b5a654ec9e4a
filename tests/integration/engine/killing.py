"""Killing the engine at a chosen point of a cycle, in process, to sweep every point.

A kill is :class:`Killed`, a ``BaseException`` nothing in the engine catches (as nothing
catches SIGKILL). It is raised from the app's port before or after its N-th request reaches
the target, or from the runner's ``_persist`` before or after the N-th page's transaction. The
requests already in flight finish (the target applies them, as it would for a dead client),
then the store is left as the dead process left it and the next run resumes the cycle.

The embedded target runs on a real socket (uvicorn in the test's event loop) over the same
store, so a copy of the store file is a snapshot of the directory, the engine and the app at
once: a sweep restores it before each kill point.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from scimitar.apps import Apps, JobConfig
from scimitar.connector.bulk import BulkOperation, BulkResult
from scimitar.connector.operations import TargetOperations
from scimitar.directory.store import SQLDirectory
from scimitar.engine.run.cycle import CycleRunner
from scimitar.engine.run.objects import Outcome, TargetPort
from scimitar.engine.run.runstate import Run
from scimitar.engine.run.service import DEFAULT_CONCURRENCY
from scimitar.engine.state.registry import JobRegistry
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.target.http import create_target_app
from tests.conftest import free_port

__all__ = ["KillPoint", "KillSwitch", "Killed", "ServedTarget", "Store", "killing_runner"]

T = TypeVar("T")
Where = Literal["request", "persist"]
When = Literal["before", "after"]


class Killed(BaseException):
    """The process died here."""


@dataclass(frozen=True)
class KillPoint:
    """Where to die: before or after the ``index``-th request or page commit (from 0)."""

    where: Where
    index: int
    when: When

    def __str__(self) -> str:
        return f"{self.when} {self.where} {self.index}"


class KillSwitch:
    """Counts requests and page commits, and kills the run at its point (if it has one)."""

    def __init__(self, point: KillPoint | None = None) -> None:
        self.point = point
        self.counts: dict[str, int] = {"request": 0, "persist": 0}
        self.fired = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def _check(self, where: Where, index: int, when: When) -> None:
        if self.fired:
            raise Killed("already dead")
        if self.point == KillPoint(where, index, when):
            self.fired = True
            raise Killed(str(self.point))

    async def around(self, where: Where, step: Callable[[], Awaitable[T]]) -> T:
        """Run one request or page commit, dying before or after it if that is the point."""
        index = self.counts[where]
        self.counts[where] += 1
        self._check(where, index, "before")
        self._in_flight += 1
        self._idle.clear()
        try:
            result = await step()
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()
        self._check(where, index, "after")
        return result

    async def settled(self) -> None:
        """Wait until no request sent before the kill is still on its way."""
        await self._idle.wait()


class KillingPort:
    """The app's real port, through the kill switch."""

    def __init__(self, port: TargetPort, switch: KillSwitch) -> None:
        self._port = port
        self._switch = switch

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        return await self._switch.around(
            "request", lambda: self._port.find(object_type, attribute, value)
        )

    async def get(self, object_type: str, target_id: str) -> dict[str, Any] | None:
        return await self._switch.around("request", lambda: self._port.get(object_type, target_id))

    async def create(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._switch.around("request", lambda: self._port.create(object_type, body))

    async def patch(self, object_type: str, target_id: str, body: dict[str, Any]) -> None:
        await self._switch.around("request", lambda: self._port.patch(object_type, target_id, body))

    async def put(
        self, object_type: str, target_id: str, body: dict[str, Any], *, if_match: Any = None
    ) -> None:
        await self._switch.around("request", lambda: self._port.put(object_type, target_id, body))

    async def delete(self, object_type: str, target_id: str) -> None:
        await self._switch.around("request", lambda: self._port.delete(object_type, target_id))

    async def bulk(self, operations: Sequence[BulkOperation]) -> list[BulkResult]:
        return await self._switch.around("request", lambda: self._port.bulk(operations))

    async def total(self, object_type: str) -> int | None:
        # `auto` matching asks the app's count first (a listing when it is small).
        total = self._port.total  # type: ignore[attr-defined]
        return await self._switch.around("request", lambda: total(object_type))  # type: ignore[no-any-return]

    async def list_all(
        self, object_type: str, **options: Any
    ) -> AsyncIterator[list[dict[str, Any]]]:
        pages = self._port.list_all(object_type, **options).__aiter__()  # type: ignore[attr-defined]

        async def next_page() -> list[dict[str, Any]] | None:
            try:
                return await pages.__anext__()  # type: ignore[no-any-return]
            except StopAsyncIteration:
                return None

        while (page := await self._switch.around("request", next_page)) is not None:
            yield page


class _KillingRunner(CycleRunner):
    """The real runner, whose page commits go through the kill switch."""

    switch: KillSwitch

    async def _persist(self, run: Run, outcomes: Sequence[Outcome], phase: str) -> None:
        await self.switch.around(
            "persist", lambda: super(_KillingRunner, self)._persist(run, outcomes, phase)
        )


def killing_runner(
    database: Database, apps: Apps, switch: KillSwitch, *, page_size: int
) -> CycleRunner:
    """A runner wired as ``build_runner`` wires it, with ``switch`` on its port and commits."""

    @asynccontextmanager
    async def open_port(config: JobConfig) -> AsyncIterator[TargetPort]:
        credentials = await apps.provisioning.credentials(config.app.id)
        async with apps.provisioning.client(credentials) as client:
            operations = TargetOperations(
                client, config.connector_options(), concurrency=DEFAULT_CONCURRENCY
            )
            try:
                yield KillingPort(operations, switch)
            finally:
                await switch.settled()

    runner = _KillingRunner(
        database, apps, SQLDirectory(database), open_port, jobs=JobRegistry(), page_size=page_size
    )
    runner.switch = switch
    return runner


class _Delegate:
    """An ASGI app that forwards to whichever target app is current."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


class ServedTarget:
    """The embedded target on a real socket, serving whichever store is current."""

    def __init__(self) -> None:
        self.origin = ""
        self._delegate = _Delegate()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def serve(self, database: Database, settings: Settings) -> None:
        """Answer from this store from now on."""
        self._delegate.app = create_target_app(database, settings)

    async def start(self) -> None:
        port = free_port()
        config = uvicorn.Config(
            self._delegate, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            assert not self._task.done(), "the target did not start"
            await asyncio.sleep(0.02)
        self.origin = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task


@dataclass
class Store:
    """One SQLite store file, its settings and the services over it."""

    settings: Settings
    database: Database
    apps: Apps

    @classmethod
    def open(cls, data_dir: Path, path: Path) -> Store:
        settings = Settings(data_dir=data_dir, database_url=f"sqlite+aiosqlite:///{path}")
        database = Database(settings.resolved_database_url)
        return cls(settings, database, Apps.create(database, settings))

    @property
    def path(self) -> Path:
        return Path(self.settings.resolved_database_url.split(":///", 1)[1])

    async def copy_to(self, path: Path) -> Store:
        """Close this store, copy its file, and open the copy (this one can be reopened)."""
        await self.database.dispose()
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{path}{suffix}")
        return Store.open(self.settings.data_dir, path)
