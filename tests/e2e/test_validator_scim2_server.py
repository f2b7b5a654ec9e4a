"""``scimitar validate`` against scim2-server (PyPI), served as bench/scim2_server_app.py serves
it: its known incompatibilities with Entra are reported as failures with the exact request, and
every other scenario passes (nothing reported that is not true)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ADSCIM = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
GROUP_SCENARIOS = {
    "group-create", "group-members", "group-rename", "group-delete", "exclude-members",
    "paging-groups",
}  # fmt: skip


@pytest.fixture(scope="module")
def scim2_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "scim2_server_app.py"), str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/ServiceProviderConfig", timeout=1):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _validate(url: str, dialect: str, *more: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "scimitar", "validate", url, "--token", "unused-by-scim2-server",
         "--dialect", dialect, "--json", *more],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return result.returncode, json.loads(result.stdout)


def _failures(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        s["name"]: next(c for c in s["checks"] if c["outcome"] == "fail")
        for s in report["scenarios"]
        if s["outcome"] == "fail"
    }


def test_entra_2020_incompatibilities_are_reported(scim2_server: str) -> None:
    code, report = _validate(scim2_server, "entra-2020")
    failures = _failures(report)
    assert code == 1
    assert set(failures) == {"multi-valued", "manager"}
    assert report["counts"]["warn"] == 0
    # An add through a value filter that matches no phone yet (what Entra sends) is refused.
    sent = failures["multi-valued"]["exchange"]["request"]["body"]["Operations"]
    assert {
        "op": "add",
        "path": 'phoneNumbers[type eq "work"].value',
        "value": "+1 555 0100",
    } in sent
    assert failures["multi-valued"]["exchange"]["response"]["status"] == 400
    # Clearing the manager by `manager[value eq "id"]` is refused as an invalid path.
    removal = failures["manager"]["exchange"]["request"]["body"]["Operations"][0]
    assert removal["op"] == "remove"
    assert removal["path"].startswith("manager[value eq ")
    assert report["cleanup"]["left"] == []


def test_entra_legacy_incompatibilities_are_reported(scim2_server: str) -> None:
    code, report = _validate(scim2_server, "entra-legacy")
    failures = _failures(report)
    assert code == 1
    assert set(failures) == {"multi-valued", "manager"} | GROUP_SCENARIOS
    # The ADSCIM group schema URN Entra puts on group creation is rejected.
    create = failures["group-create"]["exchange"]
    assert create["request"]["method"] == "POST"
    assert ADSCIM in create["request"]["body"]["schemas"]
    assert create["response"]["status"] == 400
    assert ADSCIM in failures["group-create"]["message"]
    # The manager as a bare id (Entra's legacy shape) is rejected.
    manager = failures["manager"]["exchange"]["request"]["body"]["Operations"][0]
    assert isinstance(manager["value"], str)
    assert report["cleanup"]["left"] == []


def test_the_webex_template_s_needs_are_checked(scim2_server: str) -> None:
    code, report = _validate(scim2_server, "entra-2020", "--template", "cisco-webex")
    scenario = next(s for s in report["scenarios"] if s["name"] == "template-cisco-webex")
    # scim2-server publishes Bulk of 100 operations, filters, PATCH and every attribute the
    # Webex mappings write: nothing the template needs is missing (its failures are Entra's).
    assert scenario["outcome"] == "pass", scenario
    assert len(scenario["checks"]) > 10
    assert code == 1
