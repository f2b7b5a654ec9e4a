"""A cycle that meets an outage ends, says so, and tells the admin (``CycleFailed``).

An app down when a cycle starts fails that cycle's objects (escrowed, retried later); an outage
the cycle cannot get past object by object (its directory unreachable) ends the cycle as
failed. Either way the cycle publishes its one ``CycleFailed`` event, which is what mails the
app's notification address (docs/notifications.md), and the next cycle runs.
"""

from __future__ import annotations

import pytest

from scimitar.audit import Actor
from scimitar.directory.store import SQLDirectory
from scimitar.engine.core.events import CycleFailed
from scimitar.errors import RetryableError
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from tests.conftest import free_port
from tests.integration.engine.harness import world_for


class UnreachableDirectory(SQLDirectory):
    """The store's directory, except that counting its objects meets an outage."""

    async def count_objects(self) -> tuple[int, int]:
        raise RetryableError("the directory did not answer in time")


async def test_an_app_down_when_an_initial_cycle_starts_fails_its_objects_and_says_so(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings, template="cisco-webex", profile="webex") as world:
        await world.user("ada")
        down = f"http://127.0.0.1:{free_port()}/v1/scim/{world.tenant_id}/"
        await world.apps.provisioning.set_credentials(
            world.app_name, down, Secret(world.token), actor=Actor.cli("tests")
        )

        summary = await world.runner().run(world.app_id)

        assert summary.counts == {"failure": 1}
        (event,) = world.events.of(CycleFailed)
        assert event.cycle_id == summary.cycle_id
        assert [ref.name for ref in event.failed] == ["ada@contoso.com"]
        assert "connection refused" in (event.failed[0].message or "")


async def test_an_outage_the_cycle_cannot_get_past_ends_it_as_failed(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")

        with pytest.raises(RetryableError, match="did not answer"):
            await world.runner(directory=UnreachableDirectory(world.database)).run(world.app_id)

        (event,) = world.events.of(CycleFailed)
        assert event.error is not None
        assert "did not answer" in event.error
        status = await world.status()
        assert status.running_cycle is None
        assert status.last_cycle is not None
        assert status.last_cycle.status == "failed"
        assert status.quarantine is None
        # The next cycle starts afresh once the directory answers, and provisions the user.
        summary = await world.runner().run(world.app_id)
        assert summary.kind == "initial"
        assert summary.counts.get("create") == 1
        assert "ada@contoso.com" in {
            u["userName"] for u in (await world.target_users()).values()
        }
