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
from scimitar.settings import Settings
from scimitar.store import open_database
from tests.conftest import free_port

# Operations that reach the network at a URL the request names (a generated Tenant URL would
# make the server dial random hosts) or run long work are fuzzed elsewhere with real targets.
_NOT_FUZZED = {
    ("PUT", "/apps/{app}/credentials"),
    ("POST", "/directory/generate"),
}
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


async def _key_and_seed(settings: Settings) -> str:
    database = await open_database(settings)
    try:
        _made, key = await AdminAuth(database).keys.create("fuzz")
    finally:
        await database.dispose()
    return key


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


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    settings = Settings(data_dir=Path(tmp_path_factory.mktemp("fuzz")) / "data")
    key = asyncio.run(_key_and_seed(settings))
    with _Server(settings) as server:
        base = f"http://127.0.0.1:{server.port}"
        _seed(base, key)
        yield base, key


def _operations(base: str) -> list[Any]:
    loaded = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    loaded.config.update(base_url=f"{base}/api/v1")
    operations = [result.ok() for result in loaded.get_all_operations()]
    return [op for op in operations if (op.method.upper(), op.path) not in _NOT_FUZZED]


def _fuzz(operation: Any, mode: GenerationMode, key: str) -> None:
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
            headers={"Authorization": f"Bearer {key}"},
            excluded_checks=[positive_data_acceptance],
        )

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_server_error_and_no_response_off_the_schema(
    live: tuple[str, str], mode: GenerationMode
) -> None:
    base, key = live
    operations = _operations(base)
    assert len(operations) > 40
    failures: list[str] = []
    for operation in operations:
        try:
            _fuzz(operation, mode, key)
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported at once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n\n".join(failures)
