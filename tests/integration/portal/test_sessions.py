"""Portal sessions end on the server, and failed sign-ins back off (ASGI, SQLite).

The store-level rules run on both backends in tests/integration/admin/test_sessions.py and
tests/integration/security/test_throttle.py.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.audit import Actor, AuditLog, AuditQuery
from scimitar.portal.context import Portal
from scimitar.portal.session import COOKIE
from scimitar.settings import Settings
from tests.integration.portal.conftest import PASSWORD, Browser

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FREE_FAILURES = 3


@pytest.fixture
async def visitor(tmp_path: Path) -> AsyncIterator[Browser]:
    settings = Settings(data_dir=tmp_path / "data", auth_free_failures=FREE_FAILURES)
    app = create_app(settings, include_target=False)
    async with app.router.lifespan_context(app):
        portal: Portal = app.routes[-1].app.state.portal  # type: ignore[attr-defined]
        await AdminAuth(portal.database).set_password(PASSWORD, actor=Actor.cli("tests"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Browser(client, portal)


def _copy(visitor: Browser) -> httpx.AsyncClient:
    """Another client carrying a copy of the browser's session cookie."""
    copy = httpx.AsyncClient(transport=visitor.client._transport, base_url="http://testserver")
    copy.cookies.set(COOKIE, visitor.client.cookies[COOKIE], path="/portal")
    return copy


async def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(
    visitor: Browser,
) -> None:
    await visitor.sign_in()
    async with _copy(visitor) as copy:
        assert (await copy.get("/portal/apps")).status_code == 200
        signed_out = await visitor.post("/portal/signout", {})
        assert signed_out.status_code == 303
        assert (await copy.get("/portal/apps")).status_code == 303


async def test_a_new_admin_password_ends_password_sessions(visitor: Browser) -> None:
    await visitor.sign_in()
    auth = AdminAuth(visitor.portal.database)
    _made, key = await auth.keys.create("keeps-working", actor=Actor.cli("tests"))
    async with _copy(visitor) as keyed:
        keyed.cookies.clear()
        await keyed.post("/portal/signin", data={"method": "key", "api_key": key})
        await auth.set_password("a brand new passphrase", actor=Actor.cli("tests"))
        assert (await visitor.client.get("/portal/apps")).status_code == 303
        assert (await keyed.get("/portal/apps")).status_code == 200


async def test_a_revoked_keys_sessions_stay_ended_when_its_name_is_reused(
    visitor: Browser,
) -> None:
    auth = AdminAuth(visitor.portal.database)
    _made, key = await auth.keys.create("ci", actor=Actor.cli("tests"))
    signed_in = await visitor.client.post("/portal/signin", data={"method": "key", "api_key": key})
    assert signed_in.status_code == 303
    assert "API key ci" in (await visitor.client.get("/portal/apps")).text
    await auth.keys.revoke("ci", actor=Actor.cli("tests"))
    await auth.keys.create("ci", actor=Actor.cli("tests"))
    assert (await visitor.client.get("/portal/apps")).status_code == 303


async def test_failed_sign_ins_back_off_with_429_and_retry_after(visitor: Browser) -> None:
    for _ in range(FREE_FAILURES - 1):
        assert (await visitor.sign_in("not the password")).status_code == 401
    blocking = await visitor.sign_in("not the password")
    assert blocking.status_code == 401
    assert blocking.headers["retry-after"] == "1"
    throttled = await visitor.sign_in()  # even the right password waits
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in throttled.text
    assert COOKIE not in visitor.client.cookies


async def test_sign_ins_failures_and_sign_outs_are_audited_without_secrets(
    visitor: Browser,
) -> None:
    await visitor.sign_in("a wrong password")
    await visitor.client.post(
        "/portal/signin", data={"method": "key", "api_key": "scimadm_abc123_secretpart"}
    )
    await visitor.sign_in()
    await visitor.post("/portal/signout", {})
    page = await AuditLog(visitor.portal.database).query(AuditQuery())
    actions = [record.action for record in page.records]
    assert actions[:2] == ["signout", "signin"]
    assert "signin.failed" in actions
    failed = next(r for r in page.records if r.action == "signin.failed")
    assert failed.actor == "portal:anonymous"
    shown = str([r.to_dict() for r in page.records])
    assert "secretpart" not in shown
    assert "a wrong password" not in shown
