"""An attribute an admin added to the list, mapped and sent by a cycle (docs/provisioning.md,
"The target attribute list"): typed as the list says, inside its extension's part of the body,
its URN in ``schemas`` with the rfc dialect and not with the entra one (as Entra does).

The request bodies are read off the wire by a transport that records what it sends.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from scimitar.apps import MappingEdit
from scimitar.apps.attributes import new_custom_attribute
from scimitar.audit import Actor
from scimitar.connector.transport import (
    AiohttpTransport,
    Transport,
    TransportRequest,
    TransportResponse,
)
from scimitar.gallery.schema import Dialect
from scimitar.mapping.mappings import SourceType, TargetType
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for

CONTOSO = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User"


class RecordingTransport:
    """The real transport, keeping each request it sends."""

    def __init__(self, inner: Transport, sent: list[TransportRequest]) -> None:
        self._inner = inner
        self._sent = sent

    async def send(self, request: TransportRequest) -> TransportResponse:
        self._sent.append(request)
        return await self._inner.send(request)

    async def close(self) -> None:
        await self._inner.close()


@pytest.fixture
def sent() -> list[TransportRequest]:
    return []


@pytest.fixture
async def world(
    database: Database, settings: Settings, sent: list[TransportRequest]
) -> AsyncIterator[World]:
    def factory() -> Transport:
        return RecordingTransport(AiohttpTransport.create(), sent)

    async with world_for(database, settings, transport_factory=factory) as world:
        yield world


def _created(sent: list[TransportRequest], user_name: str) -> dict[str, Any]:
    bodies = [
        json.loads(r.body)
        for r in sent
        if r.method == "POST" and r.url.endswith("/Users") and r.body
    ]
    return next(b for b in bodies if b.get("userName") == user_name)


@pytest.mark.parametrize(
    ("dialect", "is_listed"), [(Dialect.RFC, True), (Dialect.ENTRA, False)], ids=["rfc", "entra"]
)
async def test_an_added_attribute_is_sent_typed_in_its_extension(
    world: World, sent: list[TransportRequest], dialect: Dialect, is_listed: bool
) -> None:
    apps, name = world.apps, world.app_name
    config = await apps.provisioning.config(name)
    await apps.provisioning.update_settings(
        name, replace(config.settings, dialect=dialect), actor=Actor.cli("tests")
    )
    for attribute, kind in (("badge", TargetType.INTEGER), ("onLeave", TargetType.BOOLEAN)):
        added = new_custom_attribute("User", f"{CONTOSO}:{attribute}", kind)
        await apps.attributes.add(name, "user", added, actor=Actor.cli("tests"))
    for attribute, kind in (("languages", TargetType.STRING), ("floors", TargetType.INTEGER)):
        added = new_custom_attribute("User", f"{CONTOSO}:{attribute}", kind, is_multi_valued=True)
        await apps.attributes.add(name, "user", added, actor=Actor.cli("tests"))
    await apps.mappings.set_mapping(
        name,
        "user",
        MappingEdit(f"{CONTOSO}:languages", SourceType.ATTRIBUTE, "preferredLanguage"),
        actor=Actor.cli("tests"),
    )
    await apps.mappings.set_mapping(
        name,
        "user",
        MappingEdit(f"{CONTOSO}:floors", SourceType.EXPRESSION, 'Split("3,4", ",")'),
        actor=Actor.cli("tests"),
    )
    await apps.mappings.set_mapping(
        name,
        "user",
        MappingEdit(f"{CONTOSO}:badge", SourceType.ATTRIBUTE, "employeeId"),
        actor=Actor.cli("tests"),
    )
    await apps.mappings.set_mapping(
        name,
        "user",
        MappingEdit(f"{CONTOSO}:onLeave", SourceType.CONSTANT, "False"),
        actor=Actor.cli("tests"),
    )
    ada = await world.user("ada", employeeId="42", preferredLanguage="en-GB")

    assert (await world.runner().run(name)).status == "succeeded"

    body = _created(sent, ada)
    assert body[CONTOSO] == {
        "badge": 42,
        "onLeave": False,
        "languages": ["en-GB"],
        "floors": [3, 4],
    }
    assert (CONTOSO in body["schemas"]) is is_listed
