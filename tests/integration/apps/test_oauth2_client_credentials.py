"""OAuth2 client credentials to an app, against a real authorization server (SQLite, PostgreSQL).

The server is authlib's ``AuthorizationServer`` with its ``ClientCredentialsGrant``, served over
a real socket with a SCIM app that accepts only the tokens it issued (tests/oauth2server.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.connector.bearer import OAuth2ClientCredentials, OAuth2Grant, OAuth2TokenError
from scimitar.connector.oauth2 import REFRESH_MARGIN_SECONDS, OAuth2TokenSource
from scimitar.connector.probe import ProbeFailureKind
from scimitar.errors import ConfigError
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.apps import JOB
from tests.oauth2server import Served, serve_oauth2

CLIENT_ID = "scimitar-test"
CLIENT_SECRET = "cs_9f2b7d41e0a6c35d8b"
ACTOR = Actor.cli("tests")


@pytest.fixture
async def auth() -> AsyncIterator[Served]:
    async with serve_oauth2({CLIENT_ID: (CLIENT_SECRET, ("scim2", "read"))}) as served:
        yield served


@pytest.fixture
async def apps(database: Database, settings: Settings) -> Apps:
    apps = Apps.create(database, settings)
    await apps.apps.add("scim", "Zoom", actor=ACTOR)
    await apps.apps.add("slack", "Slack", actor=ACTOR)
    return apps


def _grant(auth: Served, secret: str = CLIENT_SECRET) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        OAuth2Grant(auth.token_url, CLIENT_ID, ("scim2",)), Secret(secret)
    )


async def test_save_fetches_a_token_and_stores_the_secret_encrypted(
    apps: Apps, auth: Served, database: Database
) -> None:
    config = await apps.provisioning.set_credentials(
        "Zoom", auth.tenant_url, None, actor=ACTOR, oauth2=_grant(auth)
    )

    assert config.oauth2 == OAuth2Grant(auth.token_url, CLIENT_ID, ("scim2",))
    assert not config.has_token
    assert auth.state.token_requests[0]["grant_type"] == "client_credentials"
    assert auth.state.token_requests[0]["scope"] == "scim2"
    assert CLIENT_SECRET not in json.dumps(config.to_dict())
    async with database.read() as conn:
        query = select(JOB.c.oauth2, JOB.c.oauth2_secret_ciphertext)
        row = (await conn.execute(query.where(JOB.c.oauth2.is_not(None)))).one()
    assert CLIENT_SECRET not in row.oauth2
    assert CLIENT_SECRET not in row.oauth2_secret_ciphertext
    saved = await apps.provisioning.credentials("Zoom")
    assert saved.oauth2 is not None
    assert saved.oauth2.client_secret == Secret(CLIENT_SECRET)
    assert (await apps.provisioning.test_connection("Zoom")).is_ok


async def test_a_wrong_secret_fails_test_connection_without_showing_it(
    apps: Apps, auth: Served
) -> None:
    result = await apps.provisioning.test_credentials(
        "Zoom", auth.tenant_url, None, oauth2=_grant(auth, "wrong-secret-5e1a")
    )

    assert result.failure is not None
    assert result.failure.kind is ProbeFailureKind.CREDENTIALS
    assert "invalid_client" in result.failure.message
    assert "wrong-secret-5e1a" not in json.dumps(result.to_dict())


async def test_a_wrong_secret_is_not_saved(apps: Apps, auth: Served) -> None:
    with pytest.raises(OAuth2TokenError, match="invalid_client"):
        await apps.provisioning.set_credentials(
            "Zoom", auth.tenant_url, None, actor=ACTOR, oauth2=_grant(auth, "wrong-secret")
        )
    assert (await apps.provisioning.config("Zoom")).oauth2 is None


async def test_a_401_is_retried_once_with_a_new_token(apps: Apps, auth: Served) -> None:
    await apps.provisioning.set_credentials(
        "Zoom", auth.tenant_url, None, actor=ACTOR, oauth2=_grant(auth)
    )
    credentials = await apps.provisioning.credentials("Zoom")
    async with apps.provisioning.client(credentials) as client:
        await client.request_json("GET", "/Users")
        fetched = len(auth.state.token_requests)
        auth.state.revoke_all()  # the app forgets the token before it expires

        assert (await client.request_json("GET", "/Users"))["totalResults"] == 0
    assert [status for _m, _p, status in auth.state.scim_requests[-2:]] == [401, 200]
    assert len(auth.state.token_requests) == fetched + 1


async def test_a_second_401_is_not_retried_again(apps: Apps, auth: Served) -> None:
    await apps.provisioning.set_credentials(
        "Zoom", auth.tenant_url, None, actor=ACTOR, oauth2=_grant(auth)
    )
    credentials = await apps.provisioning.credentials("Zoom")
    auth.state.rejects_all = True
    before = len(auth.state.scim_requests)
    async with apps.provisioning.client(credentials) as client:
        response = await client.send("GET", "/Users")

    assert response.status == 401
    assert len(auth.state.scim_requests) - before == 2


async def test_the_token_is_renewed_before_it_expires(auth: Served) -> None:
    auth.state.lifetime = 120
    now = [time.time()]
    source = OAuth2TokenSource(_grant(auth), clock=lambda: now[0])
    try:
        first = await source.token()
        now[0] += 120 - REFRESH_MARGIN_SECONDS - 5  # still valid: no new request
        assert await source.token() == first
        assert len(auth.state.token_requests) == 1
        now[0] += 10  # within the margin before expiry
        renewed = await source.token()
    finally:
        await source.close()

    assert renewed != first
    assert len(auth.state.token_requests) == 2


async def test_a_template_without_the_grant_refuses_it(apps: Apps, auth: Served) -> None:
    with pytest.raises(ConfigError, match=r"'slack' does not offer the OAuth2 client credentials"):
        await apps.provisioning.set_credentials(
            "Slack", auth.tenant_url, None, actor=ACTOR, oauth2=_grant(auth)
        )
    assert auth.state.token_requests == []


async def test_a_token_next_to_the_grant_is_refused(apps: Apps, auth: Served) -> None:
    with pytest.raises(ConfigError, match="either a Secret Token or OAuth2"):
        await apps.provisioning.set_credentials(
            "Zoom", auth.tenant_url, Secret("tok-12345678"), actor=ACTOR, oauth2=_grant(auth)
        )


async def test_concurrent_requests_share_one_token_fetch(apps: Apps, auth: Served) -> None:
    await apps.provisioning.set_credentials(
        "Zoom", auth.tenant_url, None, actor=ACTOR, oauth2=_grant(auth)
    )
    before = len(auth.state.token_requests)
    credentials = await apps.provisioning.credentials("Zoom")
    async with apps.provisioning.client(credentials) as client:
        answers = await asyncio.gather(*(client.request_json("GET", "/Users") for _ in range(8)))

    assert [answer["totalResults"] for answer in answers] == [0] * 8
    assert len(auth.state.token_requests) == before + 1


@pytest.mark.parametrize(
    "token_url",
    ["http://[::1", "http://127.0.0.1:99999/token", "ftp://auth.example.com/token", "token"],
    ids=["bad-ipv6", "port-out-of-range", "not-http", "relative"],
)
async def test_an_unusable_token_url_is_refused_before_sending(
    apps: Apps, auth: Served, token_url: str
) -> None:
    grant = OAuth2ClientCredentials(OAuth2Grant(token_url, CLIENT_ID), Secret(CLIENT_SECRET))
    with pytest.raises(ConfigError, match=r"OAuth2 token URL .* is not an absolute http"):
        await apps.provisioning.set_credentials(
            "Zoom", auth.tenant_url, None, actor=ACTOR, oauth2=grant
        )


async def test_an_unreachable_token_url_fails_test_connection(apps: Apps, auth: Served) -> None:
    grant = OAuth2ClientCredentials(
        OAuth2Grant("http://127.0.0.1:9/token", CLIENT_ID), Secret(CLIENT_SECRET)
    )
    result = await apps.provisioning.test_credentials("Zoom", auth.tenant_url, None, oauth2=grant)

    assert result.failure is not None
    assert result.failure.kind is ProbeFailureKind.CREDENTIALS
    assert "could not be reached" in result.failure.message
