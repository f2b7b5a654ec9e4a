"""The portal's audit log page, and what the portal records: sign-ins and changes."""

from __future__ import annotations

import re

from scimitar.audit import AuditQuery
from tests.integration.portal.conftest import Browser

TOKEN = "tok_audit_never_recorded_5b2d"


async def _changes(portal_client: Browser) -> str:
    added = await portal_client.post("/portal/gallery/cisco-webex/add", {"name": "Webex"})
    assert added.status_code == 303
    app_id = added.headers["location"].split("/apps/")[1].split("?")[0]
    saved = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning",
        {
            "tenant_url": "http://127.0.0.1:9/v1/scim/abc/",
            "token": TOKEN,
            "interval": "40",
            "scope": "assigned",
            "status": "off",
        },
    )
    assert saved.status_code == 200
    return app_id


async def test_the_page_lists_portal_changes_with_the_sessions_actor(
    portal_client: Browser,
) -> None:
    assert (await portal_client.sign_in("not the password")).status_code == 401
    await portal_client.sign_in()
    await _changes(portal_client)
    page = await portal_client.client.get("/portal/audit")
    assert page.status_code == 200
    assert '<a href="/portal/audit" aria-current="page">Audit log</a>' in page.text
    for action in ("signin.failed", "signin", "app.add", "credentials.set", "settings.update"):
        assert f"<td>{action}</td>" in page.text
    assert TOKEN not in page.text
    assert "&lt;changed&gt;" in page.text
    records = (await portal_client.portal.audit.query(AuditQuery(actor="portal"))).records
    by_action = {r.action: r for r in records}
    assert by_action["app.add"].actor == "portal:password"
    session = by_action["app.add"].session
    assert session is not None
    assert re.fullmatch(r"[0-9a-f]{8}", session)
    assert by_action["signin"].session == session
    assert f'portal:password <span class="muted">({session})</span>' in page.text
    assert by_action["signin.failed"].actor == "portal:anonymous"
    assert by_action["signin.failed"].after == {
        "source": "127.0.0.1",
        "attempts": 1,
        "method": "password",
        "keyId": None,
    }


async def test_filters_narrow_the_page_and_bad_ones_are_explained(
    portal_client: Browser,
) -> None:
    await portal_client.sign_in()
    await _changes(portal_client)
    only = await portal_client.client.get("/portal/audit", params={"action": "app"})
    assert "<td>app.add</td>" in only.text
    assert "<td>credentials.set</td>" not in only.text
    by_app = await portal_client.client.get("/portal/audit", params={"app": "webex"})
    assert "<td>signin</td>" not in by_app.text
    assert "<td>credentials.set</td>" in by_app.text
    bad = await portal_client.client.get("/portal/audit", params={"since": "last tuesday"})
    assert bad.status_code == 400
    assert "neither a time nor an age" in bad.text
    nobody = await portal_client.client.get("/portal/audit", params={"actor": "api"})
    assert "No audit records match." in nobody.text


async def test_the_page_needs_a_session_and_sign_out_is_recorded(
    portal_client: Browser,
) -> None:
    assert (await portal_client.client.get("/portal/audit")).status_code == 303
    await portal_client.sign_in()
    out = await portal_client.post("/portal/signout", {})
    assert out.status_code == 303
    actions = [r.action for r in (await portal_client.portal.audit.query()).records]
    assert actions[:2] == ["signout", "signin"]
