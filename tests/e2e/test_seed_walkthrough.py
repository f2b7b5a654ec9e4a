"""The seed tutorial up to "click Save", with `scimitar` commands only, over a real socket.

From an empty store to "provisioning on" for Cisco Webex against the embedded Webex target;
then Test Connection with each kind of wrong setting and its message.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


class _HTMLHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def html_server() -> Iterator[str]:
    """A web server that answers every GET with an HTML page."""
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), _HTMLHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_seed_walkthrough_to_provisioning_on(server: Server, tmp_path: Path) -> None:
    tenant = server.tenant("seed-webex")
    token = tenant["token"]
    server.cli_json(
        "directory", "user", "add", "ada@contoso.com", "givenName=Ada", "surname=Lovelace"
    )
    server.cli_json("directory", "user", "add", "bob@contoso.com", "givenName=Bob")
    server.cli_json("directory", "group", "add", "Webex Users")
    server.cli_json("directory", "group", "add-member", "Webex Users", "bob@contoso.com")

    found = server.cli_json("gallery", "list", "--search", "webex")
    assert [t["id"] for t in found] == ["cisco-webex"]
    app = server.cli_json("app", "add", "cisco-webex", "--name", "Cisco Webex")
    assert uuid.UUID(app["id"])

    ada = server.cli_json(
        "app", "assign", "Cisco Webex", "--user", "ada@contoso.com", "--role", "User"
    )
    group = server.cli_json(
        "app", "assign", "Cisco Webex", "--group", "Webex Users", "--role", "User"
    )
    assert (ada["role"], group["type"]) == ("User", "group")
    assert len(server.cli_json("app", "assignments", "Cisco Webex")) == 2

    saved = server.cli_json(
        "app",
        "credentials",
        "Cisco Webex",
        "--tenant-url",
        tenant["tenant_urls"][0],
        "--token",
        token,
    )
    assert saved["hasToken"] is True
    assert saved["discovery"]["capabilities"]["patch"] is True
    tested = server.cli_json("app", "test-connection", "Cisco Webex")
    assert tested["ok"] is True
    assert [step["resource"] for step in tested["steps"]] == ["Users", "Groups"]

    notified = server.cli_json(
        "app", "settings", "Cisco Webex", "--notify", "idm-team@contoso.com", "--notify-on-failure"
    )
    assert notified["settings"]["notify_email"] == "idm-team@contoso.com"

    mappings = server.cli_json("app", "mappings", "Cisco Webex", "show")
    matching = [m for m in mappings["attributeMappings"] if m.get("matchingPriority")]
    assert [m["targetAttributeName"] for m in matching] == ["userName"]
    exported = tmp_path / "mappings.json"
    server.cli_json("app", "mappings", "Cisco Webex", "export", str(exported))
    assert (
        json.loads(exported.read_text())["Group"]["attributeMappings"][0]["targetAttributeName"]
        == "displayName"
    )

    scoped = server.cli_json("app", "scoping", "Cisco Webex", "add", "accountEnabled", "IS TRUE")
    assert scoped["scope"]["groups"][0]["clauses"][0]["operatorName"] == "IS TRUE"
    server.cli_json("app", "settings", "Cisco Webex", "--scope", "assigned")

    turned_on = server.cli_json("app", "provisioning", "Cisco Webex", "on")
    assert turned_on["provisioning"] == "on"
    assert turned_on["needsInitialCycle"] is True
    shown = server.cli("app", "show", "Cisco Webex", "--json").stdout
    assert token not in shown
    assert json.loads(shown)["provisioning"] == "on"


def _test_connection(server: Server, name: str, url: str, token: str) -> tuple[dict[str, Any], str]:
    server.cli_json("app", "add", "cisco-webex", "--name", name)
    server.cli_json("app", "credentials", name, "--tenant-url", url, "--token", token)
    result = server.cli("app", "test-connection", name, "--json", check=False)
    assert result.returncode == (0 if json.loads(result.stdout)["ok"] else 1)
    return json.loads(result.stdout), result.stderr


@pytest.mark.parametrize(
    ("case", "kind", "in_message"),
    [
        ("good", None, ""),
        ("wrong-token", "credentials", "refused the Secret Token (HTTP 401"),
        ("wrong-tenant", "credentials", "refused the Secret Token (HTTP 401"),
        ("wrong-path", "not_found", "no SCIM endpoint at /v1/scimx/"),
        ("unreachable", "refused", "the connection was refused"),
        ("html", "not_scim", "is not a SCIM ListResponse (HTTP 200, text/html, "),
    ],
    ids=["good", "wrong-token", "wrong-tenant", "wrong-path", "unreachable", "html"],
)
def test_connection_outcomes(
    server: Server, html_server: str, case: str, kind: str | None, in_message: str
) -> None:
    tenant = server.tenant(f"probe-{case}")
    url, token = tenant["tenant_urls"][0], tenant["token"]
    if case == "wrong-token":
        token = "not-the-token"
    elif case == "wrong-tenant":
        url = url.replace(tenant["id"], str(uuid.uuid4()))
    elif case == "wrong-path":
        url = url.replace("/v1/scim/", "/v1/scimx/")
    elif case == "unreachable":
        url = f"http://127.0.0.1:{free_port()}/v1/scim/{tenant['id']}/"
    elif case == "html":
        url = f"{html_server}/v1/scim/{tenant['id']}/"
    report, stderr = _test_connection(server, f"Probe {case}", url, token)
    if kind is None:
        assert report["ok"] is True
        return
    assert report["failure"]["kind"] == kind
    assert in_message in stderr
    assert "hint:" in stderr
    assert token not in stderr


def test_provisioning_stays_off_when_the_test_fails(server: Server) -> None:
    tenant = server.tenant("probe-off")
    server.cli_json("app", "add", "cisco-webex", "--name", "Stays off")
    server.cli_json(
        "app",
        "credentials",
        "Stays off",
        "--tenant-url",
        tenant["tenant_urls"][1],
        "--token",
        "wrong",
    )
    result = server.cli("app", "provisioning", "Stays off", "on", check=False)
    assert result.returncode == 1
    assert "refused the Secret Token" in result.stderr
    assert server.cli_json("app", "show", "Stays off")["provisioning"] == "off"
