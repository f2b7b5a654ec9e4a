"""A saved Secret Token is only ever sent to the Tenant URL it was saved with (SQLite, PostgreSQL).

A new Tenant URL needs the token entered again, for Save and Test Connection alike; and what an
app answers is never shown in a way that carries the request's headers back.
"""

from __future__ import annotations

import json

import pytest

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.connector import TransportRequest, TransportResponse
from scimitar.errors import ConfigError
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from tests.unit.connector.fakes import FakeTransport, empty_list, scim

SAVED_URL = "https://api.webex.com/v1/scim/0f4ee8c4-7d4c-4a36-9a4e-0b7b2c1f3a55/"
ECHO_URL = "https://echo.example.net/anything/"
TOKEN = "tok_saved_4b1d9e"


def _answer(request: TransportRequest) -> TransportResponse:
    if request.url.startswith(ECHO_URL.rstrip("/")):
        # A server that echoes the request's headers, as httpbin's /anything does.
        echoed = json.dumps({"headers": dict(request.headers)}).encode()
        return TransportResponse(200, {"content-type": "application/json"}, echoed)
    if request.url.endswith(("/ServiceProviderConfig", "/Schemas")):
        return scim(200, {"Resources": []})
    return empty_list()


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport(_answer)


@pytest.fixture
async def services(database: Database, settings: Settings, transport: FakeTransport) -> Apps:
    apps = Apps.create(database, settings, transport_factory=lambda: transport)
    await apps.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    await apps.provisioning.set_credentials(
        "Webex", SAVED_URL, Secret(TOKEN), actor=Actor.cli("tests")
    )
    transport.sent.clear()
    return apps


def _tokens_sent_to(transport: FakeTransport, url: str) -> list[str]:
    prefix = url.rstrip("/")
    return [r.headers["Authorization"] for r in transport.sent if r.url.startswith(prefix)]


async def test_test_connection_refuses_the_saved_token_for_a_new_url(
    services: Apps, transport: FakeTransport
) -> None:
    with pytest.raises(ConfigError, match="enter the Secret Token again"):
        await services.provisioning.test_credentials("Webex", ECHO_URL, None)
    with pytest.raises(ConfigError, match="enter the Secret Token again"):
        await services.provisioning.test_credentials("Webex", ECHO_URL, Secret("  "))
    assert transport.sent == []


async def test_save_refuses_the_saved_token_for_a_new_url(
    services: Apps, transport: FakeTransport
) -> None:
    with pytest.raises(ConfigError, match="only sent to the URL it was saved with"):
        await services.provisioning.set_credentials(
            "Webex", ECHO_URL, None, actor=Actor.cli("tests")
        )
    assert transport.sent == []
    config = await services.provisioning.config("Webex")
    assert config.tenant_url == SAVED_URL
    assert (await services.provisioning.credentials("Webex")).token.reveal() == TOKEN


@pytest.mark.parametrize(
    "url",
    [
        SAVED_URL,
        SAVED_URL.rstrip("/"),
        SAVED_URL.replace("api.webex.com", "API.Webex.com:443"),
    ],
    ids=["same", "no-trailing-slash", "host-case-and-default-port"],
)
async def test_the_saved_token_still_serves_its_own_url(
    services: Apps, transport: FakeTransport, url: str
) -> None:
    result = await services.provisioning.test_credentials("Webex", url, None)
    assert result.is_ok
    await services.provisioning.set_credentials("Webex", url, None, actor=Actor.cli("tests"))
    assert set(_tokens_sent_to(transport, url)) == {f"Bearer {TOKEN}"}


async def test_a_new_url_with_its_token_is_accepted(
    services: Apps, transport: FakeTransport
) -> None:
    other = "https://api.webex.com/v1/scim/11111111-2222-3333-4444-555555555555/"
    await services.provisioning.set_credentials(
        "Webex", other, Secret("tok_new"), actor=Actor.cli("tests")
    )
    assert set(_tokens_sent_to(transport, other)) == {"Bearer tok_new"}
    assert (await services.provisioning.config("Webex")).tenant_url == other


async def test_an_echoed_token_never_reaches_the_test_report(
    database: Database, settings: Settings, transport: FakeTransport
) -> None:
    apps = Apps.create(database, settings, transport_factory=lambda: transport)
    await apps.apps.add("cisco-webex", "Echo", actor=Actor.cli("tests"))
    result = await apps.provisioning.test_credentials("Echo", ECHO_URL, Secret(TOKEN))
    assert result.failure is not None
    shown = json.dumps(result.to_dict())
    assert TOKEN not in shown
    assert "Bearer" not in shown
    assert "application/json" in result.failure.message
    assert "bytes" in result.failure.message
