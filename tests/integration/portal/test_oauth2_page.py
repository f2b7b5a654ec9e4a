"""The Provisioning page's OAuth2 client credentials fields, against a real authorization server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.portal.conftest import Browser
from tests.oauth2server import Served, serve_oauth2

SECRET = "cs_portal_35d8b9f2b7d41e0a6c"


@pytest.fixture
async def auth() -> AsyncIterator[Served]:
    async with serve_oauth2({"portal-client": (SECRET, ("scim2",))}) as served:
        yield served


async def _add(portal_client: Browser, template: str, name: str) -> str:
    await portal_client.sign_in()
    response = await portal_client.post(f"/portal/gallery/{template}/add", {"name": name})
    assert response.status_code == 303
    return response.headers["location"].split("/apps/")[1].split("?")[0]


def _form(auth: Served, secret: str = SECRET) -> dict[str, str]:
    return {
        "tenant_url": auth.tenant_url,
        "token": "",
        "oauth2_token_url": auth.token_url,
        "oauth2_client_id": "portal-client",
        "oauth2_client_secret": secret,
        "oauth2_scopes": "scim2",
        "interval": "40",
        "scope": "assigned",
        "status": "off",
    }


async def test_the_form_offers_oauth2_only_when_the_template_does(portal_client: Browser) -> None:
    lab = await _add(portal_client, "scim", "Lab")
    webex = await _add(portal_client, "cisco-webex", "Webex")

    offered = await portal_client.client.get(f"/portal/apps/{lab}/provisioning")
    absent = await portal_client.client.get(f"/portal/apps/{webex}/provisioning")

    assert 'name="oauth2_client_secret"' in offered.text
    assert 'name="oauth2_client_secret"' not in absent.text


async def test_save_then_test_connection_with_the_saved_grant(
    portal_client: Browser, auth: Served
) -> None:
    app_id = await _add(portal_client, "scim", "Lab")

    saved = await portal_client.post(f"/portal/apps/{app_id}/provisioning", _form(auth))
    tested = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning/test",
        {**_form(auth, secret=""), "oauth2_client_secret": ""},
    )
    page = await portal_client.client.get(f"/portal/apps/{app_id}/provisioning")

    assert saved.status_code == 200, saved.text
    assert "Test Connection succeeded." in tested.text
    assert "(saved)" in page.text
    for response in (saved, tested, page):
        assert SECRET not in response.text
    config = await portal_client.portal.apps.provisioning.config(app_id)
    assert config.oauth2 is not None
    assert config.oauth2.client_id == "portal-client"
    assert len(auth.state.token_requests) >= 2


async def test_a_refused_secret_is_shown_as_a_failed_test(
    portal_client: Browser, auth: Served
) -> None:
    app_id = await _add(portal_client, "scim", "Lab")

    tested = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning/test", _form(auth, secret="wrong-portal-77")
    )

    saved = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning", _form(auth, secret="wrong-portal-77")
    )

    assert "Test Connection failed." in tested.text
    assert "invalid_client" in tested.text
    assert saved.status_code == 400
    assert "invalid_client" in saved.text
    for response in (tested, saved):
        assert "wrong-portal-77" not in response.text
    assert (await portal_client.portal.apps.provisioning.config(app_id)).oauth2 is None
