"""The portal's "Edit attribute list" page and typed mappings, as a browser without JS posts."""

from __future__ import annotations

import html

from scimitar.mapping.mappings import TargetType
from tests.integration.portal.conftest import Browser

BADGE = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:badge"
SPONSOR = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:sponsor"


async def _webex(portal_client: Browser) -> str:
    await portal_client.sign_in()
    response = await portal_client.post("/portal/gallery/cisco-webex/add", {"name": "Webex"})
    assert response.status_code == 303
    return response.headers["location"].split("/apps/")[1].split("?")[0]


async def test_the_attribute_list_adds_shows_and_removes(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    base = f"/portal/apps/{app_id}/attributes/user"
    page = await portal_client.client.get(base)
    assert page.status_code == 200
    assert "Edit attribute list for Cisco Webex" in page.text
    assert "userName" in page.text
    added = await portal_client.post(
        base + "/add", {"name": BADGE, "type": "Integer", "multi_valued": "1"}
    )
    assert added.status_code == 200
    assert f"Added {BADGE}" in added.text
    listed = await portal_client.portal.apps.attributes.list(app_id, "user")
    assert (listed[-1].type, listed[-1].is_multi_valued) == (TargetType.INTEGER, True)
    removed = await portal_client.post(base + "/remove", {"name": BADGE})
    assert f"Removed {BADGE}" in removed.text
    assert f'<td class="mono">{BADGE}</td>' in added.text
    assert f'<td class="mono">{BADGE}</td>' not in removed.text


async def test_a_bad_attribute_keeps_the_form_and_says_why(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    base = f"/portal/apps/{app_id}/attributes/user"
    bad = await portal_client.post(base + "/add", {"name": SPONSOR, "type": "Reference"})
    assert bad.status_code == 400
    assert "which object type" in bad.text
    assert f'value="{SPONSOR}"' in bad.text
    template = await portal_client.post(base + "/remove", {"name": "userName"})
    assert template.status_code == 400
    assert "comes from the template" in html.unescape(template.text)


async def test_a_manager_mapping_is_typed_on_the_edit_page(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    edit = f"/portal/apps/{app_id}/mappings/user/edit"
    form = {"target": "displayName", "source_type": "Attribute", "source": "manager"}
    refused = await portal_client.post(edit, form)
    assert refused.status_code == 400
    assert "--type reference" in html.unescape(refused.text)
    saved = await portal_client.post(edit, {**form, "target_type": "String"})
    assert saved.status_code == 303
    listing = await portal_client.client.get(f"/portal/apps/{app_id}/mappings/user")
    assert "Warning: displayName gets the manager&#39;s objectId" in listing.text
    again = await portal_client.post(edit, {**form, "default_value": "none"})
    assert again.status_code == 303
    await portal_client.post(
        f"/portal/apps/{app_id}/attributes/user/add",
        {"name": SPONSOR, "type": "Reference", "referenced_object": "User"},
    )
    await portal_client.post(edit, {**form, "target": SPONSOR})
    mapping_set = await portal_client.portal.apps.mappings.show(app_id, "user")
    types = {m.target: m.target_type for m in mapping_set.mappings}
    assert types["displayName"] is TargetType.STRING
    assert types[SPONSOR] is TargetType.REFERENCE
