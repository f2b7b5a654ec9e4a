"""References typed from the CLI, and the configuration file, end to end (issue 14).

A real ``scimitar serve`` holds the store and the embedded Webex target. The mapping an admin
writes first for the manager on Webex, ``enterprise:2.0:User:manager.value ← manager``, is
refused until typed (Webex's schema types it a string); typed a reference, the manager's id in
the app reaches Webex. The configuration then moves to a new app through ``app config export``
and ``import`` (before that app has credentials), which provisions its own tenant the same way.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.target_view import TargetView

pytestmark = pytest.mark.e2e

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MANAGER_VALUE = f"{ENTERPRISE}:manager.value"


@pytest.fixture
def scimitar(server: Server) -> Scimitar:
    return Scimitar(server)


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def views() -> Iterator[list[TargetView]]:
    opened: list[TargetView] = []
    yield opened
    for view in opened:
        view.close()


def _tenant(scimitar: Scimitar, server: Server, name: str) -> dict[str, str]:
    return dict(
        scimitar("target", "tenant", "create", name, "--base-url", server.url, "--profile", "webex")
    )


def _provision(scimitar: Scimitar, app: str, tenant: dict[str, str], *users: str) -> None:
    """Credentials, provisioning on, the users assigned, one cycle without failures."""
    scimitar(
        "app", "credentials", app, "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    scimitar("app", "provisioning", app, "on")
    for user in users:
        scimitar("app", "assign", app, "--user", user, "--role", "User")
    summary = scimitar("app", "sync", app)
    assert summary["status"] == "succeeded", summary
    assert summary["counts"].get("failure", 0) == 0, summary


def test_the_manager_typed_a_reference_is_the_managers_id_in_webex(
    server: Server, scimitar: Scimitar, tag: str, views: list[TargetView], tmp_path: Path
) -> None:
    boss, ada = f"boss.{tag}@contoso.com", f"ada.{tag}@contoso.com"
    scimitar("directory", "user", "add", boss, "givenName=Boss")
    scimitar("directory", "user", "add", ada, "givenName=Ada", f"manager={boss}")
    boss_object_id = scimitar("directory", "user", "show", boss)["objectId"]
    app = f"webex-{tag}"
    scimitar("app", "add", "cisco-webex", "--name", app)
    tenant = _tenant(scimitar, server, f"t-{tag}")
    scimitar(
        "app", "credentials", app, "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip

    refused = server.cli(
        "app", "mappings", app, "set", MANAGER_VALUE, "--source", "manager", check=False
    )
    assert refused.returncode == 1
    assert "--type reference" in refused.stderr
    server.cli(
        "app", "mappings", app, "set", MANAGER_VALUE, "--source", "manager", "--type", "reference"
    )
    _provision(scimitar, app, tenant, boss, ada)

    webex = TargetView(tenant)
    views.append(webex)
    manager = webex.user(ada)[ENTERPRISE]["manager"]
    assert manager["value"] == webex.user(boss)["id"]
    assert manager["value"] != boss_object_id

    exported = server.cli("app", "config", "export", app).stdout
    path = tmp_path / "app.json"
    path.write_text(exported, encoding="utf-8")
    copy = f"copy-{tag}"
    scimitar("app", "add", "cisco-webex", "--name", copy)
    server.cli("app", "config", "import", copy, str(path))
    assert json.loads(server.cli("app", "config", "export", copy).stdout) == json.loads(exported)

    other = _tenant(scimitar, server, f"u-{tag}")
    _provision(scimitar, copy, other, boss, ada)
    second = TargetView(other)
    views.append(second)
    assert second.user(ada)[ENTERPRISE]["manager"]["value"] == second.user(boss)["id"]
