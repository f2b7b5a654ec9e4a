"""schemathesis against the embedded target's own OpenAPI document (``{tenant}/openapi.json``).

``scimitar serve``'s app runs in a thread on a free port; schemathesis reads a generic and a
webex tenant's document and sends generated requests (valid and invalid) to every operation
with the tenant's token, checking each answer against the document: no server error, status
codes, content type and bodies as documented, invalid data rejected. The seed is fixed, so a
run is reproducible.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from scimitar.app import create_app
from scimitar.audit import Actor
from scimitar.settings import Settings
from scimitar.store import open_database
from scimitar.target.tenants import TenantService
from tests.conftest import free_port

_EXAMPLES = 20
_PROFILES = {"generic": "/scim/{t}/v2", "webex": "/v1/scim/{t}"}
# positive_data_acceptance is left out: the document describes resources loosely (their
# attributes are the profile's, at /Schemas), so generated "valid" bodies name unknown
# attributes or lack the core schema URN, and the target rightly answers 400. ignored_auth is
# left out too: its requests with a wrong token make the target throttle this address (429 for
# a while, docs/security.md), which would fail the requests after it; authentication has its
# own tests (test_protocol.py, tests/e2e/test_security.py).


@dataclass(frozen=True)
class _Tenant:
    url: str
    token: str


class _Server:
    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        app = create_app(settings, include_target=True)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


async def _tenants(settings: Settings) -> dict[str, tuple[str, str]]:
    database = await open_database(settings)
    try:
        made = {}
        for profile in _PROFILES:
            tenant, token = await TenantService(database).create(
                f"fuzz-{profile}", profile, actor=Actor.cli("tests")
            )
            made[profile] = (tenant.id, token)
    finally:
        await database.dispose()
    return made


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, _Tenant]]:
    settings = Settings(data_dir=Path(tmp_path_factory.mktemp("target-fuzz")) / "data")
    made = asyncio.run(_tenants(settings))
    with _Server(settings) as server:
        base = f"http://127.0.0.1:{server.port}"
        yield {
            profile: _Tenant(base + _PROFILES[profile].replace("{t}", tenant_id), token)
            for profile, (tenant_id, token) in made.items()
        }


def _operations(tenant: _Tenant) -> list[Any]:
    headers = {"Authorization": f"Bearer {tenant.token}"}
    document = httpx.get(f"{tenant.url}/openapi.json", headers=headers, timeout=30).json()
    loaded = schemathesis.openapi.from_dict(document)
    loaded.config.update(base_url=tenant.url)
    return [result.ok() for result in loaded.get_all_operations()]


def _fuzz(operation: Any, mode: GenerationMode, token: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            excluded_checks=[positive_data_acceptance, ignored_auth],
        )

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("profile", sorted(_PROFILES))
def test_target_answers_within_its_document(
    tenants: dict[str, _Tenant], profile: str, mode: GenerationMode
) -> None:
    tenant = tenants[profile]
    operations = _operations(tenant)
    assert len(operations) >= 18
    failures: list[str] = []
    for operation in operations:
        try:
            _fuzz(operation, mode, tenant.token)
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported at once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n\n".join(failures)
