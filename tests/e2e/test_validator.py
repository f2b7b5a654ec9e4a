"""``scimitar validate`` over real sockets against ``scimitar serve``'s embedded target:
every scenario passes on both profiles in every dialect; each quirk switch is caught by the
scenario named for it; the run cleans up (after Ctrl+C too) and refuses a populated endpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

ENTERPRISE_MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"


def _validate(server: Server, tenant: dict[str, Any], *args: str) -> tuple[int, dict[str, Any]]:
    result = server.cli(
        "validate",
        tenant["tenant_urls"][0],
        "--token",
        tenant["token"],
        "--json",
        *args,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def _users(tenant: dict[str, Any]) -> int:
    request = urllib.request.Request(  # noqa: S310 (a test server's http URL)
        tenant["tenant_urls"][0] + "Users?count=1",
        headers={"Authorization": f"Bearer {tenant['token']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return int(json.loads(response.read())["totalResults"])


def _by_outcome(report: dict[str, Any], outcome: str) -> set[str]:
    return {s["name"] for s in report["scenarios"] if s["outcome"] == outcome}


@pytest.mark.parametrize("profile", ["webex", "generic"])
def test_every_scenario_passes_against_the_embedded_target(server: Server, profile: str) -> None:
    tenant = server.tenant(f"valid-{profile}", "--profile", profile)
    for dialect in ("entra-2020", "entra-legacy", "rfc"):
        code, report = _validate(server, tenant, "--dialect", dialect)
        assert (code, report["counts"]["fail"], report["counts"]["warn"]) == (0, 0, 0), report
        assert len(report["scenarios"]) == 18
        assert report["cleanup"]["left"] == []
        assert len(report["cleanup"]["deleted"]) > 20
        assert _users(tenant) == 0  # everything it created is gone
    # The legacy dialect sent Entra's own wire shapes (capitalised ops, string booleans).
    disable = next(s for s in report["scenarios"] if s["name"] == "disable-enable")
    bodies = [
        e["request"]["body"] for e in disable["exchanges"] if e["request"]["method"] == "PATCH"
    ]
    assert bodies[0]["Operations"][0]["op"] == "replace"
    assert bodies[0]["Operations"][0]["value"] is False


BREAKAGES = [
    (("--patch-unsupported", "title"), "users", "update-attribute"),
    (("--drop-attribute", "title"), "users", "update-attribute"),
    (("--filter-ignored", "userName"), "users", "create-and-match"),
    (("--filter-ignored", "externalId"), "users", "create-and-match"),
    (("--drop-attribute", "phoneNumbers"), "users", "multi-valued"),
    (("--patch-unsupported", "emails"), "users", "multi-valued"),
    (("--drop-attribute", "active"), "users", "disable-enable"),
    (("--patch-unsupported", ENTERPRISE_MANAGER), "users", "manager"),
    (("--patch-unsupported", "members"), "groups", "group-members"),
    (("--drop-attribute", "members"), "groups", "group-members"),
    (("--filter-ignored", "displayName"), "groups", "group-create"),
    (("--patch-unsupported", "displayName"), "groups", "group-rename"),
]


def test_each_breakage_is_caught_by_the_scenario_named_for_it(
    server: Server, tmp_path: Path
) -> None:
    tenant = server.tenant("broken", "--profile", "generic")
    for switch, only, scenario in BREAKAGES:
        server.cli("target", "tenant", "quirk-switches", "broken", "--off", *switch)
        junit = tmp_path / f"{scenario}.xml"
        code, report = _validate(server, tenant, "--only", only, "--junit", str(junit))
        failed = _by_outcome(report, "fail")
        assert code == 1, (switch, report["counts"])
        assert scenario in failed, (switch, failed)
        check = next(
            c
            for s in report["scenarios"]
            if s["name"] == scenario
            for c in s["checks"]
            if c["outcome"] == "fail"
        )
        assert check["expects"]
        assert check["reference"]
        suite = ET.parse(junit).getroot().find("testsuite")  # noqa: S314 (our own file)
        assert suite is not None
        assert int(suite.get("failures", "0")) == len(failed)
        assert report["cleanup"]["left"] == []
        assert _users(tenant) == 0
    server.cli("target", "tenant", "quirk-switches", "broken", "--off")
    code, report = _validate(server, tenant)
    assert (code, report["counts"]["fail"]) == (0, 0)


def test_a_populated_endpoint_is_refused_and_keep_leaves_the_objects(server: Server) -> None:
    tenant = server.tenant("busy", "--profile", "generic")
    code, report = _validate(server, tenant, "--only", "users", "--keep")
    kept = _users(tenant)
    assert code == 0
    assert report["cleanup"]["kept"]
    assert kept > 5
    refused = server.cli(
        "validate",
        tenant["tenant_urls"][0],
        "--token",
        tenant["token"],
        "--max-existing",
        "5",
        check=False,
    )
    assert refused.returncode == 2
    assert f"holds {kept} users" in refused.stderr
    assert _users(tenant) == kept  # nothing created or changed
    code, report = _validate(server, tenant, "--max-existing", "5", "--yes", "--only", "users")
    assert code == 0
    assert _users(tenant) == kept


def test_ctrl_c_still_cleans_up(server: Server) -> None:
    tenant = server.tenant("slow", "--profile", "generic")
    # Slow enough (about 40 s for the whole run) that the interrupt lands mid-run on any machine.
    server.cli("target", "tenant", "faults", "slow", "--latency-ms", "400")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scimitar",
            "validate",
            tenant["tenant_urls"][0],
            "--token",
            tenant["token"],
        ],
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A test run started in the background (`make test &`) ignores SIGINT, and children
        # inherit that: give the validator the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while _users(tenant) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _users(tenant) >= 2
    assert process.poll() is None, "the run ended before the interrupt: it shows nothing"
    os.kill(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    server.cli("target", "tenant", "faults", "slow", "--latency-ms", "0")
    assert _users(tenant) == 0


def test_a_failing_endpoint_is_caught_by_discovery_and_test_connection(server: Server) -> None:
    tenant = server.tenant("erring", "--profile", "webex")
    server.cli("target", "tenant", "faults", "erring", "--error-rate", "1")
    refused = server.cli(
        "validate", tenant["tenant_urls"][0], "--token", tenant["token"], check=False
    )
    assert refused.returncode == 2  # its users cannot be counted: refused before any write
    assert "could not count the endpoint's users" in refused.stderr
    code, report = _validate(server, tenant, "--yes", "--only", "users")
    failed = _by_outcome(report, "fail")
    assert code == 1
    assert {"discovery", "test-connection", "create-and-match"} <= failed
    probe = next(s for s in report["scenarios"] if s["name"] == "test-connection")
    assert probe["exchanges"][0]["response"]["status"] in (500, 503)
    server.cli("target", "tenant", "faults", "erring", "--error-rate", "0")
    assert _users(tenant) == 0


@pytest.mark.parametrize(("profile", "template"), [("webex", "cisco-webex"), ("generic", "scim")])
def test_a_template_s_needs_pass_on_the_profile_it_was_written_for(
    server: Server, profile: str, template: str
) -> None:
    tenant = server.tenant(f"tmpl-{profile}", "--profile", profile)
    code, report = _validate(server, tenant, "--template", template)
    scenario = next(s for s in report["scenarios"] if s["name"] == f"template-{template}")
    assert scenario["outcome"] == "pass", scenario
    assert code == 0, report
    assert _users(tenant) == 0


def test_an_unknown_template_is_refused_before_any_request(server: Server) -> None:
    tenant = server.tenant("tmpl-unknown", "--profile", "generic")
    result = server.cli(
        "validate", tenant["tenant_urls"][0], "--token", tenant["token"], "--template", "nope",
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "no gallery template 'nope'" in result.stderr
