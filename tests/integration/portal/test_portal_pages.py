"""Portal sign-in, CSRF, forms without JavaScript, the write-only token, errors, downloads."""

from __future__ import annotations

import html

import pytest

from scimitar.admin import AdminAuth
from scimitar.audit import Actor
from scimitar.portal.session import COOKIE
from scimitar.secrets import Secret
from tests.echoserver import echo_server
from tests.integration.portal.conftest import Browser


async def test_pages_ask_to_sign_in_first(portal_client: Browser) -> None:
    response = await portal_client.client.get("/portal/apps/x/logs?status=failure")
    assert response.status_code == 303
    assert (
        response.headers["location"] == "/portal/signin?next=/portal/apps/x/logs%3Fstatus%3Dfailure"
    )
    htmx = await portal_client.client.get("/portal/apps", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/portal/signin")


async def test_a_wrong_password_is_refused_and_the_right_one_signs_in(
    portal_client: Browser,
) -> None:
    wrong = await portal_client.sign_in("not the password")
    assert wrong.status_code == 401
    assert "not right" in wrong.text
    assert COOKIE not in portal_client.client.cookies
    right = await portal_client.sign_in()
    assert right.status_code == 303
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/portal" in cookie
    assert (await portal_client.client.get("/portal/apps")).status_code == 200


async def test_sign_in_goes_only_to_portal_pages(portal_client: Browser) -> None:
    response = await portal_client.client.post(
        "/portal/signin",
        data={
            "method": "password",
            "password": "correct horse battery staple",
            "next": "https://evil.example/portal/apps",
        },
    )
    assert response.headers["location"] == "/portal/apps"


async def test_an_api_key_signs_in_until_it_is_revoked(portal_client: Browser) -> None:
    auth = AdminAuth(portal_client.portal.database)
    _made, key = await auth.keys.create("portal-test", actor=Actor.cli("tests"))
    response = await portal_client.client.post(
        "/portal/signin", data={"method": "key", "api_key": key}
    )
    assert response.status_code == 303
    page = await portal_client.client.get("/portal/apps")
    assert "API key portal-test" in page.text
    await auth.keys.revoke("portal-test", actor=Actor.cli("tests"))
    assert (await portal_client.client.get("/portal/apps")).status_code == 303


async def test_a_tampered_cookie_is_a_signed_out_visitor(portal_client: Browser) -> None:
    await portal_client.sign_in()
    value = portal_client.client.cookies[COOKIE]
    tampered = ("B" if value[0] == "A" else "A") + value[1:]
    portal_client.client.cookies.set(COOKIE, tampered, path="/portal")
    assert (await portal_client.client.get("/portal/apps")).status_code == 303


async def test_a_form_without_the_csrf_token_changes_nothing(portal_client: Browser) -> None:
    await portal_client.sign_in()
    response = await portal_client.client.post(
        "/portal/gallery/cisco-webex/add", data={"name": "W"}
    )
    assert response.status_code == 403
    assert "expired" in response.text
    forged = await portal_client.client.post(
        "/portal/gallery/cisco-webex/add", data={"name": "W", "csrf": "forged"}
    )
    assert forged.status_code == 403
    assert await portal_client.portal.apps.apps.list() == []


async def _webex(portal_client: Browser) -> str:
    await portal_client.sign_in()
    response = await portal_client.post("/portal/gallery/cisco-webex/add", {"name": "Webex"})
    assert response.status_code == 303
    return response.headers["location"].split("/apps/")[1].split("?")[0]


async def test_adding_the_same_name_twice_says_so(portal_client: Browser) -> None:
    await _webex(portal_client)
    again = await portal_client.post("/portal/gallery/cisco-webex/add", {"name": "webex"})
    assert again.status_code == 400
    assert "exists already" in again.text


async def test_assigning_needs_a_known_user_and_role(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    await portal_client.portal.directory.users.create({"userPrincipalName": "ada@contoso.com"})
    missing = await portal_client.post(
        f"/portal/apps/{app_id}/users/assign", {"kind": "user", "principal": "", "role": "User"}
    )
    assert missing.status_code == 400
    assert "Enter the user principal name" in missing.text
    unknown = await portal_client.post(
        f"/portal/apps/{app_id}/users/assign",
        {"kind": "user", "principal": "nobody@contoso.com", "role": "User"},
    )
    assert unknown.status_code == 400
    made = await portal_client.post(
        f"/portal/apps/{app_id}/users/assign",
        {"kind": "user", "principal": "ada@contoso.com", "role": "User"},
    )
    assert "Assigned ada@contoso.com as User" in made.text
    roles = [a.role for a in await portal_client.portal.apps.assignments.list(app_id)]
    assert roles == ["User"]
    removed = await portal_client.post(
        f"/portal/apps/{app_id}/users/unassign",
        {"kind": "user", "principal": "ada@contoso.com", "role": "User"},
    )
    assert removed.status_code == 200
    assert await portal_client.portal.apps.assignments.list(app_id) == []


async def test_a_bad_setting_stores_nothing_and_names_the_field(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    response = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning",
        {
            "tenant_url": "https://api.webex.com/v1/scim/abc/",
            "token": "secret-token-value",
            "notify_email": "not an address",
            "notify_on_failure": "1",
            "interval": "5",
            "scope": "assigned",
            "status": "off",
        },
    )
    assert response.status_code == 400
    assert "Notification Email" in response.text
    config = await portal_client.portal.apps.provisioning.config(app_id)
    assert config.tenant_url is None
    assert not config.has_token
    assert config.settings.notify_email is None


async def test_the_saved_token_is_never_shown(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    token = "tok_never_shown_7c1e"
    saved = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning",
        {
            "tenant_url": "http://127.0.0.1:9/v1/scim/abc/",
            "token": token,
            "notify_email": "ops@contoso.com",
            "notify_on_failure": "1",
            "prevent_deletions": "1",
            "delete_threshold": "25",
            "interval": "40",
            "scope": "assigned",
            "status": "off",
        },
    )
    assert saved.status_code == 200
    assert "Saved. Provisioning is Off" in saved.text
    config = await portal_client.portal.apps.provisioning.config(app_id)
    assert config.has_token
    assert config.settings.notify_email == "ops@contoso.com"
    assert config.settings.notify_on_failure
    assert config.settings.delete_threshold == 25
    assert config.settings.interval_minutes == 40
    for path in ("", "/provisioning", "/mappings/user", "/status", "/logs"):
        page = await portal_client.client.get(f"/portal/apps/{app_id}{path}")
        assert token not in page.text
    credentials = await portal_client.portal.apps.provisioning.credentials(app_id)
    assert credentials.token.reveal() == token


async def test_turning_on_with_a_failing_connection_stays_off(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    response = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning",
        {
            "tenant_url": "http://127.0.0.1:9/v1/scim/abc/",
            "token": "t",
            "interval": "5",
            "scope": "assigned",
            "status": "on",
        },
    )
    assert response.status_code == 400
    assert "provisioning stays Off" in response.text
    assert "Test Connection failed" in response.text
    assert not (await portal_client.portal.apps.provisioning.config(app_id)).is_on


async def test_trying_an_expression_shows_its_value_or_where_it_breaks(
    portal_client: Browser,
) -> None:
    app_id = await _webex(portal_client)
    await portal_client.portal.directory.users.create(
        {"userPrincipalName": "ada@contoso.com", "givenName": "Ada", "surname": "Lovelace"}
    )
    form = {
        "target": "displayName",
        "source_type": "Expression",
        "object": "ada@contoso.com",
        "flow_type": "Always",
    }
    good = await portal_client.client.post(
        f"/portal/apps/{app_id}/mappings/user/try",
        data={
            **form,
            "source": 'Join(" ", [givenName], [surname])',
            "csrf": await portal_client.csrf(),
        },
        headers={"HX-Request": "true"},
    )
    assert '<dd class="mono" id="try-value">Ada Lovelace</dd>' in good.text
    assert "<html" not in good.text
    broken = await portal_client.client.post(
        f"/portal/apps/{app_id}/mappings/user/try",
        data={**form, "source": 'Join(" ", [givenName]', "csrf": await portal_client.csrf()},
    )
    assert "Syntax error" in broken.text
    assert "<html" in broken.text  # without JavaScript: the whole page, with the result
    mapping_set = await portal_client.portal.apps.mappings.show(app_id, "user")
    display = next(m for m in mapping_set.mappings if m.target == "displayName")
    assert display.source == "displayName"  # trying saved nothing


async def test_mappings_edit_scoping_and_restore(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    base = f"/portal/apps/{app_id}/mappings/user"
    saved = await portal_client.post(
        base + "/edit",
        {
            "target": "displayName",
            "source_type": "Attribute",
            "source": "mailNickname",
            "flow_type": "ObjectAddOnly",
        },
    )
    assert saved.status_code == 303
    mapping_set = await portal_client.portal.apps.mappings.show(app_id, "user")
    shown = next(m for m in mapping_set.mappings if m.target == "displayName")
    assert (shown.source, shown.flow_type.value) == ("mailNickname", "ObjectAddOnly")
    bad = await portal_client.post(
        base + "/scoping/add", {"attribute": "department", "operator": "SOUNDS LIKE"}
    )
    assert bad.status_code == 400
    assert "unknown scoping operator" in bad.text
    added = await portal_client.post(
        base + "/scoping/add",
        {"filter_name": "Sales", "attribute": "department", "operator": "EQUALS", "value": "Sales"},
    )
    assert "Added a clause" in added.text
    restored = await portal_client.post(base + "/restore", {})
    assert "Default mappings restored" in restored.text
    mapping_set = await portal_client.portal.apps.mappings.show(app_id, "user")
    assert mapping_set.scoping_filters == ()


async def test_log_filters_are_checked(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    response = await portal_client.client.get(f"/portal/apps/{app_id}/logs?status=broken")
    assert response.status_code == 400
    assert "Status &#39;broken&#39;: use one of success" in response.text
    csv = await portal_client.client.get(f"/portal/apps/{app_id}/logs.csv?status=failure")
    assert csv.status_code == 200
    assert csv.headers["content-disposition"].startswith("attachment;")
    assert csv.text.startswith("at,cycle_id")


async def test_every_page_has_labelled_inputs(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    import re

    paths = [
        "/portal/apps",
        "/portal/gallery",
        "/portal/directory/users",
        "/portal/directory/groups",
    ] + [
        f"/portal/apps/{app_id}{p}"
        for p in (
            "",
            "/users",
            "/provisioning",
            "/mappings/user",
            "/mappings/user/edit?target=userName",
            "/mappings/user/edit",
            "/attributes/user",
            "/config",
            "/status",
            "/logs",
        )
    ]
    for path in paths:
        html = (await portal_client.client.get(path)).text
        ids = set(re.findall(r'<label for="([^"]+)"', html))
        for tag in re.finditer(r"<(input|select|textarea)\b([^>]*)>", html):
            attributes = tag.group(2)
            if 'type="hidden"' in attributes:
                continue
            found = re.search(r'\bid="([^"]+)"', attributes)
            wrapped = html.rfind("<label", 0, tag.start()) > html.rfind("</label>", 0, tag.start())
            assert wrapped or (found and found.group(1) in ids), (
                f"{path}: unlabelled {tag.group(0)}"
            )


async def test_provision_on_demand_says_what_is_missing(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    empty = await portal_client.post(
        f"/portal/apps/{app_id}/ondemand", {"kind": "user", "principal": ""}
    )
    assert empty.status_code == 400
    assert "Enter the user&#39;s UPN or objectId" in empty.text
    unknown = await portal_client.post(
        f"/portal/apps/{app_id}/ondemand", {"kind": "user", "principal": "nobody@contoso.com"}
    )
    assert unknown.status_code == 400
    assert "nobody@contoso.com" in unknown.text
    await portal_client.portal.directory.users.create({"userPrincipalName": "ada@contoso.com"})
    no_credentials = await portal_client.post(
        f"/portal/apps/{app_id}/ondemand", {"kind": "user", "principal": "ada@contoso.com"}
    )
    assert no_credentials.status_code == 400
    assert "no credentials yet" in no_credentials.text


async def test_plain_http_to_another_host_is_refused_in_the_page_words(
    portal_client: Browser,
) -> None:
    app_id = await _webex(portal_client)
    response = await portal_client.post(
        f"/portal/apps/{app_id}/provisioning",
        {
            "tenant_url": "http://scim.example.com/v2/",
            "token": "t",
            "interval": "5",
            "scope": "assigned",
            "status": "off",
        },
    )
    assert response.status_code == 400
    assert "uses plain http to scim.example.com" in response.text
    assert "pass --allow-insecure-http" not in response.text
    assert (await portal_client.portal.apps.provisioning.config(app_id)).tenant_url is None


async def test_job_control_refuses_what_cannot_be_done(portal_client: Browser) -> None:
    app_id = await _webex(portal_client)
    base = f"/portal/apps/{app_id}/control"
    page = await portal_client.client.get(base)
    assert "No deletions are held." in page.text
    for action, message in (
        ("allow", "no deletions are held"),
        ("reject", "holds no deletions"),
        ("restart", "tick at least one thing to reset"),
        ("purge", "unknown action"),
    ):
        response = await portal_client.post(f"{base}/{action}", {})
        assert response.status_code == 400, action
        assert message in response.text, action
    paused = await portal_client.post(f"{base}/pause", {})
    assert "paused" in paused.text
    assert (await portal_client.portal.status.status(app_id)).state == "paused"
    restarted = await portal_client.post(f"{base}/restart", {"reset_escrows": "1"})
    assert "restarted (reset: escrows)" in restarted.text


async def _with_saved_token(portal_client: Browser, token: str) -> str:
    app_id = await _webex(portal_client)
    await portal_client.portal.apps.provisioning.set_credentials(
        app_id, "http://127.0.0.1:9/v1/scim/abc/", Secret(token), actor=Actor.cli("tests")
    )
    return app_id


@pytest.mark.parametrize("action", ["/test", ""], ids=["test-connection", "save"])
async def test_a_new_tenant_url_needs_the_token_again(portal_client: Browser, action: str) -> None:
    token = "tok_saved_never_echoed_51f0"
    app_id = await _with_saved_token(portal_client, token)
    async with echo_server() as echo:
        response = await portal_client.post(
            f"/portal/apps/{app_id}/provisioning{action}",
            {"tenant_url": echo.url, "token": "", "scope": "assigned", "status": "off"},
        )
    assert response.status_code == 400
    assert "enter the Secret Token again" in response.text
    assert echo.authorizations == []
    assert token not in response.text
    config = await portal_client.portal.apps.provisioning.config(app_id)
    assert config.tenant_url == "http://127.0.0.1:9/v1/scim/abc/"


async def test_test_connection_never_shows_what_an_echoing_server_answers(
    portal_client: Browser,
) -> None:
    app_id = await _webex(portal_client)
    token = "tok_typed_for_the_echo_9a2c"
    async with echo_server() as echo:
        response = await portal_client.post(
            f"/portal/apps/{app_id}/provisioning/test",
            {"tenant_url": echo.url, "token": token},
        )
    assert echo.authorizations == [f"Bearer {token}"]
    assert "is not a SCIM ListResponse" in response.text
    assert "text/plain" in response.text
    assert token not in response.text
    assert "Authorization" not in response.text


async def test_a_mapping_with_an_unknown_source_is_refused_with_the_closest_names(
    portal_client: Browser,
) -> None:
    app_id = await _webex(portal_client)
    refused = await portal_client.post(
        f"/portal/apps/{app_id}/mappings/user/edit",
        {
            "target": "displayName",
            "source_type": "Expression",
            "source": 'Join(" ", [givenName], [surnam])',
            "flow_type": "Always",
        },
    )
    assert refused.status_code == 400
    assert (
        "User mapping 5 (target 'displayName'), field expression, [surnam] at column 24: "
        "'surnam' is not a User attribute of the directory; closest: surname"
    ) in html.unescape(refused.text)
    mapping_set = await portal_client.portal.apps.mappings.show(app_id, "user")
    display = next(m for m in mapping_set.mappings if m.target == "displayName")
    assert display.source == "displayName"
