"""Fixtures for sources: the services over a migrated store, and a source fed from memory."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from scimitar.audit import Actor
from scimitar.directory.service import DirectoryService
from scimitar.secrets import SecretBox
from scimitar.settings import Settings
from scimitar.sources.config import SourceDefinition, SourceKind
from scimitar.sources.reader import ReadResult, SourceRecord
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync, SyncSummary
from scimitar.store import Database

ACTOR = Actor.cli("tester")


@pytest.fixture
def sources(database: Database, settings: Settings) -> SourceService:
    return SourceService(database, SecretBox.from_settings(settings))


@pytest.fixture
def sync(database: Database, sources: SourceService) -> SourceSync:
    return SourceSync(database, sources, batch_size=3)


@pytest.fixture
def directory(database: Database) -> DirectoryService:
    return DirectoryService(database)


def user(anchor: str, **attributes: object) -> SourceRecord:
    return SourceRecord(anchor, "user", attributes)


def group(anchor: str, members: Sequence[str] | None, **attributes: object) -> SourceRecord:
    return SourceRecord(anchor, "group", attributes, None if members is None else tuple(members))


async def add_source(
    sources: SourceService, name: str, kind: SourceKind = SourceKind.JSON
) -> SourceDefinition:
    made, _key = await sources.add(kind, name, {"path": "/nonexistent.json"}, actor=ACTOR)
    return made


async def feed(
    sync: SyncSummary | SourceSync,
    sources: SourceService,
    name: str,
    records: Sequence[SourceRecord],
    *,
    complete: bool = True,
) -> SyncSummary:
    assert isinstance(sync, SourceSync)
    return await sync.apply(await sources.get(name), ReadResult(records, complete))
