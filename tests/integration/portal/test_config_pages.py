"""The portal's configuration page: download the JSON, paste one to import."""

from __future__ import annotations

import html
import json

from tests.integration.portal.conftest import Browser


async def _webex(portal_client: Browser, name: str) -> str:
    response = await portal_client.post("/portal/gallery/cisco-webex/add", {"name": name})
    assert response.status_code == 303
    return response.headers["location"].split("/apps/")[1].split("?")[0]


async def test_download_then_import_into_another_app(portal_client: Browser) -> None:
    await portal_client.sign_in()
    source = await _webex(portal_client, "Webex")
    copy = await _webex(portal_client, "Copy")
    await portal_client.post(
        f"/portal/apps/{source}/mappings/user/edit",
        {"target": "displayName", "source_type": "Attribute", "source": "mailNickname"},
    )
    page = await portal_client.client.get(f"/portal/apps/{source}/config")
    assert "Download configuration" in page.text
    download = await portal_client.client.get(f"/portal/apps/{source}/config/export")
    assert download.headers["content-disposition"] == 'attachment; filename="Webex-config.json"'
    document = download.json()
    assert document["mappings"]["User"][4]["source"] == "mailNickname"

    imported = await portal_client.post(
        f"/portal/apps/{copy}/config/import", {"document": download.text}
    )

    assert imported.status_code == 200
    assert "Configuration imported" in imported.text
    assert await portal_client.portal.apps.config.export(copy) == document


async def test_a_bad_paste_lists_each_problem_and_changes_nothing(portal_client: Browser) -> None:
    await portal_client.sign_in()
    app_id = await _webex(portal_client, "Webex")
    document = await portal_client.portal.apps.config.export(app_id)
    bad = json.loads(json.dumps(document))
    bad["mappings"]["User"][3]["target"] = "title"
    bad["objectTypes"]["User"]["enabled"] = False

    refused = await portal_client.post(
        f"/portal/apps/{app_id}/config/import", {"document": json.dumps(bad)}
    )

    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "nothing changed" in text
    assert "$.mappings.User[3].target" in text
    assert "$.objectTypes.User.enabled" in text
    assert '"title"' in text  # the pasted text is kept to fix
    assert await portal_client.portal.apps.config.export(app_id) == document
    not_json = await portal_client.post(f"/portal/apps/{app_id}/config/import", {"document": "{"})
    assert "not valid JSON at line 1" in not_json.text
