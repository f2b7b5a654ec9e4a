"""schemathesis against the live OpenAPI document: no server error, no response off the schema.

The server (the whole ``scimitar serve`` app) runs in a thread on a free port; schemathesis reads
``/api/v1/openapi.json`` from it and sends generated requests (valid and invalid) to every
operation with an API key, checking each answer against the document: status code documented,
content type and body as documented, no 5xx, invalid data rejected. A small directory, an app
and an assignment exist so that generated requests also reach objects that exist.
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
from schemathesis.specs.openapi.checks import positive_data_acceptance

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.audit import Actor
from scimitar.settings import Settings
from scimitar.store import open_database
from scimitar.target.tenants import TenantService
from tests.conftest import free_port

# Every operation is fuzzed, two of them with their case bent before it is sent: a Tenant URL
# is replaced by a tenant of the embedded target on the same server (the sink), so saving
# credentials and Test Connection run for real without dialling generated hosts; a sample
# directory is generated at most this big, so one case stays a fraction of a second.
_CREDENTIALS = ("PUT", "/apps/{app}/credentials")
_GENERATE = ("POST", "/directory/generate")
_VALIDATE = ("POST", "/validate")  # its endpoint URL is bent to the sink like a Tenant URL
_GENERATE_CAPS = {"users": 20, "groups": 3}
_EXAMPLES = 12
# positive_data_acceptance is left out: the API checks values beyond what a JSON schema can say
# (a UPN's form, an expression's syntax, a template's roles) and answers 422 for them, which that
# check counts as rejecting valid data. Every other check runs.


class _Server:
    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.app = create_app(settings, include_target=True)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error")
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


async def _key_and_sink(settings: Settings) -> tuple[str, str]:
    """An API key, and the id of a tenant of the embedded target to point credentials at."""
    database = await open_database(settings)
    try:
        _made, key = await AdminAuth(database).keys.create("fuzz", actor=Actor.cli("tests"))
        tenant, _token = await TenantService(database).create(
            "sink", "webex", actor=Actor.cli("tests")
        )
    finally:
        await database.dispose()
    return key, tenant.id


def _seed(base: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=f"{base}/api/v1", headers=headers) as http:
        for request in (
            ("POST", "/directory/users", {"userPrincipalName": "ada@contoso.com"}),
            ("POST", "/directory/groups", {"displayName": "Sales"}),
            ("POST", "/apps", {"template": "cisco-webex", "name": "Webex"}),
            ("POST", "/apps/Webex/assignments", {"user": "ada@contoso.com"}),
        ):
            method, path, body = request
            assert http.request(method, path, json=body).status_code == 201


@dataclass(frozen=True)
class _Live:
    base: str
    key: str
    sink: str  # a Tenant URL on the same server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Live]:
    settings = Settings(data_dir=Path(tmp_path_factory.mktemp("fuzz")) / "data")
    key, tenant_id = asyncio.run(_key_and_sink(settings))
    with _Server(settings) as server:
        base = f"http://127.0.0.1:{server.port}"
        _seed(base, key)
        yield _Live(base, key, f"{base}/v1/scim/{tenant_id}/")


def _operations(base: str) -> list[Any]:
    loaded = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    loaded.config.update(base_url=f"{base}/api/v1")
    return [result.ok() for result in loaded.get_all_operations()]


def _bend(case: Any, sink: str) -> None:
    """Keep a case on this machine and short (see _CREDENTIALS, _GENERATE)."""
    where = (case.operation.method.upper(), case.operation.path)
    if where == _CREDENTIALS and isinstance(case.body, dict) and "tenantUrl" in case.body:
        case.body["tenantUrl"] = sink
    if where == _VALIDATE and isinstance(case.body, dict) and "url" in case.body:
        case.body["url"] = sink
    if where == _GENERATE and isinstance(case.query, dict):
        for name, cap in _GENERATE_CAPS.items():
            value = case.query.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > cap:
                case.query[name] = cap


def _fuzz(operation: Any, mode: GenerationMode, live: _Live) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        _bend(case, live.sink)
        case.call_and_validate(
            headers={"Authorization": f"Bearer {live.key}"},
            excluded_checks=[positive_data_acceptance],
        )

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_server_error_and_no_response_off_the_schema(live: _Live, mode: GenerationMode) -> None:
    operations = _operations(live.base)
    assert len(operations) > 40
    assert {_CREDENTIALS, _GENERATE} <= {(op.method.upper(), op.path) for op in operations}
    failures: list[str] = []
    for operation in operations:
        try:
            _fuzz(operation, mode, live)
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported at once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n\n".join(failures)
